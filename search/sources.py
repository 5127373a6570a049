"""What the search index is built from, and how to tell it is behind the database."""

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Count, Max

from core.models import ALIVE
from indexer.models import FileContent, FileIndex
from search.engine import Document

# Files whose texts are held at once while streaming them to the index build.
DOCUMENT_CHUNK = 500
_FIELDS = (
    "id",
    "file_path",
    "content_type",
    "file_size",
    "last_modified",
    "content_hash",
    "search_keywords",
)


@dataclass(frozen=True, slots=True)
class SourceState:
    """How many files are alive, and a fingerprint any write to the file index changes."""

    alive: int
    fingerprint: str


def file_index_state() -> SourceState:
    """Summarise the file index's state: any write to it (crawl or admin) changes this."""
    state = FileIndex.all_objects.aggregate(alive=Count("id", filter=ALIVE), last=Max("updated_at"))
    last = state["last"].isoformat() if state["last"] else "-"
    return SourceState(state["alive"], f"{state['alive']}:{last}")


def file_index_fingerprint() -> str:
    return file_index_state().fingerprint


def index_documents() -> Iterator[Document]:
    """Yield every alive file with its extracted text, a chunk of texts in memory at a time.

    Pages by id, each page fetched whole: no cursor stays open between pages, so nothing
    holds a read transaction while the build (and the lease) write, and SQLite never finds
    a stale snapshot to upgrade.
    """
    last = 0
    while chunk := list(
        FileIndex.objects.filter(id__gt=last).order_by("id").values_list(*_FIELDS)[:DOCUMENT_CHUNK]
    ):
        last = chunk[-1][0]
        texts = dict(
            FileContent.objects.filter(content_hash__in={row[5] for row in chunk}).values_list(
                "content_hash", "text"
            )
        )
        for pk, path, content_type, size, modified, content_hash, keywords in chunk:
            yield Document(
                file_id=pk,
                path=path,
                content_type=content_type,
                size=size,
                mtime=modified.timestamp(),
                content_hash=content_hash,
                text=texts.get(content_hash),
                keywords=keywords,
            )
