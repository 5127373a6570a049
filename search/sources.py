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
    "extraction_status",
    "extractor",
    "extraction_detail",
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
        contents = {
            content_hash: (text, locations)
            for content_hash, text, locations in FileContent.objects.filter(
                content_hash__in={row[5] for row in chunk}
            ).values_list("content_hash", "text", "locations")
        }
        yield from (_document(row, contents) for row in chunk)


def _document(row: tuple, contents: dict[str, tuple[str, list]]) -> Document:
    pk, path, content_type, size, modified, content_hash, keywords, status, extractor, detail = row
    text, locations = contents.get(content_hash, (None, []))
    return Document(
        file_id=pk,
        path=path,
        content_type=content_type,
        size=size,
        mtime=modified.timestamp(),
        content_hash=content_hash,
        text=text,
        keywords=keywords,
        locations=tuple((offset, page, member) for offset, page, member in locations or ()),
        extraction=status,
        extractor=extractor,
        extraction_detail=detail,
    )
