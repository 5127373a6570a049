"""The FileIndex admin as an administrator sees it: a real browser against a live server."""

from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page

from indexer.models import FileContent, FileIndex
from search.services import search_index_build
from tests.e2e.conftest import PASSWORD
from tests.factories import file_index

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CHANGELIST = "/admin/indexer/fileindex/"


@pytest.fixture
def files() -> dict[str, FileIndex]:
    """Two alive files and a soft-deleted one, with a served search index (no index warning)."""
    rows = {
        "report": file_index(file_path="/docs/rapor.pdf", content_type="application/pdf"),
        "notes": file_index(file_path="/projeler/çalışma_notları.txt"),
        "gone": file_index(file_path="/docs/gone.txt"),
    }
    rows["gone"].soft_delete()
    search_index_build()
    return rows


def log_in(page: Page, user: User, path: str = CHANGELIST) -> None:
    page.goto(f"/admin/login/?{urlencode({'next': path})}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit]")


def listed_paths(page: Page) -> list[str]:
    return page.locator("#result_list tbody th.field-file_path a").all_inner_texts()


def messages(page: Page) -> list[str]:
    return page.locator("ul.messagelist li").all_inner_texts()


def run_action(page: Page, path: str, action: str) -> None:
    page.locator(f"#result_list tbody tr:has(th a:text-is('{path}')) input.action-select").check()
    page.select_option("select[name=action]", action)
    with page.expect_navigation():
        page.click("button[name=index]")


def test_login_shows_the_alive_files_in_path_order(page: Page, superuser, files, screenshots: Path):
    log_in(page, superuser)

    assert page.title() == "Select indexed file to change | Django site admin"
    assert listed_paths(page) == ["/docs/rapor.pdf", "/projeler/çalışma_notları.txt"]
    assert messages(page) == []
    page.screenshot(path=screenshots / "admin-file-list.png", full_page=True)
    assert (screenshots / "admin-file-list.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_search_by_path_finds_turkish_names(page: Page, superuser, files):
    log_in(page, superuser)

    page.fill("#searchbar", "çalışma")
    with page.expect_navigation():
        page.press("#searchbar", "Enter")

    assert listed_paths(page) == ["/projeler/çalışma_notları.txt"]


def test_deleted_filter_lists_only_soft_deleted_files(page: Page, superuser, files):
    log_in(page, superuser)

    with page.expect_navigation():
        page.click("#changelist-filter a:text-is('Deleted')")

    assert listed_paths(page) == ["/docs/gone.txt"]


def test_restore_brings_a_deleted_file_back_to_the_list(page: Page, editor, files):
    log_in(page, editor, f"{CHANGELIST}?state=deleted")

    run_action(page, "/docs/gone.txt", "restore_selected")

    assert messages(page) == ["1 file restored."]
    assert listed_paths(page) == []
    page.goto(CHANGELIST)
    assert listed_paths(page) == [
        "/docs/gone.txt",
        "/docs/rapor.pdf",
        "/projeler/çalışma_notları.txt",
    ]


def test_superuser_hard_deletes_after_confirming(page: Page, superuser, files):
    log_in(page, superuser)

    run_action(page, "/docs/rapor.pdf", "delete_selected")

    assert page.locator("#content h1").inner_text() == "Delete multiple objects"
    assert page.locator("#content > p").first.inner_text() == (
        "Are you sure you want to delete the selected indexed file? All of the following "
        "objects and their related items will be deleted:"
    )
    assert FileIndex.all_objects.filter(pk=files["report"].pk).exists()
    with page.expect_navigation():
        page.click("input[type=submit]")

    assert messages(page) == ["Successfully deleted 1 indexed file."]
    assert listed_paths(page) == ["/projeler/çalışma_notları.txt"]
    assert not FileIndex.all_objects.filter(pk=files["report"].pk).exists()


def test_staff_without_superuser_cannot_hard_delete(page: Page, editor, files):
    log_in(page, editor)

    actions = page.locator("select[name=action] option").all_inner_texts()
    delete_page = page.goto(f"{CHANGELIST}{files['report'].pk}/delete/")

    assert actions == ["---------", "Soft delete selected files", "Restore selected files"]
    assert delete_page.status == 403
    assert page.locator("h1").inner_text() == "403 Forbidden"
    assert FileIndex.all_objects.filter(pk=files["report"].pk).exists()


def test_every_column_fits_a_1366_pixel_screen_with_long_paths(page: Page, superuser, files):
    deep = "/" + "/".join(["a_rather_long_folder_name"] * 8) + "/yıllık_bütçe_raporu_2026.xlsx"
    file_index(file_path=deep)
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, superuser)

    header = page.locator("#result_list thead th").last.bounding_box()

    assert header is not None
    assert header["x"] + header["width"] <= 1366


def test_a_files_page_shows_its_status_and_a_scrolling_preview_of_its_text(
    page: Page, superuser, files, screenshots: Path
):
    text = "/çok/uzun/" * 60 + "\n" + "Toplantı notları: <bütçe> & takvim\n" * 100
    notes = files["notes"]
    FileContent.objects.create(content_hash=notes.content_hash, text=text, encoding="utf-8")
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, superuser, f"{CHANGELIST}{notes.pk}/change/")

    preview = page.locator(".field-text_preview pre.text-preview")
    scrolls = preview.evaluate("pre => pre.scrollHeight > pre.clientHeight")
    box = preview.bounding_box()

    assert page.locator("fieldset h2").all_inner_texts() == ["Status", "Extracted text", "History"]
    assert page.locator(".field-in_search_index img").get_attribute("alt") == "True"
    assert preview.inner_text() == text[:2000]
    assert page.locator(".field-text_preview .text-preview-more").inner_text() == (
        "… 2,101 more characters"
    )
    assert scrolls
    assert box is not None
    assert box["x"] + box["width"] <= 1366
    page.screenshot(path=screenshots / "admin-file-page.png", full_page=True)
