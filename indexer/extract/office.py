"""Office Open XML: Word documents, PowerPoint slides (as pages) and Excel sheets (as pages)."""

import contextlib
from itertools import chain
from typing import ClassVar

from indexer.extract.base import Extraction, Extractor, Full, Limits, Source, Status, TextBudget

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A password-protected Office Open XML file is an encrypted package in an OLE container.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class _OfficeExtractor(Extractor):
    content_type: ClassVar[str]

    def accepts(self, content_type: str, extension: str) -> bool:
        return content_type == self.content_type or extension in self.extensions

    def extract(self, source: Source, *, limits: Limits) -> Extraction:
        budget = TextBudget(limits.max_text_bytes)
        with source.open() as stream:
            if stream.read(len(OLE_MAGIC)) == OLE_MAGIC:
                return Extraction(self.key(), Status.SKIPPED, detail="encrypted: needs a password")
            stream.seek(0)
            with contextlib.suppress(Full):
                self.read(stream, budget)
        return budget.extraction(self.key())

    def read(self, stream, budget: TextBudget) -> None:
        raise NotImplementedError


class DocxExtractor(_OfficeExtractor):
    name: ClassVar[str] = "docx"
    version: ClassVar[int] = 1
    extensions: ClassVar[frozenset[str]] = frozenset({".docx"})
    content_type = DOCX

    def read(self, stream, budget: TextBudget) -> None:
        import docx

        document = docx.Document(stream)
        for section in document.sections:
            budget.add_lines(p.text for p in section.header.paragraphs)
        budget.add_lines(paragraph.text for paragraph in document.paragraphs)
        for table in document.tables:
            budget.add_lines(" ".join(cell.text for cell in row.cells) for row in table.rows)


class PptxExtractor(_OfficeExtractor):
    name: ClassVar[str] = "pptx"
    version: ClassVar[int] = 1
    extensions: ClassVar[frozenset[str]] = frozenset({".pptx"})
    content_type = PPTX

    def read(self, stream, budget: TextBudget) -> None:
        import pptx

        for number, slide in enumerate(pptx.Presentation(stream).slides, start=1):
            texts = [_shape_text(shape) for shape in slide.shapes]
            if slide.has_notes_slide:
                texts.append(slide.notes_slide.notes_text_frame.text)
            budget.add("\n".join(texts), page=number)


def _shape_text(shape) -> str:
    if shape.has_text_frame:
        return shape.text_frame.text
    if getattr(shape, "has_table", False) and shape.has_table:
        return "\n".join(" ".join(cell.text for cell in row.cells) for row in shape.table.rows)
    if shape.shape_type == 6:  # a group: its shapes' text
        return "\n".join(_shape_text(inner) for inner in shape.shapes)
    return ""


class XlsxExtractor(_OfficeExtractor):
    name: ClassVar[str] = "xlsx"
    version: ClassVar[int] = 1
    extensions: ClassVar[frozenset[str]] = frozenset({".xlsx"})
    content_type = XLSX

    def read(self, stream, budget: TextBudget) -> None:
        import openpyxl

        book = openpyxl.load_workbook(stream, read_only=True, data_only=True)
        try:
            for number, sheet in enumerate(book.worksheets, start=1):
                rows = (
                    " ".join(str(value) for value in row if value is not None)
                    for row in sheet.iter_rows(values_only=True)
                )
                budget.add_lines(chain([sheet.title], filter(None, rows)), page=number)
        finally:
            book.close()
