"""What each file's extraction stored, and re-extraction when an extractor's version moves."""

import pytest

from indexer.extract import EXTRACTORS, Extraction, Limits, Segment, Source, Status
from indexer.extract.plaintext import PlainTextExtractor
from indexer.models import FileContent, FileIndex
from indexer.services import SyncOptions, file_index_sync

pytestmark = pytest.mark.django_db

# An ELF header: a binary no extractor reads.
BINARY = b"\x7fELF\x02\x01\x01\x00" + bytes(56)


def sync(root, **options):
    return file_index_sync(roots=[root], options=SyncOptions(**options))


def extraction_of(root) -> dict[str, tuple[str, str, str]]:
    rows = FileIndex.objects.values_list(
        "file_path", "extractor", "extraction_status", "extraction_detail"
    )
    return {path.removeprefix(f"{root}/"): tuple(rest) for path, *rest in rows}


def test_each_file_records_its_extractor_and_how_extraction_went(make_files):
    root = make_files({"a.txt": "alpha", "long.txt": "b" * 50, "empty.txt": "", "tool.bin": BINARY})

    sync(root, max_text_bytes=20)

    assert extraction_of(root) == {
        "a.txt": ("text/1", "ok", ""),
        "long.txt": ("text/1", "truncated", ""),
        "empty.txt": ("text/1", "empty", ""),
        "tool.bin": ("none/1", "unsupported", "application/octet-stream"),
    }
    assert set(FileContent.objects.values_list("extractor", flat=True)) == {"text/1"}


def test_a_new_extractor_version_re_extracts_only_the_files_it_handles(make_files, monkeypatch):
    root = make_files({"a.txt": "alpha", "b.md": "# beta", "tool.bin": BINARY})
    sync(root)

    monkeypatch.setattr(PlainTextExtractor, "version", 2)
    report = sync(root)

    assert (report.unchanged, report.bytes_read) == (3, len("alpha") + len("# beta"))
    assert {row[0] for row in extraction_of(root).values()} == {"text/2", "none/1"}
    assert set(FileContent.objects.values_list("extractor", flat=True)) == {"text/2"}
    assert sync(root).bytes_read == 0


def test_an_extractor_that_crashes_is_a_failed_status_not_a_failed_run(make_files, monkeypatch):
    def crash(self, source, *, limits):
        raise ValueError("bad bytes")

    monkeypatch.setattr(PlainTextExtractor, "extract", crash)
    root = make_files({"a.txt": "alpha"})

    report = sync(root)

    assert (report.new, report.errors) == (1, 0)
    assert extraction_of(root) == {"a.txt": ("text/1", "failed", "ValueError: bad bytes")}
    assert not FileContent.objects.exists()


def test_segments_join_into_the_text_and_remember_where_each_came_from():
    extraction = Extraction(
        "pdf/1",
        Status.OK,
        (Segment("first page"), Segment("second page", page=2), Segment("x", member="a/b.txt")),
    )

    assert extraction.text == "first page\n\nsecond page\n\nx"
    assert extraction.locations == [(0, None, None), (12, 2, None), (25, None, "a/b.txt")]


def test_the_registry_reads_an_extension_in_any_case_and_only_at_the_end_of_the_path():
    unknown = "application/octet-stream"

    assert EXTRACTORS.key_for(unknown, "/a/Rapor.HTML") == "html/1"
    assert EXTRACTORS.key_for(unknown, "/a/İSTANBUL.Htm") == "html/1"
    assert EXTRACTORS.key_for(unknown, "/a/kept.html/notes") == "none/1"


def test_the_registry_picks_by_type_and_falls_back_to_found_by_name_only():
    source = Source("/nowhere", "application/x-unknown", 3, b"abc")

    assert EXTRACTORS.for_file("text/x-python", "/a/b.py").key() == "text/1"
    assert EXTRACTORS.for_file("application/json", "/a/b.json").key() == "text/1"
    assert EXTRACTORS.extract(
        source, path="/a/b.bin", limits=Limits(max_text_bytes=10)
    ) == Extraction("none/1", Status.UNSUPPORTED, detail="application/x-unknown")
