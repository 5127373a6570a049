"""Turkish-aware text folding and tokenization shared by indexing and querying."""

import functools
import re
import unicodedata
from collections.abc import Iterator

_WORD = re.compile(r"[^\W_]+")
_WHITESPACE = re.compile(r"\s+")
# Hashes and ids in file names: 8+ hex characters mixing letters and digits.
_HEX_NOISE = re.compile(r"(?=[a-z]*\d)(?=\d*[a-z])[0-9a-f]{8,}")
PATH_DEPTH = 3
# Builds reuse the term counts of unchanged files: bump this whenever tokenize, path_words,
# fold, STOPWORDS or core.analysis change what they return, so that every file is counted again.
TOKENIZER_VERSION = 3
# The stopword list of bm25s (English), kept here so folding never imports bm25s and scipy.
STOPWORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "if",
        "in",
        "into",
        "is",
        "it",
        "no",
        "not",
        "of",
        "on",
        "or",
        "such",
        "that",
        "the",
        "their",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "was",
        "will",
        "with",
    }
)


def _combining_marks() -> re.Pattern[str]:
    """Compile a class of the combining marks of the Basic Multilingual Plane.

    All of Unicode would take 0.1 s to scan at import; past the BMP are only marks of rare
    and historic scripts.
    """
    marks = "".join(chr(c) for c in range(0x300, 0x10000) if unicodedata.combining(chr(c)))
    return re.compile(f"[{re.escape(marks)}]")


# One regex pass drops the marks eight times faster than testing each character.
_MARKS = _combining_marks()


def fold(text: str) -> str:
    """Fold case and accents so that `türkçe`, `TURKCE` and `turkce` compare equal."""
    if text.isascii():
        # No accents and no Turkish i: lowercasing folds it, faster than a cache lookup.
        return text.lower()
    return _fold_word(text) if len(text) <= _WORD_LENGTH else _fold(text)


def _fold(text: str) -> str:
    # Turkish dotted and dotless i must meet before casefold: casefold("İ") is "i̇" and
    # "I" never becomes "ı", so both spellings of a word only fold alike if all are "i".
    folded = text.replace("İ", "i").replace("I", "i").replace("ı", "i").casefold()
    if folded.isascii():
        return folded
    return _MARKS.sub("", unicodedata.normalize("NFKD", folded))


def fold_in_place(text: str) -> str | None:
    """Return fold(text) when each character folds to exactly one, so offsets carry over."""
    # Folding drops combining marks and may expand a character (ß to ss, ﬁ to fi): with no
    # marks to drop, an unchanged length means nothing expanded either.
    folded = fold(text)
    if len(folded) != len(text) or (not text.isascii() and _MARKS.search(text)):
        return None
    return folded


# Words repeat across files and queries, so each is folded once; longer texts rarely
# repeat and would hold memory.
_WORD_LENGTH = 32
_fold_word = functools.lru_cache(maxsize=2**16)(_fold)


def normalize_query(query: str) -> str:
    """Fold a query and collapse its whitespace, so equal queries group together."""
    return _WHITESPACE.sub(" ", fold(query)).strip()


def word_spans(text: str) -> Iterator[tuple[int, int]]:
    """Yield the spans of words: alphanumeric runs, with camelCase humps split apart."""
    for match in _WORD.finditer(text):
        start, end = match.span()
        word = match.group()
        if word.islower() or word.isupper() or word.istitle() or word.isdigit():
            yield start, end
            continue
        cut = start
        for i in range(start + 1, end):
            if _is_hump(text, i, end):
                yield cut, i
                cut = i
        yield cut, end


def _is_hump(text: str, i: int, end: int) -> bool:
    """Tell whether a camelCase word starts at `i`, as in `parseHTTPResponse`."""
    if not text[i].isupper():
        return False
    if not text[i - 1].isupper():
        return True
    return i + 1 < end and text[i + 1].islower()


def tokenize(text: str) -> list[str]:
    """Split text into folded words: `parseHTTP_response.v2` -> parse, http, response, v2."""
    return [fold(text[start:end]) for start, end in word_spans(text)]


def path_words(path: str) -> list[str]:
    """Return the distinct words of a path's last components, unfolded, skipping number noise."""
    components = [part for part in path.replace("\\", "/").split("/") if part]
    words: list[str] = []
    seen: set[str] = set()
    for part in components[-PATH_DEPTH:]:
        for start, end in word_spans(part):
            word = part[start:end]
            key = fold(word)
            if key not in seen and not key.isdigit() and not _HEX_NOISE.fullmatch(key):
                seen.add(key)
                words.append(word)
    return words
