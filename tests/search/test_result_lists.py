"""Result lists as a person reads them: copies collapsed, typos forgiven, stems matched,
long queries answered, and each result able to say why it is there."""

import pytest

from analytics.models import SearchEvent
from indexer.access import access_grant
from indexer.models import AccessRule
from tests.search.conftest import reindex, write_corpus

pytestmark = [pytest.mark.django_db, pytest.mark.redis]

NOTE = "Meeting notes: the quarterly budget review moves to Thursday."
FILES = {
    "team/a/notes.txt": (NOTE, "2025-01-10"),
    "team/b/notes copy.txt": (NOTE, "2025-01-11"),
    "private/notes.txt": (NOTE, "2025-01-12"),
    "team/empty1.txt": ("", "2025-01-13"),
    "team/empty2.txt": ("", "2025-01-14"),
    "docs/password_reset.md": ("Reset a forgotten password from the sign-in page.", "2025-02-01"),
    "docs/portal.txt": ("Faturanızı müşteri portalından indirebilirsiniz.", "2025-02-02"),
    "docs/printer.md": ("Connect the office printer to the wireless network.", "2025-02-03"),
}


@pytest.fixture
def files(tmp_path):
    root = write_corpus(tmp_path / "files", FILES)
    reindex(str(root))
    return root


def relative(root, body) -> list[str]:
    return [result["file_path"].removeprefix(f"{root}/") for result in body["data"]]


def test_files_with_the_same_content_are_one_result_listing_the_others(files, search):
    body = search(q="quarterly budget", mode="keyword").json()

    [result] = body["data"]
    copies = [f"{files}/{path}" for path in ("private/notes.txt", "team/a/notes.txt")]
    copies.append(f"{files}/team/b/notes copy.txt")
    assert sorted([result["file_path"], *result["duplicates"]]) == copies
    assert result["duplicates"] == sorted(result["duplicates"])
    assert body["metadata"]["total_results"] == 1


def test_collapse_none_lists_every_copy(files, search):
    body = search(q="quarterly budget", mode="keyword", collapse="none").json()

    assert sorted(relative(files, body)) == [
        "private/notes.txt",
        "team/a/notes.txt",
        "team/b/notes copy.txt",
    ]
    assert body["metadata"]["total_results"] == 3


def test_copies_a_user_may_not_see_are_neither_results_nor_duplicates(files, user, search):
    AccessRule.objects.filter(user=user).delete()
    access_grant(path=str(files / "team"), user=user)

    body = search(q="quarterly budget", mode="keyword").json()

    assert relative(files, body) == ["team/a/notes.txt"]
    assert body["data"][0]["duplicates"] == [f"{files}/team/b/notes copy.txt"]


def test_empty_files_are_not_copies_of_each_other(files, search):
    body = search(path=str(files / "team"), ordering="file_path").json()

    assert relative(files, body) == ["team/a/notes.txt", "team/empty1.txt", "team/empty2.txt"]
    assert body["data"][0]["duplicates"] == [f"{files}/team/b/notes copy.txt"]


def test_a_word_one_typo_away_is_corrected_and_said_so(files, search):
    body = search(q="pasword reset", mode="keyword").json()

    assert relative(files, body) == ["docs/password_reset.md"]
    assert body["metadata"]["corrected_query"] == "password reset"


def test_a_query_without_typos_has_no_corrected_query(files, search):
    assert search(q="password", mode="keyword").json()["metadata"]["corrected_query"] is None


def test_words_find_their_inflected_forms_in_english_and_turkish(files, search):
    assert relative(files, search(q="printers", mode="keyword").json()) == ["docs/printer.md"]
    assert relative(files, search(q="portal", mode="keyword").json()) == ["docs/portal.txt"]
    assert relative(files, search(q="faturanız", mode="keyword").json()) == ["docs/portal.txt"]


@pytest.mark.parametrize("query", ["portalindan", "faturanizi", "musteri portal", "faturanız"])
def test_turkish_is_found_typed_with_or_without_its_letters(files, search, query):
    assert relative(files, search(q=query, mode="keyword").json()) == ["docs/portal.txt"]


def test_explain_says_how_a_hybrid_result_was_found_and_placed(files, search):
    body = search(q="printer network", explain="true").json()

    top = body["data"][0]
    assert relative(files, body)[0] == "docs/printer.md"
    explain = top["explain"]
    assert explain["keyword"] == {
        "rank": 1,
        "score": explain["keyword"]["score"],
        "terms": [
            {
                "term": "printer",
                "fields": ["name", "text"],
                "score": explain["keyword"]["terms"][0]["score"],
            },
            {
                "term": "network",
                "fields": ["text"],
                "score": explain["keyword"]["terms"][1]["score"],
            },
        ],
    }
    assert explain["semantic"]["rank"] == 1
    assert 0 < explain["semantic"]["similarity"] <= 1
    assert explain["fused_score"] == top["score"] == 1.0
    assert explain["passage"] == {"page": None, "member": None, "start": 0, "end": 51}


def test_a_file_found_only_by_meaning_shows_its_text_not_its_name(files, search):
    body = search(q="wireless office equipment setup", mode="semantic").json()

    top = body["data"][0]
    assert relative(files, body)[0] == "docs/printer.md"
    # Its text, with the query's words marked: not "files docs printer md".
    assert top["snippet"] == (
        "Connect the <mark>office</mark> printer to the <mark>wireless</mark> network."
    )


def test_a_pasted_page_long_query_is_answered(files, search):
    paragraph = " ".join(["Connect the office printer to the wireless network."] * 200)

    body = search(q=paragraph[:10_000]).json()

    assert len(paragraph[:10_000]) == 10_000
    assert relative(files, body)[0] == "docs/printer.md"


def test_a_long_query_is_recorded_by_its_start(files, search, settings):
    settings.SEARCH_EVENTS_IN_BACKGROUND = False
    query = "printer " * 1000

    search(q=query, mode="keyword")

    event = SearchEvent.objects.get()
    assert (len(event.query), event.query.startswith("printer printer")) == (500, True)
