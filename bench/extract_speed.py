"""Extraction speed per format: Dizin's pipeline beside the bare library call, in one run.

    python -m bench.extract_speed [--files 60] [--scans 6]

Writes a mixed tree (every format, `--files` of each, `--scans` scanned pages for OCR), then
for each format times, on the same files:
  bare      the library alone, one file after another in this process (what a script would do);
  workers   Dizin's extraction pool (INDEX_EXTRACT_WORKERS processes, each file within its
            time and memory limits),
printing files/s and MB/s and the workers' rate over the bare one (goal on 2 cores: 0.8 or
more). Then it reindexes the whole tree (walk, hash, sniff, extract in the workers, write to
the database) and prints its time beside the bare calls' total, and its peak memory.
"""

import argparse
import os
import random
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.django_setup import throwaway_django
from indexer.extract import Source
from indexer.extract.pool import ExtractionPool, Job
from tests.indexer import documents

WORDS = (
    "bütçe toplantı rapor fatura sözleşme proje zürafa kanguru invoice budget meeting report "
    "network server printer password schedule backup istanbul ankara müşteri teslimat"
).split()


def sentence(rng: random.Random, words: int = 40) -> str:
    return " ".join(rng.choices(WORDS, k=words))


def write_tree(root: Path, files: int, scans: int) -> dict[str, list[Path]]:
    """Write `files` documents of each format (and `scans` images) under root/<format>/."""
    rng = random.Random(5)
    pdf_pages = documents.fixture("rapor.pdf", root).read_bytes()
    makers: dict[str, Callable[[Path, int], Path]] = {
        "pdf": lambda d, n: _many_page_pdf(d / f"{n}.pdf", pdf_pages, pages=2 + n % 6),
        "docx": lambda d, n: documents.docx(d / f"{n}.docx", *[sentence(rng) for _ in range(30)]),
        "pptx": lambda d, n: documents.pptx(
            d / f"{n}.pptx", *[sentence(rng, 12) for _ in range(8)]
        ),
        "xlsx": lambda d, n: documents.xlsx(
            d / f"{n}.xlsx", {"S": [rng.choices(WORDS, k=6) for _ in range(200)]}
        ),
        "odt": lambda d, n: documents.odt(d / f"{n}.odt", sentence(rng, 600)),
        "html": lambda d, n: _write(
            d / f"{n}.html",
            "<html><head><title>t</title><script>var x=1;</script></head><body>"
            + "".join(f"<p>{sentence(rng)}</p>" for _ in range(30))
            + "</body></html>",
        ),
        "eml": lambda d, n: documents.eml(
            d / f"{n}.eml", subject=sentence(rng, 5), body=sentence(rng, 300), attachment=None
        ),
        "zip": lambda d, n: documents.zip_of(
            d / f"{n}.zip", {f"m{i}.txt": sentence(rng, 200).encode() for i in range(10)}
        ),
        "gz": lambda d, n: documents.gz(d / f"{n}.txt.gz", sentence(rng, 2000).encode()),
        "rtf": lambda d, n: documents.rtf(d / f"{n}.rtf", sentence(rng, 600)),
        "epub": lambda d, n: documents.epub(
            d / f"{n}.epub", {f"c{i}.xhtml": sentence(rng, 200) for i in range(5)}
        ),
        "ocr": lambda d, n: documents.scan(d / f"{n}.png", " ".join(rng.choices(WORDS, k=4))),
    }
    tree = {}
    for kind, make in makers.items():
        folder = root / kind
        folder.mkdir()
        tree[kind] = [make(folder, n) for n in range(scans if kind == "ocr" else files)]
    return tree


def _many_page_pdf(path: Path, template: bytes, *, pages: int) -> Path:
    import pypdfium2 as pdfium

    source, target = pdfium.PdfDocument(template), pdfium.PdfDocument.new()
    for _ in range(pages // len(source)):
        target.import_pages(source)
    target.save(str(path))
    return path


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def bare(kind: str, path: Path) -> str:
    """Extract one file's text with its library alone, as a script would."""
    return BARE[kind](path)


def _bare_pdf(path: Path) -> str:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(path))
    return "\n".join(page.get_textpage().get_text_bounded() for page in document)


def _bare_docx(path: Path) -> str:
    import docx

    return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)


def _bare_pptx(path: Path) -> str:
    import pptx

    slides = pptx.Presentation(str(path)).slides
    return "\n".join(
        s.text_frame.text for slide in slides for s in slide.shapes if s.has_text_frame
    )


def _bare_xlsx(path: Path) -> str:
    import openpyxl

    book = openpyxl.load_workbook(str(path), read_only=True, data_only=True)
    rows = (r for sheet in book.worksheets for r in sheet.iter_rows(values_only=True))
    return "\n".join(" ".join(str(v) for v in row if v is not None) for row in rows)


def _bare_odt(path: Path) -> str:
    from odf import opendocument, teletype, text

    document = opendocument.load(str(path))
    return "\n".join(teletype.extractText(p) for p in document.getElementsByType(text.P))


def _bare_html(path: Path) -> str:
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(path.read_text())
    for node in tree.css("script, style"):
        node.decompose()
    return tree.body.text(separator=" ") if tree.body else ""


def _bare_eml(path: Path) -> str:
    from email import policy
    from email.parser import BytesParser

    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    body = message.get_body(preferencelist=("plain",))
    return body.get_content() if body else ""


def _bare_zip(path: Path) -> str:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return "\n".join(archive.read(name).decode() for name in archive.namelist())


def _bare_gz(path: Path) -> str:
    import gzip

    return gzip.decompress(path.read_bytes()).decode()


def _bare_rtf(path: Path) -> str:
    from striprtf.striprtf import rtf_to_text

    return rtf_to_text(path.read_text(), encoding="cp1254")


def _bare_epub(path: Path) -> str:
    import zipfile

    from selectolax.lexbor import LexborHTMLParser

    with zipfile.ZipFile(path) as book:
        names = [n for n in book.namelist() if n.endswith(".xhtml")]
        return "\n".join(LexborHTMLParser(book.read(n).decode()).text() for n in names)


def _bare_ocr(path: Path) -> str:
    import pytesseract
    from PIL import Image

    return pytesseract.image_to_string(Image.open(path), lang="tur+eng")


BARE = {
    name.removeprefix("_bare_"): f for name, f in globals().items() if name.startswith("_bare_")
}


def rate(count: int, size: int, seconds: float) -> str:
    return f"{count / seconds:8.1f} files/s {size / seconds / 1e6:7.2f} MB/s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=60)
    parser.add_argument("--scans", type=int, default=6)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="dizin-extract-"))
    try:
        with throwaway_django(None):
            run(write_tree(scratch, args.files, args.scans))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def run(tree: dict[str, list[Path]]) -> None:
    from django.conf import settings

    from indexer.services import extraction_settings

    pool_settings = extraction_settings()
    print(f"{settings.INDEX_EXTRACT_WORKERS} extraction workers, {os.cpu_count()} cores\n")
    print(f"{'format':7} {'files':>5} {'bare':>26} {'workers':>26}")
    pool = ExtractionPool(pool_settings)
    bare_total = 0.0
    try:
        for kind, paths in tree.items():
            bare_total += compare(kind, paths, pool)
    finally:
        pool.close()
    whole_tree(tree, pool_settings, bare_total)


def compare(kind: str, paths: list[Path], pool: ExtractionPool) -> float:
    """Print the bare library's and the workers' rates on `paths`; return the bare seconds."""
    from indexer.extract.sniff import content_type

    size = sum(path.stat().st_size for path in paths)
    started = time.perf_counter()
    for path in paths:
        bare(kind, path)
    bare_seconds = time.perf_counter() - started
    jobs = [_job(path, content_type) for path in paths]
    pool.extract(jobs[:1])  # the workers start, and import the parsers, outside the timing
    started = time.perf_counter()
    results = pool.extract(jobs)
    pool_seconds = time.perf_counter() - started
    failed = [r.detail for r in results if r.status in ("failed", "skipped")]
    print(
        f"{kind:7} {len(paths):5} {rate(len(paths), size, bare_seconds)} "
        f"{rate(len(paths), size, pool_seconds)} {bare_seconds / pool_seconds:5.2f}x"
        + (f"  ({len(failed)} failed: {failed[0]})" if failed else "")
    )
    return bare_seconds


def whole_tree(tree: dict[str, list[Path]], pool_settings, bare_seconds: float) -> None:
    """Reindex the whole mixed tree (walk, hash, extract, write) and print its time and peak
    memory beside the bare library calls' total."""
    import resource

    from indexer.services import SyncOptions, file_index_sync

    root = next(iter(tree.values()))[0].parent.parent
    files = sum(len(paths) for paths in tree.values())
    started = time.perf_counter()
    report = file_index_sync(roots=[root], options=SyncOptions(extract=pool_settings))
    seconds = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss >> 10
    print(
        f"\nwhole tree, {files} files ({report.new} new, {report.errors} errors): "
        f"bare library calls {bare_seconds:.2f} s, reindex {seconds:.2f} s "
        f"({bare_seconds / seconds:.2f}x); peak memory: reindex process {own} MiB, "
        f"largest worker {workers} MiB"
    )


def _job(path: Path, sniff) -> Job:
    head = path.read_bytes()[:8192]
    kind = sniff(str(path), head, path.stat().st_size)
    return Job(Source(str(path), kind, path.stat().st_size, b""), str(path))


if __name__ == "__main__":
    main()
