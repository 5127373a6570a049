"""Text extraction: an extractor per kind of file, picked by MIME type and extension.

Imports no Django. Each extractor turns a file into text segments with their locations
(page, archive member) and says how it went (a Status); its name and version are stored
with what it produced, so a new version re-extracts only the files it handles.

The registry is imported on first use: it pulls in every extractor's libraries (2 MiB), which
a process serving searches, needing only Status and Limits, should not pay for.
"""

import importlib
from typing import TYPE_CHECKING, Any

from indexer.extract.base import Extraction, Extractor, Limits, Segment, Source, Status

__all__ = [
    "EXTRACTORS",
    "Extraction",
    "Extractor",
    "Limits",
    "Registry",
    "Segment",
    "Source",
    "Status",
]


def __getattr__(name: str) -> Any:
    if name not in ("EXTRACTORS", "Registry"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module("indexer.extract.registry"), name)


if TYPE_CHECKING:  # "X as X" marks what __getattr__ hands out, for type checkers
    from indexer.extract.registry import EXTRACTORS as EXTRACTORS
    from indexer.extract.registry import Registry as Registry
