"""Documents for engine tests."""

import hashlib

from search.engine.documents import Document


def make_document(
    file_id: int,
    path: str,
    text: str | None = "",
    *,
    content_type: str = "text/plain",
    size: int = 100,
    mtime: float = 1_700_000_000.0,
    keywords: str = "",
) -> Document:
    """Make a document whose content hash follows from its text, as the indexer's would."""
    return Document(
        file_id=file_id,
        path=path,
        content_type=content_type,
        size=size,
        mtime=mtime,
        content_hash=hashlib.sha256((text or "").encode()).hexdigest(),
        text=text,
        keywords=keywords,
    )
