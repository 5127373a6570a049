"""Index terms: folded words, stopwords dropped, stemmed in the text's language (Snowball)."""

import re
import threading
from collections.abc import Iterable, Sequence
from typing import Literal

import Stemmer

from core.text import STOPWORDS, fold, word_spans

Language = Literal["english", "turkish"]
ENGLISH: Language = "english"
TURKISH: Language = "turkish"
LANGUAGES: tuple[Language, ...] = (ENGLISH, TURKISH)
# Letters Turkish has and English, German or French text lacks.
_TURKISH_LETTERS = re.compile("[ğĞşŞıİ]")
# Turkish words as frequent as English stopwords; one is enough to tell a short query apart.
_TURKISH_MARKERS = frozenset(
    "ve bir bu için ile olarak çok gibi daha ama veya ya her şu olan sonra kadar göre "
    "değil nasıl neden nerede hangi".split()
)
# A document's language is told from its first words; more would only cost time.
_SAMPLE_WORDS = 2000
_stemmers = threading.local()
# PyStemmer's default: a cache this size about doubles the speed of stemming running text.
CACHED_WORDS = 10_000


def detect_language(words: Sequence[str]) -> Language:
    """Tell Turkish text from English (and other) text by its letters and commonest words."""
    turkish = english = 0
    for word in words[:_SAMPLE_WORDS]:
        lowered = word.lower()
        turkish += lowered in _TURKISH_MARKERS or _TURKISH_LETTERS.search(word) is not None
        english += lowered in STOPWORDS
    return TURKISH if turkish > english else ENGLISH


def words_of(text: str) -> list[str]:
    """Split text into its words, unfolded: stemmers need the letters folding drops."""
    return [text[start:stop] for start, stop in word_spans(text)]


def index_terms(words: Sequence[str], language: Language) -> list[str]:
    """Return the terms words are indexed under: folded stems of the words not stopwords.

    Turkish words are also indexed as written, folded: Turkish is often typed without its
    letters, and Snowball cannot find `notları`'s suffix in `notlari`.
    """
    if language == TURKISH:
        kept = [lowered for word in words if (lowered := turkish_lower(word)) not in _TURKISH_STOP]
        terms = []
        for word, stem in zip(kept, stemmer(TURKISH).stemWords(kept), strict=True):
            terms.append(fold(stem))
            if stem != word:
                terms.append(fold(word))
        return terms
    return stemmer(ENGLISH).stemWords([f for word in words if (f := fold(word)) not in STOPWORDS])


def term_candidates(word: str, languages: Iterable[Language]) -> list[str]:
    """Return the terms a query word may be indexed under, in the order to try them."""
    candidates = [index_terms([word], language)[:1] for language in languages]
    return list(dict.fromkeys([*(t for terms in candidates for t in terms), fold(word)]))


def turkish_lower(word: str) -> str:
    """Lowercase the Turkish way: I is ı and İ is i."""
    return word.replace("I", "ı").replace("İ", "i").lower()


def stemmer(language: Language, *, cached: bool = True) -> Stemmer.Stemmer:
    """Return this thread's stemmer for the language: PyStemmer's are not thread-safe."""
    # A stemmer keeps the last CACHED_WORDS words it stemmed (2 MiB). Words stemmed once
    # (a typo's variants) go to one that keeps none: they would only push the others out.
    name = language if cached else f"{language}_uncached"
    found = getattr(_stemmers, name, None)
    if found is None:
        found = Stemmer.Stemmer(language, CACHED_WORDS if cached else 0)
        setattr(_stemmers, name, found)
    return found


_TURKISH_STOP = frozenset(STOPWORDS | _TURKISH_MARKERS | {"da", "de", "mi", "mı", "ne", "o"})
