"""One indexed file as its reader sees it: metadata, copies, extracted text, the original."""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.utils.translation import gettext as _

from core.exceptions import InvalidInput, NotFound
from indexer.access import User, scopes
from indexer.models import FileContent, FileIndex

# Characters of extracted text per page of GET /api/files/{id}/text/.
TEXT_PAGE_CHARS = 20_000


@dataclass(frozen=True, slots=True)
class FileDetail:
    id: int
    file_path: str
    content_type: str
    file_size: int
    last_modified: datetime
    content_hash: str
    extraction: dict[str, str]
    # The other alive files with the same content that the user may see, in path order.
    duplicates: list[str]


@dataclass(frozen=True, slots=True)
class TextPage:
    text: str
    page: int
    pages: int
    characters: int


def file_visible(*, user: User, file_id: int) -> FileIndex:
    """Return the alive file `user` may see, or raise NotFound: out of scope looks absent."""
    row = FileIndex.objects.filter(pk=file_id).first()
    if row is None or not scopes.of(user).allows(row.file_path):
        raise NotFound(_("No file %(id)s.") % {"id": file_id})
    return row


def file_detail(*, user: User, file_id: int) -> FileDetail:
    """Describe a file the user may see, with its copies the user may see."""
    return _described(file_visible(user=user, file_id=file_id), user)


def file_detail_and_text(*, user: User, file_id: int, page: int) -> tuple[FileDetail, TextPage]:
    """Describe a file the user may see and return one page of its text, reading its row once."""
    row = file_visible(user=user, file_id=file_id)
    return _described(row, user), _text_page(row, page)


def _described(row: FileIndex, user: User) -> FileDetail:
    scope = scopes.of(user)
    copies = (
        FileIndex.objects.filter(content_hash=row.content_hash, file_size__gt=0)
        .exclude(pk=row.pk)
        .order_by("file_path")
        .values_list("file_path", flat=True)
    )
    return FileDetail(
        id=row.pk,
        file_path=row.file_path,
        content_type=row.content_type,
        file_size=row.file_size,
        last_modified=row.last_modified,
        content_hash=row.content_hash,
        extraction={
            "status": row.extraction_status,
            "extractor": row.extractor,
            "detail": row.extraction_detail,
        },
        duplicates=[path for path in copies if scope.allows(path)],
    )


def file_text_page(*, user: User, file_id: int, page: int) -> TextPage:
    """Return one page of a file's extracted text (empty when none was extracted)."""
    return _text_page(file_visible(user=user, file_id=file_id), page)


def _text_page(row: FileIndex, page: int) -> TextPage:
    text = extracted_text(content_hash=row.content_hash)
    pages = max(1, -(-len(text) // TEXT_PAGE_CHARS))
    if page > pages:
        message = _("Page %(page)s is past the last page, %(pages)s.")
        raise InvalidInput(errors={"page": [message % {"page": page, "pages": pages}]})
    start = (page - 1) * TEXT_PAGE_CHARS
    return TextPage(text[start : start + TEXT_PAGE_CHARS], page, pages, len(text))


def extracted_text(*, content_hash: str) -> str:
    """Return the text extracted from this content ("" when there is none)."""
    content = FileContent.objects.filter(pk=content_hash).only("text").first()
    return content.text if content else ""


def file_original(*, user: User, file_id: int) -> tuple[FileIndex, Path]:
    """Return a file the user may see and its path on disk, taken from the index row."""
    row = file_visible(user=user, file_id=file_id)
    path = Path(row.file_path)
    if not path.is_file():
        raise NotFound(_("%(path)s is no longer on disk.") % {"path": row.file_path})
    return row, path
