"""A file as its page shows it: what the index knows, a page of its text, the match marked."""

from dataclasses import dataclass

from django.utils.safestring import SafeString, mark_safe

from indexer.access import User
from indexer.files import TEXT_PAGE_CHARS, FileDetail, TextPage, file_detail_and_text
from search.engine import IndexUnavailable
from search.engine.snippets import highlight
from search.factory import get_index_holder


@dataclass(frozen=True, slots=True)
class FilePage:
    file: FileDetail
    text: TextPage
    # The page's text as HTML: the query's words in <mark>, the matched passage wrapped.
    marked_text: SafeString


def file_page(
    *,
    user: User,
    file_id: int,
    query: str,
    page: int | None,
    passage: tuple[int, int] | None,
) -> FilePage:
    """Show a file the user may see: the page of text holding `passage` (character offsets in
    its whole text) unless `page` is given, with the passage and the query's words marked."""
    if page is None:
        page = 1 if passage is None else passage[0] // TEXT_PAGE_CHARS + 1
    detail, text = file_detail_and_text(user=user, file_id=file_id, page=page)
    offset = (text.page - 1) * TEXT_PAGE_CHARS
    shown = None if passage is None else (passage[0] - offset, passage[1] - offset)
    # The engine escapes the text and adds only its own tags.
    marked = mark_safe(highlight(text.text, _highlights(query), passage=shown))  # noqa: S308
    return FilePage(detail, text, marked)


def _highlights(query: str):
    if not query:
        return None
    try:
        return get_index_holder().get().keyword_query(query)
    except IndexUnavailable:
        return None
