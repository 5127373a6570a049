"""The words a file is known by: its path's words, then its text's most frequent terms."""

import os
import re
from collections import Counter
from functools import lru_cache
from operator import itemgetter

from core.text import STOPWORDS, fold, path_words

# Keywords summarise a file; the whole text is searched elsewhere, so a prefix is enough.
_TEXT_SAMPLE_CHARS = 64 * 1024
_WORD = re.compile(r"[^\W_]+")


def search_keywords(path: str, text: str | None, *, terms: int = 20) -> str:
    """Return the path's words and the text's `terms` most frequent words.

    Words are compared folded (so `İstanbul` and `istanbul` count as one) but kept as first
    spelled: lowercasing would mangle Turkish (`"İ".lower()` is `i` plus a combining dot).
    """
    spelling: dict[str, str] = {}
    for word in (*_folder_words(os.path.dirname(path)), *path_words(os.path.basename(path))):
        spelling.setdefault(_term_key(word) or fold(word), word)
    if text:
        for key, word in _frequent_terms(text[:_TEXT_SAMPLE_CHARS], terms):
            spelling.setdefault(key, word)
    return " ".join(spelling.values())


# Files in one folder share its words: find them once per folder, not once per file.
@lru_cache(maxsize=4096)
def _folder_words(folder: str) -> tuple[str, ...]:
    return tuple(path_words(folder))


def _frequent_terms(text: str, count: int) -> list[tuple[str, str]]:
    """Count words at C speed, then fold only the distinct ones (folding is the costly part)."""
    counts: dict[str, int] = {}
    spelled: dict[str, str] = {}
    for word, times in Counter(_WORD.findall(text)).items():
        key = _term_key(word)
        if key is None:
            continue
        if key in counts:
            counts[key] += times
        else:
            counts[key], spelled[key] = times, word
    # A stable sort, as Counter.most_common is: ties keep the order words first appeared in.
    top = sorted(counts.items(), key=itemgetter(1), reverse=True)[:count]
    return [(key, spelled[key]) for key, _ in top]


# Most words recur across files, so each spelling is folded and judged once.
@lru_cache(maxsize=1 << 16)
def _term_key(word: str) -> str | None:
    """Return the folded form of a word worth keeping as a keyword, else None."""
    key = fold(word)
    return key if len(key) > 2 and not key.isdigit() and key not in STOPWORDS else None
