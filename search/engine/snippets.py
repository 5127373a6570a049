"""Highlighted, HTML-safe excerpts of passages."""

import html
import re
from collections.abc import Collection

from .text import fold, word_spans

_WHITESPACE = re.compile(r"\s+")
_BREAKS = " \t\n\r"
# The first match sits this far into the window, so it reads with some context before it.
_LEAD = 4


def snippet(text: str, terms: Collection[str], *, max_chars: int = 300) -> str:
    """Return HTML: the window of `text` around the first of the folded `terms`, marked."""
    matches = [(start, stop) for start, stop in word_spans(text) if fold(text[start:stop]) in terms]
    anchor = matches[0] if matches else (0, 0)
    start, stop = _window(text, anchor, max_chars)
    pieces = []
    cursor = start
    for match_start, match_stop in matches:
        if start <= match_start and match_stop <= stop:
            pieces.append(html.escape(text[cursor:match_start]))
            pieces.append(f"<mark>{html.escape(text[match_start:match_stop])}</mark>")
            cursor = match_stop
    pieces.append(html.escape(text[cursor:stop]))
    body = _WHITESPACE.sub(" ", "".join(pieces)).strip()
    return ("…" if start > 0 else "") + body + ("…" if stop < len(text) else "")


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
