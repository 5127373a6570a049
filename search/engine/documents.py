"""Plain data handed between the Django side and the engine."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Document:
    """One file to index; `text` is None for files whose text could not be extracted."""

    file_id: int
    path: str
    content_type: str
    size: int
    mtime: float
    content_hash: str
    text: str | None
    keywords: str = ""
    # (offset in text, page, member) where each part of the text begins; () for plain files.
    locations: tuple[tuple[int, int | None, str | None], ...] = ()
    extraction: str = "ok"
    extractor: str = ""
    extraction_detail: str = ""


@dataclass(frozen=True, slots=True)
class FileFilter:
    """Restrict results to matching files; every bound is inclusive.

    `content_type` is an exact MIME type or a top-level type ("text" means "text/*").
    `path_prefix` is a directory: "/a/b" matches "/a/b" and "/a/b/x" but not "/a/bc".
    `allowed_prefixes` are directories in the same sense, a file passing if under any: who may
    see what (None lets every file pass; an empty tuple, none).
    """

    content_type: str | None = None
    mtime_from: float | None = None
    mtime_to: float | None = None
    min_size: int | None = None
    max_size: int | None = None
    path_prefix: str | None = None
    allowed_prefixes: tuple[str, ...] | None = None
    extraction: frozenset[str] | None = None
    exclude_file_ids: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class FileRecord:
    """What a result needs to render its file."""

    file_id: int
    path: str
    content_type: str
    size: int
    mtime: float
    content_hash: str
    extraction: str = "ok"
    extractor: str = ""
    extraction_detail: str = ""


# Not frozen, like Ranked: a search makes up to a thousand, and a frozen dataclass takes three
# times as long to make.
@dataclass(slots=True)
class Hit:
    """A matching file: its table row, its score and the passage that matched best."""

    row: int
    file_id: int
    score: float
    passage: int | None
