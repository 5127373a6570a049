"""The search page as a person uses it: a real browser against a live server."""

import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import User
from django.db import connections
from playwright.sync_api import Page, expect

from indexer.access import access_grant
from search import factory
from search.engine import HashingEncoder
from tests.e2e.conftest import PASSWORD
from tests.environment import IN_CI
from tests.search.conftest import reindex, write_corpus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
# What the search page's first load may transfer: the page, its style sheet and its script.
FIRST_LOAD_BUDGET = 150_000

FILES = {
    **{
        f"notes/budget-{number:02}.txt": (
            f"Budget note {number}: the quarterly budget for team {number}.",
            f"2025-03-{number + 1:02}",
        )
        for number in range(22)
    },
    "reports/budget-q1.csv": ("quarter,budget\nq1,10\n", "2024-04-01"),
    "reports/budget-q2.csv": ("quarter,budget\nq2,12\n", "2024-07-01"),
    "docs/bütçe_toplantısı.md": ("Bütçe toplantısı perşembe günü yapılacak.", "2025-05-05"),
}


@pytest.fixture
def files(tmp_path) -> Path:
    """The files, indexed with a fake encoder: the page's plumbing, not the model, is tested."""
    factory.use_encoder(HashingEncoder())
    root = write_corpus(tmp_path / "files", FILES)
    # The browser's event loop may be running on this thread; the reader runs its own.
    with ThreadPoolExecutor(1) as thread:
        thread.submit(_reindex, root).result()
    return root


def _reindex(root: Path) -> None:
    try:
        reindex(str(root))
    finally:
        connections.close_all()


@pytest.fixture
def reader(files) -> User:
    user = User.objects.create_user("ayse", password=PASSWORD)
    access_grant(path=str(files), user=user)
    return user


def sign_in(page: Page, user: User, path: str = "/") -> None:
    page.goto(f"/accounts/login/?{urlencode({'next': path})}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("form.login button")


def search(page: Page, query: str, mode: str = "keyword") -> None:
    page.fill("#q", query)
    page.select_option("#mode", mode)
    with page.expect_navigation():
        page.press("#q", "Enter")


def summary(page: Page) -> str:
    return page.locator("#summary").inner_text()


def facet(page: Page, name: str) -> list[str]:
    links = page.locator(f"[data-facet={name}] a")
    return [" ".join(text.split()) for text in links.all_inner_texts()]


def result_names(page: Page) -> list[str]:
    return page.locator("a.open").all_inner_texts()


def test_sign_in_search_narrow_by_a_facet_and_page(page: Page, reader, files, screenshots):
    sign_in(page, reader)
    search(page, "budget")

    assert summary(page) == "24 results · page 1 of 2"
    assert facet(page, "content_type") == ["text/plain 22", "text/csv 2"]
    assert facet(page, "year") == ["2025 22", "2024 2"]
    page.screenshot(path=screenshots / "search-page.png", full_page=True)

    with page.expect_navigation():
        page.click("[data-facet=content_type] a:has-text('text/csv')")
    assert summary(page) == "2 results"
    assert sorted(result_names(page)) == ["budget-q1.csv", "budget-q2.csv"]
    assert facet(page, "content_type") == ["text/plain 22", "text/csv 2"]
    expect(page.locator("[data-facet=content_type] a[aria-current=true]")).to_have_text(
        re.compile(r"text/csv\s+2")
    )
    assert facet(page, "year") == ["2024 2"]

    with page.expect_navigation():
        page.click("[data-facet=content_type] a.chosen")
    with page.expect_navigation():
        page.click("a[rel=next]")
    assert summary(page) == "24 results · page 2 of 2"
    assert len(result_names(page)) == 4
    assert page.locator("ol.hits").get_attribute("start") == "21"


def test_a_result_opens_its_page_with_the_match_marked_and_the_original(
    page: Page, reader, files, screenshots
):
    sign_in(page, reader)
    search(page, "perşembe toplantısı")

    with page.expect_navigation():
        page.click("a.open >> nth=0")

    assert page.locator("h1").inner_text() == "bütçe_toplantısı.md"
    assert page.locator("#passage mark").all_inner_texts() == ["toplantısı", "perşembe"]
    page.screenshot(path=screenshots / "file-page.png", full_page=True)
    with page.expect_download() as download:
        page.click("text=Download original")
    saved = download.value.path()
    assert Path(saved).read_bytes() == (files / "docs/bütçe_toplantısı.md").read_bytes()
    assert download.value.suggested_filename == "bütçe_toplantısı.md"


def test_keys_move_through_the_results_and_enter_opens_one(page: Page, reader, files):
    sign_in(page, reader, "/?q=budget&mode=keyword&ordering=file_path")
    page.locator("body").click()

    page.keyboard.press("/")
    expect(page.locator("#q")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.locator("a.open").nth(0)).to_be_focused()
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(page.locator("a.open").nth(1)).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.locator("h1").inner_text() == "budget-01.txt"


def test_the_page_speaks_turkish_when_switched(page: Page, reader, files, screenshots):
    sign_in(page, reader, "/?q=bütçe&mode=keyword")

    with page.expect_navigation():
        page.click("button[lang=tr]")

    assert page.locator("html").get_attribute("lang") == "tr"
    assert summary(page) == "1 sonuç"
    assert page.locator("form.search button").inner_text() == "Ara"
    page.screenshot(path=screenshots / "search-page-tr.png", full_page=True)


def test_a_file_the_user_may_not_see_is_not_found_page_and_original(page: Page, reader, files):
    stranger = User.objects.create_user("mehmet", password=PASSWORD)
    access_grant(path=str(files / "reports"), user=stranger)
    sign_in(page, reader, "/?q=perşembe&mode=keyword")
    hidden = page.locator("a.open").first.get_attribute("href")
    file_id = re.search(r"/files/(\d+)/", hidden or "").group(1)  # type: ignore[union-attr]
    page.context.clear_cookies()

    sign_in(page, stranger)
    file_page = page.goto(f"/files/{file_id}/")
    download = page.request.get(f"/api/files/{file_id}/download/")

    assert file_page is not None
    assert file_page.status == 404
    assert page.locator("h1").inner_text() == "Not found"
    assert download.status == 404
    assert download.json()["message"] == f"No file {file_id}."


def test_signed_out_visitors_are_sent_to_sign_in(page: Page, files):
    page.goto("/?q=budget")

    assert page.url.endswith("/accounts/login/?next=/%3Fq%3Dbudget")
    assert page.locator("h1").inner_text() == "Sign in to search"


def test_the_first_load_stays_within_its_budget(page: Page, reader, files):
    sign_in(page, reader)
    transferred: list[int] = []
    page.on("response", lambda response: transferred.append(len(response.body())))

    page.goto("/?q=budget&mode=hybrid")
    page.wait_for_load_state("networkidle")

    assert len(transferred) == 3  # the page, its style sheet, its script
    assert sum(transferred) <= FIRST_LOAD_BUDGET


@pytest.mark.parametrize(
    "path", ["/?q=budget&mode=keyword", "/?q=nothing-like-this", "/", "/files/{id}/?q=budget"]
)
def test_axe_finds_no_accessibility_violations(page: Page, reader, files, path):
    if not AXE.exists():
        missing = f"{AXE} is missing: make install runs npm ci --prefix tests/e2e"
        pytest.fail(f"CI=true and {missing}") if IN_CI else pytest.skip(missing)
    sign_in(page, reader)
    if "{id}" in path:
        page.goto("/?q=budget&mode=keyword")
        path = page.locator("a.open").first.get_attribute("href") or ""
    page.goto(path)
    page.add_script_tag(path=str(AXE))

    found = page.evaluate("async () => (await axe.run()).violations")

    assert [(v["id"], len(v["nodes"])) for v in found] == [], json.dumps(found, indent=1)
