"""Which extractor reads a file, by its MIME type and extension; the first that accepts wins."""

import functools
import os
from collections.abc import Sequence
from typing import ClassVar

from indexer.extract.archives import ArchiveExtractor
from indexer.extract.base import OUT_OF_MEMORY, Extraction, Extractor, Limits, Source, Status
from indexer.extract.epub import EpubExtractor
from indexer.extract.html import HtmlExtractor
from indexer.extract.mail import MailExtractor
from indexer.extract.ocr import ImageExtractor
from indexer.extract.office import DocxExtractor, PptxExtractor, XlsxExtractor
from indexer.extract.opendocument import OpenDocumentExtractor
from indexer.extract.pdf import PdfExtractor
from indexer.extract.plaintext import PlainTextExtractor
from indexer.extract.rtf import RtfExtractor


class Unsupported(Extractor):
    """The last resort: no text, so the file is found by its name and path only."""

    name: ClassVar[str] = "none"
    version: ClassVar[int] = 1
    isolated: ClassVar[bool] = False

    def accepts(self, content_type: str, extension: str) -> bool:
        return True

    def extract(self, source: Source, *, limits: Limits) -> Extraction:
        return Extraction(self.key(), Status.UNSUPPORTED, detail=source.content_type)


class Registry:
    """Extractors in order of preference, with Unsupported behind them all."""

    def __init__(self, extractors: Sequence[Extractor]) -> None:
        self._extractors: tuple[Extractor, ...] = (*extractors, Unsupported())
        for extractor in self._extractors:
            extractor.registry = self
        self._claimed = tuple(sorted({ext for e in self._extractors for ext in e.extensions}))
        self.find = functools.lru_cache(maxsize=1024)(self._find)

    def _find(self, content_type: str, extension: str) -> Extractor:
        """Return the extractor for files of this type and (lowercase) extension."""
        return next(e for e in self._extractors if e.accepts(content_type, extension))

    def for_file(self, content_type: str, path: str) -> Extractor:
        return self.find(content_type, self._extension(path))

    def key_for(self, content_type: str, path: str) -> str:
        """Return the key (name/version) of the extractor for this file, as stored with it."""
        return self.find(content_type, self._extension(path)).key()

    def _extension(self, path: str) -> str:
        """Return the file's extension if some extractor looks at it, else ""."""
        if not self._claimed or not path.lower().endswith(self._claimed):
            return ""
        return os.path.splitext(path)[1].lower()

    def extract(self, source: Source, *, path: str, limits: Limits) -> Extraction:
        """Extract a file with the extractor for its type; a crash in it is a FAILED status."""
        extractor = self.for_file(source.content_type, path)
        try:
            return extractor.extract(source, limits=limits)
        except MemoryError:
            return Extraction(extractor.key(), Status.FAILED, detail=OUT_OF_MEMORY)
        except Exception as error:  # a bad file must not stop a run: say why, move on
            detail = f"{type(error).__name__}: {error}"[:255]
            return Extraction(extractor.key(), Status.FAILED, detail=detail)

    def extract_member(self, name: str, data: bytes, *, limits: Limits) -> Extraction:
        """Extract a member of an archive or an attachment, one level deeper than `limits`."""
        from indexer.extract.sniff import content_type

        if limits.depth >= limits.archive_max_depth:
            detail = f"nested deeper than {limits.archive_max_depth} levels"
            return Extraction(Unsupported.key(), Status.SKIPPED, detail=detail)
        source = Source(name, content_type(name, data, len(data)), len(data), data, data=data)
        return self.extract(source, path=name, limits=limits.nested())


EXTRACTORS = Registry(
    [
        HtmlExtractor(),
        RtfExtractor(),
        PdfExtractor(),
        DocxExtractor(),
        PptxExtractor(),
        XlsxExtractor(),
        OpenDocumentExtractor(),
        EpubExtractor(),
        MailExtractor(),
        ArchiveExtractor(),
        ImageExtractor(),
        PlainTextExtractor(),
    ]
)
