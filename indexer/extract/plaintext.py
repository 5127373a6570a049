"""Plain text and source code: UTF-8, else cp1254 (Turkish legacy text)."""

import codecs
from typing import ClassVar

from indexer.extract.base import Extraction, Extractor, Limits, Segment, Source, Status

EMPTY_CONTENT_TYPE = "inode/x-empty"
# A NUL in a file's first block means binary data, whatever its name says.
BINARY_PROBE_BYTES = 8192
TEXTUAL_APPLICATION_TYPES = frozenset(
    {
        "application/json",
        "application/yaml",
        "application/toml",
        "application/sql",
        "application/xml",
        "application/javascript",
        "application/x-sh",
    }
)


def is_textual(content_type: str) -> bool:
    """Tell whether a MIME type names text that reads as it is, markup and code included."""
    return (
        content_type.startswith("text/")
        or content_type.endswith(("+xml", "+json"))
        or content_type in TEXTUAL_APPLICATION_TYPES
    )


class PlainTextExtractor(Extractor):
    """Decode the file's first `max_bytes` bytes as one segment."""

    name: ClassVar[str] = "text"
    version: ClassVar[int] = 1
    # Decoding a head already read costs less than handing it to another process.
    isolated: ClassVar[bool] = False

    def accepts(self, content_type: str, extension: str) -> bool:
        return content_type == EMPTY_CONTENT_TYPE or is_textual(content_type)

    def extract(self, source: Source, *, limits: Limits) -> Extraction:
        max_bytes = limits.max_text_bytes
        if source.size == 0:
            return Extraction(self.key(), Status.EMPTY)
        if source.head.find(b"\0", 0, BINARY_PROBE_BYTES) >= 0:
            return Extraction(self.key(), Status.UNSUPPORTED, detail="binary data")
        text, encoding = decode(source.head[:max_bytes], complete=source.size <= max_bytes)
        # A NUL in a text file is noise, and PostgreSQL refuses it in text.
        text = text.replace("\0", "")
        status = Status.TRUNCATED if source.size > max_bytes else Status.OK
        if status == Status.OK and (not text or text.isspace()):
            status = Status.EMPTY
        return Extraction(self.key(), status, (Segment(text),), encoding=encoding)


def decode(data: bytes, *, complete: bool) -> tuple[str, str]:
    """Decode as UTF-8, or else as cp1254, which maps nearly every byte (Turkish legacy text)."""
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        # Not final when truncated: a multibyte sequence cut at the cap is dropped, not an error.
        decoder = codecs.getincrementaldecoder("utf-8")()
        return decoder.decode(data, final=complete), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1254", errors="replace"), "cp1254"
