"""Documents through the API: each result says where its snippet came from and how extraction
went, and the extraction status is a filter."""

import pytest

from tests.indexer import documents
from tests.search.conftest import reindex

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(tmp_path, settings):
    settings.SEARCH_THROTTLE_RATE = "10000/hour"
    root = tmp_path / "tree"
    root.mkdir()
    rapor = documents.fixture("rapor.pdf", tmp_path).read_bytes()
    documents.zip_of(root / "arsiv.zip", {"2026/rapor.pdf": rapor})
    documents.docx(root / "notlar.docx", "Kanguru bütçesi için toplantı notları")
    (root / "bozuk.docx").write_bytes(bytes(range(256)) * 4)
    (root / "sayfa.html").write_text(
        "<html><head><script>var gizlikelime = 1;</script></head><body>Görünür metin</body></html>"
    )
    reindex(str(root))
    return root


def results(search, **params) -> list[tuple[str, dict, dict]]:
    body = search(**params).json()
    return [
        (r["file_path"].rsplit("/", 1)[1], r["location"], r["extraction"]) for r in body["data"]
    ]


def test_a_match_inside_an_archived_pdf_names_its_page_and_member(search, tree):
    found = results(search, q="zurafa", mode="keyword")

    assert found == [
        (
            "arsiv.zip",
            {"page": 2, "member": "2026/rapor.pdf"},
            {"status": "ok", "extractor": "archive/1", "detail": ""},
        )
    ]
    snippet = search(q="zurafa", mode="keyword").json()["data"][0]["snippet"]
    assert snippet == "Toplantı kararları: <mark>zürafa</mark> projesi onaylandı."


def test_files_whose_extraction_failed_are_found_by_name_and_by_status(search, tree):
    by_name = results(search, q="bozuk", mode="keyword")
    by_status = results(search, extraction="failed")

    expected = [
        (
            "bozuk.docx",
            {"page": None, "member": None},
            {
                "status": "failed",
                "extractor": "docx/1",
                "detail": "BadZipFile: File is not a zip file",
            },
        )
    ]
    assert (by_name, by_status) == (expected, expected)


def test_script_text_does_not_count_and_turkish_folds(search, tree):
    assert results(search, q="gizlikelime", mode="keyword") == []
    assert [name for name, *_ in results(search, q="kanguru butcesi", mode="keyword")] == [
        "notlar.docx"
    ]


def test_an_unknown_extraction_status_is_a_clear_error(search, tree):
    body = search(extraction="ok,broken").json()

    assert body == {
        "success": False,
        "message": "Invalid request",
        "errors": {
            "extraction": [
                "broken is not one of: ok, truncated, failed, unsupported, empty, skipped."
            ]
        },
    }
