import dataclasses
import errno
import hashlib
import itertools
import os
import threading
import tracemalloc

import aiofiles
import pytest
from django.conf import settings

from indexer.crawler import CrawlProblem, Reason
from indexer.extract import Extraction, Limits, Segment, Source, Status
from indexer.extract.plaintext import EMPTY_CONTENT_TYPE
from indexer.reader import DEFAULT_CONCURRENCY, ReadResult, read_files
from indexer.services import SyncOptions, sync_options

PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_utf8_python_file_is_hashed_typed_and_decoded(make_files, found, read_one):
    content = "def selam():\n    return 'Günaydın'\n".encode()
    root = make_files({"selam.py": content})
    file = found(root / "selam.py")

    assert read_one(root / "selam.py") == ReadResult(
        file=file,
        sha256=sha256(content),
        content_type="text/x-python",
        extraction=Extraction(
            "text/1",
            Status.OK,
            (Segment("def selam():\n    return 'Günaydın'\n"),),
            encoding="utf-8",
        ),
        size=len(content),
        mtime_ns=file.mtime_ns,
    )


def test_cp1254_text_is_decoded_as_turkish(make_files, read_one):
    root = make_files({"şehir.txt": "İstanbul ışık şğü".encode("cp1254")})

    result = read_one(root / "şehir.txt")

    assert (result.content_type, result.text, result.extraction.encoding) == (
        "text/plain",
        "İstanbul ışık şğü",
        "cp1254",
    )


def test_utf8_bom_is_stripped_from_the_text_but_hashed(make_files, read_one):
    content = b"\xef\xbb\xbfmerhaba\n"
    root = make_files({"bom.txt": content})

    result = read_one(root / "bom.txt")

    assert (result.text, result.extraction.encoding, result.sha256) == (
        "merhaba\n",
        "utf-8",
        sha256(content),
    )


def test_text_is_capped_at_max_text_bytes_but_the_whole_file_is_hashed(make_files, read_one):
    content = b"a" * 100 + b"b" * 50
    root = make_files({"long.txt": content})

    result = read_one(root / "long.txt", limits=Limits(max_text_bytes=100))

    assert (result.text, result.extraction.status, result.size, result.sha256) == (
        "a" * 100,
        Status.TRUNCATED,
        150,
        sha256(content),
    )


def test_multibyte_character_cut_by_the_cap_is_dropped_not_a_decoding_error(make_files, read_one):
    root = make_files({"ş.txt": "ş" * 10})

    result = read_one(root / "ş.txt", limits=Limits(max_text_bytes=7))

    assert (result.text, result.extraction.encoding, result.extraction.status) == (
        "şşş",
        "utf-8",
        Status.TRUNCATED,
    )


def test_binary_file_is_typed_by_content_and_has_no_text(make_files, read_one):
    root = make_files({"tool": b"\x7fELF\x02\x01\x01\x00" + bytes(56)})

    result = read_one(root / "tool")

    assert (result.content_type, result.extraction) == (
        "application/octet-stream",
        Extraction("none/1", Status.UNSUPPORTED, detail="application/octet-stream"),
    )


def test_documents_are_left_to_the_extraction_workers(make_files, read_one):
    root = make_files({"pixel.png": PNG_HEADER})

    result = read_one(root / "pixel.png")

    assert (result.content_type, result.extraction, result.source) == (
        "image/png",
        None,
        Source(str(root / "pixel.png"), "image/png", len(PNG_HEADER), b""),
    )


def test_pdf_is_typed_by_content(make_files, read_one):
    root = make_files({"belge.pdf": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"})

    result = read_one(root / "belge.pdf")

    assert (result.content_type, result.text) == ("application/pdf", None)


def test_nul_bytes_make_a_file_binary_whatever_its_extension(make_files, read_one):
    root = make_files({"odd.txt": b"looks like text\x00but is not"})

    result = read_one(root / "odd.txt")

    assert (result.content_type, result.text) == ("application/octet-stream", None)


def test_text_without_an_extension_is_sniffed(make_files, read_one):
    script_text = "#!/usr/bin/env python3\nimport os\n"
    root = make_files({"README": "Just some notes.\n", "manage": script_text})

    readme, script = read_one(root / "README"), read_one(root / "manage")

    assert (readme.content_type, readme.text) == ("text/plain", "Just some notes.\n")
    assert (script.content_type, script.text) == ("text/x-script.python", script_text)


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("a.py", "text/x-python"),
        ("a.md", "text/markdown"),
        ("a.rs", "text/x-rust"),
        ("a.go", "text/x-go"),
        ("a.ts", "text/x-typescript"),
        ("a.json", "application/json"),
        ("a.yaml", "application/yaml"),
        ("a.yml", "application/yaml"),
        ("a.toml", "application/toml"),
        ("a.sh", "text/x-shellscript"),
        ("a.c", "text/x-c"),
        ("a.h", "text/x-c"),
        ("a.java", "text/x-java"),
        ("a.js", "text/javascript"),
        ("a.csv", "text/csv"),
        ("a.css", "text/css"),
        ("A.PY", "text/x-python"),
    ],
)
def test_text_type_is_refined_by_extension(make_files, read_one, name, content_type):
    root = make_files({name: "x = 1\n"})

    result = read_one(root / name)

    assert (result.content_type, result.text) == (content_type, "x = 1\n")


def test_empty_file_gets_the_empty_content_type(make_files, found, read_one):
    root = make_files({"empty.py": b""})
    file = found(root / "empty.py")

    assert read_one(root / "empty.py") == ReadResult(
        file=file,
        sha256=sha256(b""),
        content_type=EMPTY_CONTENT_TYPE,
        extraction=Extraction("text/1", Status.EMPTY),
        size=0,
        mtime_ns=file.mtime_ns,
    )
    assert EMPTY_CONTENT_TYPE == "inode/x-empty"


def test_only_files_larger_than_a_chunk_are_streamed_through_aiofiles(
    make_files, found, monkeypatch
):
    big = os.urandom(3 << 20) + b"\x00"
    root = make_files({"big.bin": big, "small.txt": "small"})
    streamed = []
    real_open = aiofiles.open

    def spy(path, *args, **kwargs):
        streamed.append(path)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(aiofiles, "open", spy)

    results = {
        r.file.path: r for r in read_files([found(root / "big.bin"), found(root / "small.txt")])
    }

    assert streamed == [f"{root}/big.bin"]
    assert (results[f"{root}/big.bin"].sha256, results[f"{root}/big.bin"].size) == (
        sha256(big),
        len(big),
    )
    assert results[f"{root}/small.txt"].text == "small"


def test_many_files_each_come_back_once(make_files, found):
    contents = {f"d{i % 7}/f{i}.txt": f"file {i}\n" * (i % 50) for i in range(300)}
    contents["big.log"] = "line\n" * 600_000
    root = make_files(contents)
    files = [found(root / name) for name in contents]

    results = list(read_files(files, concurrency=3))

    assert sorted((r.file.path, r.sha256) for r in results) == sorted(
        (f"{root}/{name}", sha256(text.encode())) for name, text in contents.items()
    )


def test_files_are_consumed_lazily(make_files, found):
    root = make_files({"a.txt": "hello"})
    hello = found(root / "a.txt")
    pulled = itertools.count()

    def endless():
        while True:
            next(pulled)
            yield hello

    results = read_files(endless(), concurrency=2)
    first = list(itertools.islice(results, 10))
    results.close()

    assert {(r.file, r.text) for r in first} == {(hello, "hello")}
    # Only the batches in flight are pulled from the endless iterator.
    assert next(pulled) < 1000


def test_closing_early_stops_the_reader_threads(make_files, found):
    root = make_files({f"f{i}.txt": str(i) for i in range(500)})
    results = read_files([found(root / f"f{i}.txt") for i in range(500)])

    next(results)
    results.close()

    assert [t.name for t in threading.enumerate() if t.name.startswith("dizin-reader")] == []


def test_invalid_options_are_rejected():
    with pytest.raises(ValueError, match=r"^concurrency must be >= 1 and max_text_bytes >= 0$"):
        read_files([], concurrency=0)


def test_reads_in_flight_default_to_one_number_in_settings_sync_and_reader():
    assert settings.INDEX_READ_CONCURRENCY == 2
    assert sync_options().read_concurrency == SyncOptions().read_concurrency == DEFAULT_CONCURRENCY


def test_file_that_vanished_after_being_found_is_reported(make_files, found):
    root = make_files({"gone.txt": "g"})
    file = found(root / "gone.txt")
    (root / "gone.txt").unlink()

    assert list(read_files([file])) == [
        CrawlProblem(f"{root}/gone.txt", Reason.VANISHED, "No such file or directory")
    ]


def test_unreadable_file_is_reported(make_files, read_one, fail_os_call):
    root = make_files({"secret.txt": "s"})
    fail_os_call("open", root / "secret.txt", PermissionError(errno.EACCES, "Permission denied"))

    assert read_one(root / "secret.txt") == CrawlProblem(
        f"{root}/secret.txt", Reason.PERMISSION_DENIED, "Permission denied"
    )


def test_other_os_errors_are_read_errors(make_files, read_one, monkeypatch):
    root = make_files({"bad-sector.txt": "b"})

    def failing_read(fd, size):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "read", failing_read)

    assert read_one(root / "bad-sector.txt") == CrawlProblem(
        f"{root}/bad-sector.txt", Reason.READ_ERROR, "Input/output error"
    )


def changed_detail(file, after):
    return (
        f"expected {file.size} bytes with mtime_ns {file.mtime_ns}, read {after.st_size}"
        f" of {after.st_size} bytes with mtime_ns {after.st_mtime_ns}"
    )


def test_file_changed_since_the_crawl_is_reported(make_files, found):
    root = make_files({"log.txt": "abc"})
    file = found(root / "log.txt")
    with open(root / "log.txt", "ab") as log:
        log.write(b"def")

    [problem] = read_files([file])

    assert problem == CrawlProblem(
        file.path, Reason.CHANGED_DURING_READ, changed_detail(file, os.stat(root / "log.txt"))
    )


def test_file_changing_while_being_read_is_reported(make_files, found, monkeypatch):
    root = make_files({"log.txt": "abc"})
    file = found(root / "log.txt")
    real_read = os.read
    appended = []

    def read_then_append(fd, size):
        data = real_read(fd, size)
        if not appended:
            appended.append(fd)
            with open(root / "log.txt", "ab") as log:
                log.write(b"def")
        return data

    monkeypatch.setattr(os, "read", read_then_append)

    [problem] = read_files([file])

    assert problem == CrawlProblem(
        file.path, Reason.CHANGED_DURING_READ, changed_detail(file, os.stat(root / "log.txt"))
    )


def test_streamed_file_with_a_stale_mtime_is_reported(make_files, found):
    root = make_files({"big.bin": bytes(2 << 20)})
    current = found(root / "big.bin")
    stale = dataclasses.replace(current, mtime_ns=current.mtime_ns - 1)

    [problem] = read_files([stale])

    assert problem == CrawlProblem(
        stale.path,
        Reason.CHANGED_DURING_READ,
        f"expected {2 << 20} bytes with mtime_ns {stale.mtime_ns}, read {2 << 20}"
        f" of {2 << 20} bytes with mtime_ns {current.mtime_ns}",
    )


def test_fifo_swapped_in_after_the_crawl_does_not_block(make_files, found, collect_within):
    root = make_files({"was-a-file": "x"})
    file = found(root / "was-a-file")
    (root / "was-a-file").unlink()
    os.mkfifo(root / "was-a-file")

    results = collect_within(lambda: read_files([file]), 10)

    assert results == [
        CrawlProblem(file.path, Reason.CHANGED_DURING_READ, "no longer a regular file")
    ]


def test_non_utf8_name_is_read_through_its_os_path(tmp_path, found):
    raw = os.path.join(os.fsencode(tmp_path), b"caf\xe9.txt")
    with open(raw, "wb") as file:
        file.write(b"menu")

    [result] = read_files([found(os.fsdecode(raw))])

    assert (result.file.path, result.text) == (f"{tmp_path}/caf\\xe9.txt", "menu")


@pytest.mark.slow
def test_sparse_5_gib_file_is_hashed_whole_without_being_held_in_memory(sparse_five_gib, found):
    path, expected = sparse_five_gib
    file = found(path)

    tracemalloc.start()
    try:
        [result] = read_files([file])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert result == ReadResult(
        file=file,
        sha256=expected,
        content_type="application/octet-stream",
        extraction=Extraction("none/1", Status.UNSUPPORTED, detail="application/octet-stream"),
        size=5 * 1024**3,
        mtime_ns=file.mtime_ns,
    )
    assert peak < 64 << 20


def test_nul_bytes_after_the_sniffed_block_are_dropped_from_text(make_files, read_one):
    root = make_files({"log.txt": b"a" * 10_000 + b"\0tail"})

    result = read_one(root / "log.txt")

    assert result.text == "a" * 10_000 + "tail"
