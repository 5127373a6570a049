"""Every document format, read by its extractor: text, page, member, and how it went."""

import time
from pathlib import Path

import pytest

from indexer.extract import EXTRACTORS, Extraction, Limits, Segment, Source, Status
from indexer.extract.ocr import ocr_problem
from indexer.extract.sniff import content_type
from tests.indexer import documents

ocr = pytest.mark.skipif(
    ocr_problem("tur+eng") is not None, reason="Tesseract with tur and eng data is not installed"
)


def extract(path: Path, **limits) -> Extraction:
    data = path.read_bytes()
    source = Source(str(path), content_type(str(path), data[:8192], len(data)), len(data), data)
    return EXTRACTORS.extract(source, path=str(path), limits=Limits(**limits))


def located(extraction: Extraction) -> list[tuple[int | None, str | None, str]]:
    return [(s.page, s.member, s.text) for s in extraction.segments]


def test_pdf_pages_are_read_one_by_one(tmp_path):
    result = extract(documents.fixture("rapor.pdf", tmp_path))

    assert (result.extractor, result.status, located(result)) == (
        "pdf/1",
        Status.OK,
        [
            (1, None, "Yıllık bütçe raporu: şirketin gelir ve giderleri, İstanbul ofisi."),
            (2, None, "Toplantı kararları: zürafa projesi onaylandı."),
        ],
    )


def test_word_documents_keep_their_paragraphs(tmp_path):
    result = extract(documents.docx(tmp_path / "notlar.docx", "Toplantı notları", "Bütçe planı"))

    assert (result.extractor, result.status, result.text) == (
        "docx/1",
        Status.OK,
        "Toplantı notları\nBütçe planı",
    )


def test_slides_and_sheets_are_pages(tmp_path):
    deck = extract(documents.pptx(tmp_path / "deck.pptx", "Giriş", "Kanguru sonuçları"))
    book = extract(documents.xlsx(tmp_path / "b.xlsx", {"Gelir": [["kira", 1200]], "Gider": []}))

    assert located(deck) == [(1, None, "Giriş"), (2, None, "Kanguru sonuçları")]
    assert located(book) == [(1, None, "Gelir\nkira 1200"), (2, None, "Gider")]


def test_opendocument_text_slides_and_sheets(tmp_path):
    text = extract(documents.odt(tmp_path / "belge.odt", "OpenDocument metni ördek"))
    slides = extract(documents.odp(tmp_path / "sunum.odp", "Birinci", "İkinci slayt"))
    sheets = extract(documents.ods(tmp_path / "tablo.ods", {"A": ["bir", "iki"], "B": ["üç"]}))

    assert (text.extractor, located(text)) == ("odf/2", [(None, None, "OpenDocument metni ördek")])
    assert located(slides) == [(1, None, "Birinci"), (2, None, "İkinci slayt")]
    assert located(sheets) == [(1, None, "bir\niki"), (2, None, "üç")]


def test_epub_chapters_are_read_in_spine_order_as_members(tmp_path):
    book = documents.epub(tmp_path / "kitap.epub", {"b.xhtml": "Birinci bölüm", "a.xhtml": "Son"})

    assert located(extract(book)) == [
        (None, "OEBPS/b.xhtml", "Birinci bölüm"),
        (None, "OEBPS/a.xhtml", "Son"),
    ]


def test_rtf_escapes_are_decoded_with_the_documents_code_page(tmp_path):
    result = extract(documents.rtf(tmp_path / "mektup.rtf", "Sayın müdür, ışık ağacı"))

    assert (result.extractor, result.text) == ("rtf/1", "Sayın müdür, ışık ağacı")


def test_html_keeps_the_title_and_visible_text_only(tmp_path):
    page = tmp_path / "sayfa.html"
    page.write_text(
        "<html><head><title>Başlık &amp; alt</title><style>.gizli{color:red}</style>"
        "<script>var scriptword = 1;</script></head><body><p>Görünür &uuml;</p>"
        "<template>templateword</template><!-- commentword --><noscript>nsword</noscript>"
        "</body></html>"
    )

    assert (extract(page).extractor, extract(page).text) == ("html/1", "Başlık & alt\n\nGörünür ü")


def test_mail_headers_body_and_attachments_are_searchable(tmp_path):
    attachment = documents.docx(tmp_path / "ek.docx", "Ekteki sözleşme").read_bytes()
    mail = documents.eml(
        tmp_path / "m.eml", subject="Fatura", body="Merhaba", attachment=("ek.docx", attachment)
    )

    assert located(extract(mail)) == [
        (
            None,
            None,
            "From: Ali Veli <ali@example.com>\nTo: ayse@example.com\nSubject: Fatura\n"
            "Date: Tue, 01 Dec 2026 10:00:00 +0000",
        ),
        (None, None, "Merhaba"),
        (None, "ek.docx", "Ekteki sözleşme"),
    ]


def test_an_mbox_is_a_sequence_of_messages(tmp_path):
    first = documents.message(subject="Bir", body="ilk mesaj", attachment=None)
    second = documents.message(subject="İki", body="From the start of a line", attachment=None)

    texts = located(extract(documents.mbox(tmp_path / "kutu.mbox", first, second)))

    assert [(member, text.splitlines()[-1]) for _, member, text in texts] == [
        ("message 1", "Date: Tue, 01 Dec 2026 10:00:00 +0000"),
        ("message 1", "ilk mesaj"),
        ("message 2", "Date: Tue, 01 Dec 2026 10:00:00 +0000"),
        ("message 2", ">From the start of a line"),
    ]


def test_archive_members_are_read_by_their_own_type_with_nested_names(tmp_path):
    inner = documents.fixture("rapor.pdf", tmp_path).read_bytes()
    archive = documents.zip_of(tmp_path / "a.zip", {"docs/rapor.pdf": inner, "oku.txt": b"zebra"})
    tar = documents.tar_gz(tmp_path / "a.tar.gz", {"iç/a.zip": archive.read_bytes()})

    assert located(extract(tar)) == [
        (
            1,
            "iç/a.zip/docs/rapor.pdf",
            "Yıllık bütçe raporu: şirketin gelir ve giderleri, İstanbul ofisi.",
        ),
        (2, "iç/a.zip/docs/rapor.pdf", "Toplantı kararları: zürafa projesi onaylandı."),
        (None, "iç/a.zip/oku.txt", "zebra"),
    ]


def test_a_single_compressed_file_is_read_as_the_file_it_holds(tmp_path):
    result = extract(documents.gz(tmp_path / "NEWS.Debian.gz", b"debian news about a giraffe"))

    assert (result.extractor, result.status, located(result)) == (
        "archive/1",
        Status.OK,
        [(None, None, "debian news about a giraffe")],
    )


@ocr
def test_scans_are_read_by_ocr_in_turkish_and_english(tmp_path):
    image = extract(documents.scan(tmp_path / "tarama.png", "Fatura tutarı ödendi"))
    pdf = extract(documents.scan(tmp_path / "tarama.pdf", "Scanned invoice 4711"))

    assert (image.extractor, image.text.strip()) == ("ocr/1", "Fatura tutarı ödendi")
    assert (pdf.extractor, located(pdf)) == ("pdf/1", [(1, None, "Scanned invoice 4711")])


def test_without_the_ocr_languages_images_are_skipped_and_say_why(tmp_path):
    image = documents.scan(tmp_path / "tarama.png", "Fatura")

    assert extract(image, ocr_languages="xyz") == Extraction(
        "ocr/1", Status.SKIPPED, detail="OCR not available: no Tesseract data for xyz"
    )


def test_text_past_the_cap_is_truncated_at_a_character(tmp_path):
    result = extract(documents.docx(tmp_path / "uzun.docx", "ş" * 100), max_text_bytes=11)

    assert (result.status, result.segments) == (Status.TRUNCATED, (Segment("ş" * 5),))


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (
            lambda d: documents.fixture("gizli.pdf", d),
            Extraction("pdf/1", Status.SKIPPED, detail="encrypted: needs a password"),
        ),
        (
            lambda d: _write(d / "kesik.pdf", documents.fixture("rapor.pdf", d).read_bytes()[:900]),
            Extraction(
                "pdf/1",
                Status.FAILED,
                detail="Failed to load document (PDFium: Data format error).",
            ),
        ),
        (
            lambda d: _write(d / "rastgele.docx", bytes(range(256)) * 8),
            Extraction("docx/1", Status.FAILED, detail="BadZipFile: File is not a zip file"),
        ),
        (
            lambda d: _write(d / "parolalı.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)),
            Extraction("docx/1", Status.SKIPPED, detail="encrypted: needs a password"),
        ),
        (
            lambda d: documents.zip_bomb(d / "bomba.zip"),
            Extraction("archive/1", Status.SKIPPED, detail="1 member skipped: expand over 200x"),
        ),
    ],
    ids=["encrypted pdf", "truncated pdf", "random bytes named docx", "encrypted docx", "zip bomb"],
)
def test_hostile_files_end_in_a_status_with_the_reason(tmp_path, make, expected):
    assert extract(make(tmp_path)) == expected


def test_archives_nested_past_the_depth_limit_are_cut_there(tmp_path):
    data = b"the innermost words"
    for level in range(4):
        data = documents.zip_of(tmp_path / f"{level}.zip", {f"level{level}": data}).read_bytes()

    result = extract(tmp_path / "3.zip", archive_max_depth=3)

    assert (result.status, result.detail, result.segments) == (
        Status.SKIPPED,
        "1 member skipped: nested deeper than 3 levels",
        (),
    )


def test_archives_stop_at_the_limit_of_uncompressed_bytes(tmp_path):
    archive = documents.zip_of(tmp_path / "a.zip", {"a.txt": b"alpha " * 10, "b.txt": b"beta"})

    result = extract(archive, archive_max_bytes=30)

    assert (result.status, result.detail, located(result)) == (
        Status.TRUNCATED,
        "1 member cut at the limit of uncompressed bytes; "
        "1 member past the limit of uncompressed bytes",
        [(None, "a.txt", "alpha alpha alpha alpha alpha")],
    )


def test_a_text_file_named_pdf_is_typed_by_content_and_read_as_text(tmp_path):
    result = extract(_write(tmp_path / "sahte.pdf", b"just text wearing a pdf name"))

    assert (result.extractor, result.text) == ("text/1", "just text wearing a pdf name")


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_missing_ocr_data_is_a_system_check_warning_naming_the_packages(settings):
    from indexer.checks import check_ocr

    settings.OCR_LANGUAGES = "tur+xyz"

    assert [(w.id, w.msg, w.hint) for w in check_ocr(None)] == [
        (
            "dizin.W002",
            "OCR not available: no Tesseract data for xyz: images and scanned pages are skipped.",
            "Install it: sudo apt-get install tesseract-ocr tesseract-ocr-tur tesseract-ocr-xyz",
        )
    ]


@pytest.mark.parametrize("suffix", [".bz2", ".xz"])
def test_other_single_compressed_files_are_read_as_what_they_hold(tmp_path, suffix):
    import bz2
    import lzma

    compress = bz2.compress if suffix == ".bz2" else lzma.compress
    path = _write(tmp_path / f"notes.txt{suffix}", compress(b"compressed giraffe notes"))

    assert extract(path).text == "compressed giraffe notes"


@pytest.mark.parametrize("mode", ["w:bz2", "w:xz", "w"])
def test_tar_archives_of_every_compression_are_read(tmp_path, mode):
    import io
    import tarfile

    path = tmp_path / "a.tar"
    with tarfile.open(path, mode) as archive:
        info = tarfile.TarInfo("docs/readme.txt")
        info.size = len(b"tar member words")
        archive.addfile(info, io.BytesIO(b"tar member words"))

    assert located(extract(path)) == [(None, "docs/readme.txt", "tar member words")]


@ocr
@pytest.mark.parametrize("suffix", [".jpg", ".tiff", ".webp", ".gif", ".bmp"])
def test_every_image_format_goes_through_ocr(tmp_path, suffix):
    result = extract(documents.scan(tmp_path / f"scan{suffix}", "Invoice paid"))

    assert (result.extractor, result.text.strip()) == ("ocr/1", "Invoice paid")


def test_pages_ocr_cannot_read_are_named_and_the_rest_is_kept(tmp_path):
    import pypdfium2 as pdfium

    mixed = pdfium.PdfDocument(str(documents.fixture("rapor.pdf", tmp_path)))
    mixed.import_pages(pdfium.PdfDocument(str(documents.scan(tmp_path / "s.pdf", "Scanned"))))
    mixed.save(str(tmp_path / "mixed.pdf"))
    late = time.monotonic() - 1

    partly = extract(tmp_path / "mixed.pdf", deadline=late)
    scanned = extract(tmp_path / "s.pdf", ocr_languages="xyz")

    assert (partly.status, partly.detail, [page for page, *_ in located(partly)]) == (
        Status.TRUNCATED,
        "no time left for OCR (INDEX_EXTRACT_TIMEOUT): pages 3",
        [1, 2],
    )
    assert scanned == Extraction(
        "pdf/1", Status.SKIPPED, detail="OCR not available: no Tesseract data for xyz: pages 1"
    )


def test_an_opendocument_text_with_a_table_is_read_whole_with_its_spaces(tmp_path):
    import zipfile

    content = (
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"><office:body>'
        '<office:text><text:h>Başlık</text:h><text:p>iki<text:s text:c="2"/>boşluk'
        "<text:tab/>sekme</text:p><table:table><table:table-row><table:table-cell>"
        "<text:p>hücre</text:p></table:table-cell></table:table-row></table:table>"
        "</office:text></office:body></office:document-content>"
    )
    path = tmp_path / "pandoc.odt"
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        package.writestr("content.xml", content)

    assert extract(path).text == "Başlık\niki  boşluk\tsekme\nhücre"
