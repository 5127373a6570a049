"""Dizin's search engine: semantic and keyword search over a snapshot of the corpus.

It imports no Django and reads no settings. The Django side builds an EngineConfig, streams
Documents into SearchIndex.build inside write_generation, and serves searches through one
IndexHolder per process.

Names are imported on first use: the index modules pull in FAISS (and, to build, bm25s and
SciPy), which callers that only need a config or a document should not pay for. Text folding
lives in `core.text`, shared with the indexer.
"""

import importlib
from typing import TYPE_CHECKING, Any

_MODULE_OF = {
    "EngineConfig": "config",
    "Document": "documents",
    "FileFilter": "documents",
    "FileRecord": "documents",
    "Hit": "documents",
    "Encoder": "encoder",
    "HashingEncoder": "encoder",
    "SentenceTransformerEncoder": "encoder",
    "SearchIndex": "index",
    "IndexUnavailable": "store",
    "generation_dir": "generations",
    "read_current": "generations",
    "write_generation": "generations",
    "IndexHolder": "serving",
    "MemoryVectorStore": "vectors",
    "VectorStore": "vectors",
    "EmbedHelpers": "vectors",
    "ScoredIds": "fusion",
    "fuse_ranked": "fusion",
    "split_passages": "passages",
}
__all__ = list(_MODULE_OF)


def __getattr__(name: str) -> Any:
    if name not in _MODULE_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_MODULE_OF[name]}", __name__), name)


if TYPE_CHECKING:  # "X as X" marks what __getattr__ hands out, for type checkers
    from .config import EngineConfig as EngineConfig
    from .documents import Document as Document
    from .documents import FileFilter as FileFilter
    from .documents import FileRecord as FileRecord
    from .documents import Hit as Hit
    from .encoder import Encoder as Encoder
    from .encoder import HashingEncoder as HashingEncoder
    from .encoder import SentenceTransformerEncoder as SentenceTransformerEncoder
    from .fusion import ScoredIds as ScoredIds
    from .fusion import fuse_ranked as fuse_ranked
    from .generations import generation_dir as generation_dir
    from .generations import read_current as read_current
    from .generations import write_generation as write_generation
    from .index import SearchIndex as SearchIndex
    from .passages import split_passages as split_passages
    from .serving import IndexHolder as IndexHolder
    from .store import IndexUnavailable as IndexUnavailable
    from .vectors import EmbedHelpers as EmbedHelpers
    from .vectors import MemoryVectorStore as MemoryVectorStore
    from .vectors import VectorStore as VectorStore
