"""EPUB: the chapters in reading order, each a member named by its path in the book."""

import posixpath
import zipfile
from typing import ClassVar
from xml.etree.ElementTree import Element

from defusedxml import ElementTree

from indexer.extract.base import Extraction, Extractor, Full, Limits, Source, Status, TextBudget
from indexer.extract.html import html_text
from indexer.extract.plaintext import decode

_CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"
_OPF = "{http://www.idpf.org/2007/opf}"


class EpubExtractor(Extractor):
    name: ClassVar[str] = "epub"
    version: ClassVar[int] = 1
    extensions: ClassVar[frozenset[str]] = frozenset({".epub"})

    def accepts(self, content_type: str, extension: str) -> bool:
        return content_type == "application/epub+zip" or extension == ".epub"

    def extract(self, source: Source, *, limits: Limits) -> Extraction:
        budget = TextBudget(limits.max_text_bytes)
        with source.open() as stream, zipfile.ZipFile(stream) as book:
            try:
                chapters = _reading_order(book)
            except (KeyError, ElementTree.ParseError) as error:
                return Extraction(
                    self.key(), Status.FAILED, detail=f"no readable package: {error}"[:255]
                )
            try:
                for chapter in chapters:
                    markup, _ = decode(
                        book.read(chapter)[: limits.archive_max_bytes], complete=True
                    )
                    _title, text = html_text(markup)
                    budget.add(text, member=chapter)
            except Full:
                pass
        return budget.extraction(self.key())


def _reading_order(book: zipfile.ZipFile) -> list[str]:
    """Return the chapters' paths in the book, in the order its spine gives."""
    container = ElementTree.fromstring(book.read("META-INF/container.xml"))
    rootfile = container.find(f".//{_CONTAINER}rootfile")
    if rootfile is None:
        raise KeyError("META-INF/container.xml names no package")
    package_path = rootfile.attrib["full-path"]
    package: Element = ElementTree.fromstring(book.read(package_path))
    base = posixpath.dirname(package_path)
    hrefs = {
        item.attrib["id"]: posixpath.normpath(posixpath.join(base, item.attrib["href"]))
        for item in package.iter(f"{_OPF}item")
    }
    spine = [ref.attrib.get("idref", "") for ref in package.iter(f"{_OPF}itemref")]
    return [hrefs[idref] for idref in spine if idref in hrefs and hrefs[idref] in book.namelist()]
