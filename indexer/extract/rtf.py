"""Rich Text Format, through striprtf."""

import codecs
import contextlib
import re
from typing import ClassVar

from striprtf.striprtf import rtf_to_text

from indexer.extract.base import Extraction, Extractor, Full, Limits, Source, TextBudget

# Control words outweigh the text: read this much RTF per byte of text kept.
RTF_PER_TEXT = 8


class RtfExtractor(Extractor):
    name: ClassVar[str] = "rtf"
    version: ClassVar[int] = 1
    extensions: ClassVar[frozenset[str]] = frozenset({".rtf"})

    def accepts(self, content_type: str, extension: str) -> bool:
        return content_type in ("text/rtf", "application/rtf") or extension == ".rtf"

    def extract(self, source: Source, *, limits: Limits) -> Extraction:
        cap = max(limits.max_text_bytes, 1) * RTF_PER_TEXT
        with source.open() as stream:
            data = stream.read(cap + 1)
        # RTF is 7-bit; \\'xx escapes name bytes of the document's code page (Turkish: 1254).
        budget, rtf = TextBudget(limits.max_text_bytes), data[:cap].decode("latin-1")
        with contextlib.suppress(Full):
            budget.add(rtf_to_text(rtf, encoding=_code_page(rtf), errors="replace"))
        budget.truncated = budget.truncated or len(data) > cap
        return budget.extraction(self.key())


def _code_page(rtf: str) -> str:
    """Return the code page the header names (\\ansicpgN), or Turkish's when it names none."""
    found = re.search(r"\\ansicpg(\d+)", rtf[:4096])
    name = f"cp{found.group(1)}" if found else "cp1254"
    try:
        codecs.lookup(name)
    except LookupError:
        return "cp1254"
    return name
