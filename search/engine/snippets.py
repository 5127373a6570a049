"""Highlighted, HTML-safe excerpts of passages."""

import html
import re
from collections.abc import Iterator
from itertools import chain, takewhile
from typing import Protocol

from core.text import fold_in_place, word_spans

_WHITESPACE = re.compile(r"\s+")
_WORD_CHAR = re.compile(r"[^\W_]")
_RUN_REST = re.compile(r"[^\W_]*")
_BREAKS = " \t\n\r"
# The first match sits this far into the window, so it reads with some context before it.
_LEAD = 4


class Highlights(Protocol):
    """What to mark: where matching words may start in folded text, and which words match."""

    @property
    def pattern(self) -> re.Pattern[str]: ...

    def matches(self, word: str) -> bool: ...


def snippet(text: str, query: Highlights | None, *, max_chars: int = 300) -> str:
    """Return HTML: the window of `text` around the first word the query matches, marked."""
    found = iter(()) if query is None else _matches(text, query)
    first = next(found, None)
    start, stop = _window(text, first or (0, 0), max_chars)
    # Matches come in order, so the window's end ends the search: a passage may run on well
    # past the few hundred characters shown.
    matches = takewhile(lambda span: span[1] <= stop, chain([first] if first else [], found))
    pieces = []
    cursor = start
    for match_start, match_stop in matches:
        pieces.append(html.escape(text[cursor:match_start]))
        pieces.append(f"<mark>{html.escape(text[match_start:match_stop])}</mark>")
        cursor = match_stop
    pieces.append(html.escape(text[cursor:stop]))
    body = _WHITESPACE.sub(" ", "".join(pieces)).strip()
    return ("…" if start > 0 else "") + body + ("…" if stop < len(text) else "")


# At one position, tags that close come before tags that open, and a passage wraps the marks.
_TAG_ORDER = {"</mark>": 0, "</span>": 1, '<span class="passage" id="passage">': 2, "<mark>": 3}


def highlight(text: str, query: Highlights | None, *, passage: tuple[int, int] | None) -> str:
    """Return HTML: all of `text`, the words the query matches marked, `passage` wrapped."""
    matches = [] if query is None else list(_matches(text, query))
    tags: list[tuple[int, str]] = []
    if passage is not None:
        start, stop = max(0, passage[0]), min(len(text), passage[1])
        # A mark across the passage's edge would not nest: leave that word unmarked.
        matches = [(a, b) for a, b in matches if not (a < start < b or a < stop < b)]
        if start < stop:
            tags += [(start, '<span class="passage" id="passage">'), (stop, "</span>")]
    tags += [(start, "<mark>") for start, _ in matches] + [(stop, "</mark>") for _, stop in matches]
    tags.sort(key=lambda tag: (tag[0], _TAG_ORDER[tag[1]]))
    pieces, cursor = [], 0
    for position, tag in tags:
        pieces += [html.escape(text[cursor:position]), tag]
        cursor = position
    pieces.append(html.escape(text[cursor:]))
    return "".join(pieces)


def _matches(text: str, query: Highlights) -> Iterator[tuple[int, int]]:
    """Yield, in order, the spans of the words of `text` that the query matches."""
    folded = fold_in_place(text)
    if folded is None:
        yield from _word_matches(text, 0, len(text), query)
        return
    # Testing each word of every result's passage was most of an uncached search's time: find
    # where query words may start in the folded text at C speed, then test only the runs of
    # letters and digits (camelCase words) that hold them.
    done = 0
    for found in query.pattern.finditer(folded):
        start = found.start()
        if start < done:
            continue
        while start > done and _WORD_CHAR.match(folded, start - 1):
            start -= 1
        done = _RUN_REST.match(folded, found.end()).end()  # type: ignore[union-attr]
        yield from _word_matches(text, start, done, query)


def _word_matches(text: str, start: int, stop: int, query: Highlights) -> Iterator[tuple[int, int]]:
    for word_start, word_stop in word_spans(text[start:stop]):
        if query.matches(text[start + word_start : start + word_stop]):
            yield start + word_start, start + word_stop


def _window(text: str, anchor: tuple[int, int], max_chars: int) -> tuple[int, int]:
    """Pick at most `max_chars` around `anchor`, cut between words where possible."""
    start = max(0, min(anchor[0] - max_chars // _LEAD, len(text) - max_chars))
    stop = min(len(text), start + max_chars)
    if start > 0 and not text[start - 1].isspace():
        breaks = [p for c in _BREAKS if (p := text.find(c, start, anchor[0])) >= 0]
        start = min(breaks) + 1 if breaks else start
    if stop < len(text) and not text[stop].isspace():
        last_break = max(text.rfind(c, anchor[1], stop) for c in _BREAKS)
        stop = last_break if last_break >= 0 else stop
    return start, stop
