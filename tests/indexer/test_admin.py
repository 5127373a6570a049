import re

import pytest
from django.contrib.auth.models import Permission, User

from indexer.admin import PREVIEW_CHARS
from indexer.models import FileContent, FileIndex
from search.services import search_index_build
from tests.factories import file_index

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/indexer/fileindex/"


@pytest.fixture
def staff_client(client):
    user = User.objects.create_user("editor", password="pw", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__endswith="_fileindex"))
    client.force_login(user)
    return client


@pytest.fixture
def superuser_client(client):
    client.force_login(User.objects.create_superuser("root", password="pw"))
    return client


def test_list_shows_alive_files_with_readable_sizes(superuser_client):
    file_index(file_path="/docs/rapor.pdf", file_size=5 * 1024**3, content_type="application/pdf")
    file_index(file_path="/docs/gone.txt").soft_delete()

    page = superuser_client.get(CHANGELIST).content.decode()

    assert "/docs/rapor.pdf" in page
    assert "5.0\xa0GB" in page
    assert "/docs/gone.txt" not in page


def test_deleted_files_are_reachable_through_the_state_filter(superuser_client):
    file_index(file_path="/docs/alive.txt")
    file_index(file_path="/docs/gone.txt").soft_delete()

    page = superuser_client.get(CHANGELIST, {"state": "deleted"}).content.decode()

    assert "/docs/gone.txt" in page
    assert "/docs/alive.txt" not in page


def test_search_by_path(superuser_client):
    file_index(file_path="/projeler/çalışma_dosyası.py")
    file_index(file_path="/docs/other.txt")

    page = superuser_client.get(CHANGELIST, {"q": "çalışma"}).content.decode()

    assert "/projeler/çalışma_dosyası.py" in page
    assert "/docs/other.txt" not in page


def test_list_costs_the_same_few_queries_whatever_the_row_count(
    superuser_client, django_assert_max_num_queries
):
    for n in range(150):
        file_index(file_path=f"/many/{n:03}.txt")

    with django_assert_max_num_queries(8):
        response = superuser_client.get(CHANGELIST)

    assert response.status_code == 200


def test_soft_delete_and_restore_actions(staff_client):
    row = file_index()

    staff_client.post(CHANGELIST, {"action": "soft_delete_selected", "_selected_action": [row.pk]})
    assert FileIndex.objects.deleted_only().get().pk == row.pk

    staff_client.post(
        f"{CHANGELIST}?state=deleted",
        {"action": "restore_selected", "_selected_action": [row.pk]},
    )
    assert FileIndex.objects.get().pk == row.pk


def test_hard_delete_asks_for_confirmation_then_removes_the_row(superuser_client):
    row = file_index()
    action = {"action": "delete_selected", "_selected_action": [row.pk]}

    confirmation = superuser_client.post(CHANGELIST, action)
    assert "Are you sure you want to delete the selected indexed file?" in (
        confirmation.content.decode()
    )
    assert FileIndex.all_objects.count() == 1

    superuser_client.post(CHANGELIST, action | {"post": "yes"})
    assert FileIndex.all_objects.count() == 0


def test_staff_without_superuser_cannot_hard_delete(staff_client):
    row = file_index()

    actions = staff_client.get(CHANGELIST).context["action_form"].fields["action"].choices
    response = staff_client.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"}
    )

    assert "delete_selected" not in dict(actions)
    assert response.status_code == 302
    assert FileIndex.all_objects.count() == 1


def test_hash_and_timestamps_are_read_only(superuser_client):
    row = file_index()

    form = superuser_client.get(f"{CHANGELIST}{row.pk}/change/").context["adminform"]

    assert {"content_hash", "created_at", "updated_at"} <= set(form.readonly_fields)


def test_files_are_filtered_by_how_their_extraction_went(superuser_client):
    file_index(file_path="/docs/ok.pdf", extraction_status="ok")
    file_index(
        file_path="/docs/broken.pdf",
        extraction_status="failed",
        extraction_detail="Failed to load document (PDFium: Data format error).",
    )

    page = superuser_client.get(CHANGELIST, {"extraction_status__exact": "failed"}).content
    detail = superuser_client.get(
        f"/admin/indexer/fileindex/{FileIndex.objects.get(file_path='/docs/broken.pdf').pk}/change/"
    ).content.decode()

    assert (b"/docs/broken.pdf" in page, b"/docs/ok.pdf" in page) == (True, False)
    assert "Failed to load document (PDFium: Data format error)." in detail


def test_a_files_page_is_read_only_with_no_save_button(superuser_client):
    row = file_index()

    page = superuser_client.get(f"{CHANGELIST}{row.pk}/change/")

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert superuser_client.post(f"{CHANGELIST}{row.pk}/change/", {}).status_code == 403


def text_of(row: FileIndex, text: str) -> None:
    FileContent.objects.create(content_hash=row.content_hash, text=text, encoding="utf-8")


def field(page: str, name: str) -> str:
    """Return the readonly value of one field of an admin change page, as served."""
    start = page.index(f'<div class="form-row field-{name}">')
    opening = page.index('<div class="readonly">', start) + len('<div class="readonly">')
    return page[opening : page.index("</div>", opening)]


def test_a_files_page_groups_the_file_then_its_status_text_and_history(superuser_client):
    row = file_index()

    form = superuser_client.get(f"{CHANGELIST}{row.pk}/change/").context["adminform"]

    assert [(fieldset.name, list(fieldset.fields)) for fieldset in form] == [
        (
            None,
            [
                "file_path",
                "content_type",
                "file_size",
                "last_modified",
                "content_hash",
                "search_keywords",
            ],
        ),
        ("Status", ["extraction_status", "extractor", "extraction_detail", "in_search_index"]),
        ("Extracted text", ["text_preview"]),
        ("History", ["created_at", "updated_at", "deleted_at"]),
    ]


def test_a_files_page_previews_the_start_of_its_text_escaped_and_counts_the_rest(
    superuser_client,
):
    row = file_index(extraction_status="ok", extractor="text/1")
    start = "<script>alert('x')</script> & İstanbul\n"
    text_of(row, start + "a" * (PREVIEW_CHARS - len(start)) + "b" * 12_345)

    page = superuser_client.get(f"{CHANGELIST}{row.pk}/change/").content.decode()

    assert field(page, "text_preview") == (
        '<pre class="text-preview">&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; '
        f"İstanbul\n{'a' * (PREVIEW_CHARS - len(start))}</pre>"
        '<p class="text-preview-more">… 12,345 more characters</p>'
    )
    assert (field(page, "extraction_status"), field(page, "extractor")) == ("ok", "text/1")


def test_a_short_text_is_previewed_whole(superuser_client):
    row = file_index()
    text_of(row, "Toplantı notları\n")

    page = superuser_client.get(f"{CHANGELIST}{row.pk}/change/").content.decode()

    assert field(page, "text_preview") == '<pre class="text-preview">Toplantı notları\n</pre>'


def test_a_file_with_no_extracted_text_says_so(superuser_client):
    row = file_index(extraction_status="skipped", extraction_detail="Binary file.")

    page = superuser_client.get(f"{CHANGELIST}{row.pk}/change/").content.decode()

    assert field(page, "text_preview") == "<p>(no text extracted)</p>"
    assert field(page, "extraction_detail") == "Binary file."


def test_a_deleted_files_page_still_previews_its_text(superuser_client):
    row = file_index()
    text_of(row, "Eski rapor")
    row.soft_delete()

    page = superuser_client.get(f"{CHANGELIST}{row.pk}/change/").content.decode()

    assert field(page, "text_preview") == '<pre class="text-preview">Eski rapor</pre>'


def test_the_preview_speaks_turkish_to_a_turkish_browser(superuser_client):
    row = file_index()
    text_of(row, "ç" * (PREVIEW_CHARS + 1_500))

    page = superuser_client.get(
        f"{CHANGELIST}{row.pk}/change/", headers={"accept-language": "tr"}
    ).content.decode()

    assert field(page, "text_preview").endswith(
        '</pre><p class="text-preview-more">… 1.500 karakter daha</p>'
    )
    assert re.findall(r'class="fieldset-heading">([^<]*)</h2>', page) == [
        "Durum",
        "Çıkarılan metin",
        "Geçmiş",
    ]
    assert re.findall(r"<label>([^<]*)</label>\s*<div class=\"readonly\">", page)[-6:] == [
        "Extraction detail:",
        "Arama dizininde:",
        "Metin önizlemesi:",
        "Created at:",
        "Updated at:",
        "Deleted at:",
    ]


def test_a_files_page_tells_whether_the_served_search_index_holds_it(superuser_client):
    row = file_index()
    text_of(row, "Bütçe raporu")
    before = superuser_client.get(f"{CHANGELIST}{row.pk}/change/").content.decode()

    search_index_build()
    after = superuser_client.get(f"{CHANGELIST}{row.pk}/change/").content.decode()

    assert field(before, "in_search_index") == (
        '<img src="/static/admin/img/icon-no.svg" alt="False">'
    )
    assert field(after, "in_search_index") == (
        '<img src="/static/admin/img/icon-yes.svg" alt="True">'
    )
