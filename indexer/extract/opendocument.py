"""OpenDocument: text, presentations (a page a slide) and spreadsheets (a page a sheet)."""

from typing import ClassVar

from indexer.extract.base import Extraction, Extractor, Full, Limits, Source, TextBudget

ODF = "application/vnd.oasis.opendocument."


class OpenDocumentExtractor(Extractor):
    name: ClassVar[str] = "odf"
    version: ClassVar[int] = 1
    extensions: ClassVar[frozenset[str]] = frozenset({".odt", ".odp", ".ods"})

    def accepts(self, content_type: str, extension: str) -> bool:
        return content_type.startswith(ODF) or extension in self.extensions

    def extract(self, source: Source, *, limits: Limits) -> Extraction:
        from odf import draw, opendocument, table, teletype, text

        budget = TextBudget(limits.max_text_bytes)
        with source.open() as stream:
            document = opendocument.load(stream)
        try:
            pages = document.getElementsByType(draw.Page) or document.getElementsByType(table.Table)
            if pages:
                for number, page in enumerate(pages, start=1):
                    paragraphs = page.getElementsByType(text.P) + page.getElementsByType(text.H)
                    budget.add_lines((teletype.extractText(p) for p in paragraphs), page=number)
            else:
                paragraphs = document.text.getElementsByType(
                    text.H
                ) + document.text.getElementsByType(text.P)
                budget.add_lines(
                    teletype.extractText(p) for p in _in_order(document.text, paragraphs)
                )
        except Full:
            pass
        return budget.extraction(self.key())


def _in_order(root, wanted) -> list:
    """Return the `wanted` elements in document order (headings and paragraphs interleaved)."""
    keep = {id(element) for element in wanted}
    found, stack = [], [root]
    while stack:
        element = stack.pop()
        if id(element) in keep:
            found.append(element)
            continue
        stack.extend(reversed(element.childNodes))
    return found
