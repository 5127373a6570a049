"""Small real documents of every format the extractors read, written by the formats' own tools."""

import gzip
import io
import shutil
import tarfile
import zipfile
from email.message import EmailMessage
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "documents"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def docx(path: Path, *paragraphs: str) -> Path:
    import docx as python_docx

    document = python_docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    document.save(path)
    return path


def pptx(path: Path, *slides: str) -> Path:
    import pptx as python_pptx

    deck = python_pptx.Presentation()
    for text in slides:
        deck.slides.add_slide(deck.slide_layouts[1]).shapes.title.text = text
    deck.save(path)
    return path


def xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def odt(path: Path, text: str) -> Path:
    from odf.opendocument import OpenDocumentText
    from odf.text import P

    document = OpenDocumentText()
    document.text.addElement(P(text=text))
    document.save(str(path))
    return path


def odp(path: Path, *slides: str) -> Path:
    from odf.draw import Frame, Page, TextBox
    from odf.opendocument import OpenDocumentPresentation
    from odf.style import MasterPage, PageLayout
    from odf.text import P

    document = OpenDocumentPresentation()
    layout = PageLayout(name="layout")
    document.automaticstyles.addElement(layout)
    master = MasterPage(name="master", pagelayoutname=layout)
    document.masterstyles.addElement(master)
    for text in slides:
        page = Page(masterpagename=master)
        frame = Frame(width="20cm", height="3cm", x="1cm", y="1cm")
        box = TextBox()
        box.addElement(P(text=text))
        frame.addElement(box)
        page.addElement(frame)
        document.presentation.addElement(page)
    document.save(str(path))
    return path


def ods(path: Path, sheets: dict[str, list[str]]) -> Path:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    for title, cells in sheets.items():
        table = Table(name=title)
        row = TableRow()
        for value in cells:
            cell = TableCell()
            cell.addElement(P(text=value))
            row.addElement(cell)
        table.addElement(row)
        document.spreadsheet.addElement(table)
    document.save(str(path))
    return path


def epub(path: Path, chapters: dict[str, str]) -> Path:
    """Write an EPUB 3 by hand: its format is a zip of XHTML with a package file."""
    items = "".join(
        f'<item id="c{n}" href="{name}" media-type="application/xhtml+xml"/>'
        for n, name in enumerate(chapters)
    )
    spine = "".join(f'<itemref idref="c{n}"/>' for n in range(len(chapters)))
    with zipfile.ZipFile(path, "w") as book:
        book.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        book.writestr(
            "META-INF/container.xml",
            '<container xmlns="urn:oasis:names:tc:opendocument:xmlns:container" version="1.0">'
            '<rootfiles><rootfile full-path="OEBPS/book.opf" '
            'media-type="application/oebps-package+xml"/></rootfiles></container>',
        )
        book.writestr(
            "OEBPS/book.opf",
            '<package xmlns="http://www.idpf.org/2007/opf" version="3.0">'
            f"<manifest>{items}</manifest><spine>{spine}</spine></package>",
        )
        for name, text in chapters.items():
            book.writestr(f"OEBPS/{name}", f"<html><body><p>{text}</p></body></html>")
    return path


def rtf(path: Path, text: str) -> Path:
    """Write RTF with the Turkish code page, non-ASCII letters as \\'xx escapes."""
    body = "".join(f"\\'{ord(c.encode('cp1254')):02x}" if ord(c) > 127 else c for c in text)
    path.write_text(f"{{\\rtf1\\ansi\\ansicpg1254 {body}\\par}}", encoding="ascii")
    return path


def eml(path: Path, *, subject: str, body: str, attachment: tuple[str, bytes] | None) -> Path:
    path.write_bytes(bytes(message(subject=subject, body=body, attachment=attachment)))
    return path


def message(*, subject: str, body: str, attachment: tuple[str, bytes] | None) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "Ali Veli <ali@example.com>"
    mail["To"] = "ayse@example.com"
    mail["Subject"] = subject
    mail["Date"] = "Tue, 01 Dec 2026 10:00:00 +0000"
    mail.set_content(body)
    if attachment is not None:
        name, data = attachment
        maintype, subtype = DOCX_TYPE.split("/")
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return mail


def mbox(path: Path, *messages: EmailMessage) -> Path:
    with path.open("wb") as stream:
        for mail in messages:
            stream.write(b"From ali@example.com Tue Dec  1 10:00:00 2026\n")
            stream.write(bytes(mail).replace(b"\nFrom ", b"\n>From ") + b"\n")
    return path


def zip_of(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def tar_gz(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def gz(path: Path, data: bytes) -> Path:
    with gzip.open(path, "wb") as stream:
        stream.write(data)
    return path


def zip_bomb(path: Path, *, megabytes: int = 64) -> Path:
    """A member of zeros that expands about a thousand times over."""
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("zeros.txt", "w") as member,
    ):
        block = bytes(1 << 20)
        for _ in range(megabytes):
            member.write(block)
    return path


def scan(path: Path, text: str, *, size: tuple[int, int] = (1400, 200)) -> Path:
    """Draw `text` as a scanner would see it; a .pdf path makes an image-only PDF."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", size, "white")
    font = ImageFont.truetype(str(FONT), 56)
    ImageDraw.Draw(image).text((30, 60), text, fill="black", font=font)
    image.save(path, resolution=300.0)
    return path


def fixture(name: str, target: Path) -> Path:
    return Path(shutil.copy(FIXTURES / name, target))
