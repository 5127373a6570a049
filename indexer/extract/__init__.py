"""Text extraction: an extractor per kind of file, picked by MIME type and extension.

Imports no Django. Each extractor turns a file into text segments with their locations
(page, archive member) and says how it went (a Status); its name and version are stored
with what it produced, so a new version re-extracts only the files it handles.
"""

from indexer.extract.base import Extraction, Extractor, Limits, Segment, Source, Status
from indexer.extract.registry import EXTRACTORS, Registry

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
