"""OpenDocument: text, presentations (a page a slide) and spreadsheets (a page a sheet).

Read from content.xml with the standard library (through defusedxml): odfpy parses the whole
package, styles included, and fails on styles some writers produce (pandoc's), printing the
file to stdout; the text needs none of that.
"""

import contextlib
import zipfile
from collections.abc import Iterator
from typing import ClassVar
from xml.etree.ElementTree import Element

from defusedxml import ElementTree

from indexer.extract.base import Extraction, Extractor, Full, Limits, Source, Status, TextBudget

ODF = "application/vnd.oasis.opendocument."
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_DRAW = "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_PARAGRAPHS = (f"{_TEXT}p", f"{_TEXT}h")
# Elements that stand for white space in ODF text.
_SPACES = {f"{_TEXT}tab": "\t", f"{_TEXT}line-break": "\n"}


class OpenDocumentExtractor(Extractor):
    name: ClassVar[str] = "odf"
    version: ClassVar[int] = 2
    extensions: ClassVar[frozenset[str]] = frozenset({".odt", ".odp", ".ods"})

    def accepts(self, content_type: str, extension: str) -> bool:
        return content_type.startswith(ODF) or extension in self.extensions

    def extract(self, source: Source, *, limits: Limits) -> Extraction:
        budget = TextBudget(limits.max_text_bytes)
        with source.open() as stream, zipfile.ZipFile(stream) as package:
            try:
                content = ElementTree.fromstring(package.read("content.xml"))
            except (KeyError, ElementTree.ParseError) as error:
                detail = f"no readable content.xml: {error}"[:255]
                return Extraction(self.key(), Status.FAILED, detail=detail)
        with contextlib.suppress(Full):
            _read(content, budget)
        return budget.extraction(self.key())


def _read(content: Element, budget: TextBudget) -> None:
    """Add the slides or sheets as pages, or a text document's paragraphs in order."""
    body = content.find(f"{_OFFICE}body")
    if body is None:
        return
    pages = list(body.iter(f"{_DRAW}page")) or list(body.iter(f"{_TABLE}table"))
    if body.find(f"{_OFFICE}text") is not None or not pages:
        budget.add_lines(_text(p) for p in body.iter() if p.tag in _PARAGRAPHS)
        return
    for number, page in enumerate(pages, start=1):
        budget.add_lines((_text(p) for p in page.iter() if p.tag in _PARAGRAPHS), page=number)


def _text(element: Element) -> str:
    return "".join(_pieces(element))


def _pieces(element: Element) -> Iterator[str]:
    """Yield an element's text, with the spaces its text:s, tab and line-break stand for."""
    if element.tag == f"{_TEXT}s":
        yield " " * int(element.get(f"{_TEXT}c", "1"))
    elif element.tag in _SPACES:
        yield _SPACES[element.tag]
    if element.text:
        yield element.text
    for child in element:
        yield from _pieces(child)
        if child.tail:
            yield child.tail
