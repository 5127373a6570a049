"""The search page and file pages over HTTP: who may see them, what they say, and how they
fail."""

import re

import pytest
from django.test import Client

from analytics.models import SearchEvent
from indexer.models import FileIndex
from tests.search.conftest import reindex, write_corpus

pytestmark = [pytest.mark.django_db, pytest.mark.redis]

FILES = {
    "docs/budget.txt": ("The quarterly budget review moves to Thursday.", "2025-01-10"),
    "docs/budget copy.txt": ("The quarterly budget review moves to Thursday.", "2025-01-11"),
    "reports/q1.csv": ("quarter,budget\nq1,10\n", "2024-04-01"),
    "notes/long.txt": ("word " * 5000 + "the budget is here " + "word " * 100, "2025-02-01"),
    "notes/toplantı.md": ("Bütçe toplantısı perşembe günü <b>yapılacak</b>.", "2025-03-01"),
}


@pytest.fixture
def files(tmp_path, encoder):
    root = write_corpus(tmp_path / "files", FILES)
    reindex(str(root))
    return root


@pytest.fixture
def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def file_id(root, relative: str) -> int:
    return FileIndex.objects.get(file_path=f"{root}/{relative}").pk


def text(html: bytes) -> str:
    """Return the page's visible words, tags dropped and whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html.decode()).split())


def test_signed_out_visitors_are_sent_to_sign_in(files):
    response = Client().get("/", {"q": "budget"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/%3Fq%3Dbudget"


def test_the_empty_page_invites_a_search_and_records_nothing(files, browser):
    response = browser.get("/")

    assert response.status_code == 200
    assert "Search your files" in text(response.content)
    assert 'id="summary"' not in response.content.decode()
    assert SearchEvent.objects.count() == 0


def test_a_search_lists_results_with_facets_and_is_recorded(files, browser):
    response = browser.get("/", {"q": "budget", "mode": "keyword"})

    page = text(response.content)
    assert response.status_code == 200
    assert "3 results" in page
    assert "budget.txt" in page
    assert "1 copy elsewhere" in page
    assert f"{files}/docs/budget copy.txt" in page
    assert "Why this result" in page
    facets = response.context["facets"]
    assert [
        (facet["name"], [(v["label"], v["count"]) for v in facet["values"]]) for facet in facets
    ] == [
        ("content_type", [("text/plain", 2), ("text/csv", 1)]),
        ("folder", [("docs", 1), ("notes", 1), ("reports", 1)]),
        ("year", [("2025", 2), ("2024", 1)]),
        ("extraction", [("extracted", 3)]),
    ]
    assert SearchEvent.objects.get().query == "budget"


def test_a_chosen_facet_value_links_back_to_the_wider_search(files, browser):
    response = browser.get("/", {"q": "budget", "mode": "keyword", "type": "text/csv"})

    [type_facet] = [
        facet for facet in response.context["facets"] if facet["name"] == "content_type"
    ]
    assert [(v["value"], v["chosen"], v["url"]) for v in type_facet["values"]] == [
        ("text/plain", False, "?q=budget&mode=keyword&type=text%2Fplain"),
        ("text/csv", True, "?q=budget&mode=keyword"),
    ]
    assert response.context["filters"] == [
        {"label": "Type", "value": "text/csv", "url": "?q=budget&mode=keyword"}
    ]


def test_bad_parameters_are_explained_on_the_page(files, browser):
    response = browser.get("/", {"q": "budget", "min_size": "-1", "mode": "psychic"})

    assert response.status_code == 400
    assert response.context["errors"] == [
        'Mode: "psychic" is not a valid choice.',
        "At least (bytes): Ensure this value is greater than or equal to 0.",
    ]
    assert "The search could not be run:" in text(response.content)


def test_a_page_past_the_last_is_explained_on_the_page(files, browser):
    response = browser.get("/", {"q": "budget", "page": "9"})

    assert response.status_code == 400
    assert response.context["errors"] == ["Page: Page 9 is past the last page, 1."]


def test_no_results_say_so_and_suggest_what_to_try(files, browser):
    response = browser.get("/", {"q": "zyxwvut", "mode": "keyword"})

    page = text(response.content)
    assert "0 results" in page
    assert "No files match. Try other words, remove a filter, or search by meaning." in page


def test_the_page_speaks_the_browsers_language(files, browser):
    response = browser.get("/", {"q": "budget", "mode": "keyword"}, HTTP_ACCEPT_LANGUAGE="tr")

    assert '<html lang="tr">' in response.content.decode()
    assert "3 sonuç" in text(response.content)


def test_a_file_page_shows_the_passage_that_matched_on_its_text_page(files, browser):
    long_file = file_id(files, "notes/long.txt")
    start = 5000 * 5

    response = browser.get(
        f"/files/{long_file}/", {"q": "budget", "start": start, "end": start + 18}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["text"].page == 2
    assert '<span class="passage" id="passage">the <mark>budget</mark> is here</span>' in html
    assert "Page 2 of 2 · 25,519 characters in all" in text(response.content)
    assert 'href="?q=budget&amp;start=25000&amp;end=25018&amp;page=1"' in html


def test_a_file_page_escapes_the_text_it_shows(files, browser):
    response = browser.get(
        f"/files/{file_id(files, 'notes/toplantı.md')}/", {"q": "butce toplantisi"}
    )

    html = response.content.decode()
    assert (
        "<mark>Bütçe</mark> <mark>toplantısı</mark> perşembe günü &lt;b&gt;yapılacak&lt;/b&gt;."
        in html
    )
    assert f'href="/api/files/{file_id(files, "notes/toplantı.md")}/download/"' in html


def test_a_file_out_of_the_users_reach_is_not_found(files, browser, django_user_model):
    other = Client()
    other.force_login(django_user_model.objects.create_user("mehmet"))

    response = other.get(f"/files/{file_id(files, 'docs/budget.txt')}/")

    assert response.status_code == 404
    assert "There is nothing here, or nothing you may see." in text(response.content)


def test_a_file_page_with_bad_parameters_says_why(files, browser):
    response = browser.get(f"/files/{file_id(files, 'docs/budget.txt')}/", {"start": "-4"})

    assert response.status_code == 400
    assert response.context["errors"] == [
        "Passage start: Ensure this value is greater than or equal to 0."
    ]


def test_signing_out_returns_to_the_sign_in_page(files, browser):
    response = browser.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert browser.get("/").status_code == 302
