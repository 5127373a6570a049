"""Turn a query's words into index terms: stemmed, typo-corrected, capped to the distinctive."""

import functools
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from core.analysis import LANGUAGES, Language, detect_language, term_candidates, words_of
from core.text import STOPWORDS, fold, word_spans

from .typos import Vocabulary

# A pasted paragraph keeps its most distinctive terms (query frequency times IDF): enough for
# every dev collection's longest query (48 terms, LISA), where caps of 8 to 32 lost nDCG@10.
MAX_QUERY_TERMS = 64
# Words of this many letters may have one typo, and of the second many, two (as Meilisearch
# and Typesense allow); a transposition counts as one.
ONE_TYPO_CHARS = 5
TWO_TYPOS_CHARS = 9
# A longer query carries its meaning in its other words: its unknown words are left alone.
MAX_TYPO_QUERY_WORDS = 16


@dataclass(frozen=True, slots=True)
class QueryWord:
    """One distinct word of a query and the index term it is searched by (None: none)."""

    word: str  # folded
    term: str | None
    # How a typo's correction is spelled for people; None when the word was found as typed.
    correction: str | None = None


@dataclass(frozen=True)
class KeywordQuery:
    """What a query's words are searched by."""

    words: tuple[QueryWord, ...]
    terms: tuple[str, ...]  # distinct, the capped set searched

    @property
    def corrections(self) -> dict[str, str]:
        """Map each query word taken for a typo to the word it was corrected to."""
        return {w.word: w.correction for w in self.words if w.correction is not None}

    def corrected_query(self, query: str) -> str | None:
        """Return the query with its typos corrected, or None if it had none."""
        corrections = self.corrections
        if not corrections:
            return None
        pieces, cursor = [], 0
        for start, stop in word_spans(query):
            replacement = corrections.get(fold(query[start:stop]))
            if replacement is not None:
                pieces += [query[cursor:start], replacement]
                cursor = stop
        return "".join([*pieces, query[cursor:]])

    @functools.cached_property
    def pattern(self) -> re.Pattern[str]:
        """Find, in folded text, where a word that may match the query may be (camelCase
        humps included)."""
        return re.compile(self._alternatives)

    def words_found(self, folded: str) -> set[str]:
        """Return the query's words and terms that begin words of `folded` text."""
        # The words and terms are letters and digits only, so a match inside a word never
        # reaches the next word. A lookbehind for the word's start, put in the pattern,
        # stopped the regex engine from skipping the places no word can start: a third slower,
        # and compiling a second pattern for each query cost as much again.
        return {
            found.group()
            for found in self.pattern.finditer(folded)
            if not (start := found.start()) or not folded[start - 1].isalnum()
        }

    @functools.cached_property
    def _alternatives(self) -> str:
        found = {w.word for w in self.words} | set(self.terms)
        return "|".join(map(re.escape, sorted(found, key=len, reverse=True))) or "(?!)"

    def matches(self, word: str) -> bool:
        """Tell whether a word of a document is one the query searched for."""
        # A page of results repeats its words, and stemming each again cost more than a lookup.
        verdict = self._verdicts.get(word)
        if verdict is None:
            verdict = fold(word) in self._words or any(
                term in self._terms for term in term_candidates(word, LANGUAGES)
            )
            self._verdicts[word] = verdict
        return verdict

    @functools.cached_property
    def _verdicts(self) -> dict[str, bool]:
        return {}

    @functools.cached_property
    def _words(self) -> frozenset[str]:
        return frozenset(w.word for w in self.words)

    @functools.cached_property
    def _terms(self) -> frozenset[str]:
        return frozenset(self.terms)


def analyze_query(query: str, vocabulary: Vocabulary) -> KeywordQuery:
    """Find each distinct word's index term, correcting typos in short queries."""
    spelled = [word for word in words_of(query) if fold(word) not in STOPWORDS]
    language = detect_language(spelled)
    languages = sorted(LANGUAGES, key=lambda name: name != language)
    counts = Counter(fold(word) for word in spelled)
    distinct = {fold(word): word for word in reversed(spelled)}
    candidates = {folded: term_candidates(distinct[folded], languages) for folded in counts}
    found = {
        folded: next((t for t in terms if t in vocabulary.ids), None)
        for folded, terms in candidates.items()
    }
    if len(counts) <= MAX_TYPO_QUERY_WORDS:
        context = [term for term in found.values() if term is not None]
        words = tuple(
            _corrected(folded, candidates[folded], languages, vocabulary, context)
            if found[folded] is None
            else QueryWord(folded, found[folded])
            for folded in counts
        )
    else:
        words = tuple(QueryWord(folded, term) for folded, term in found.items())
    weights: Counter[str] = Counter()
    for word in words:
        if word.term is not None:
            weights[word.term] += counts[word.word]
    return KeywordQuery(words, _distinctive(weights, vocabulary))


def _corrected(
    folded: str,
    stems: list[str],
    languages: list[Language],
    vocabulary: Vocabulary,
    context: list[str],
) -> QueryWord:
    """Read a word the index lacks as a typo of an indexed one, in the other words' company."""
    typos = 2 if len(folded) >= TWO_TYPOS_CHARS else 1 if len(folded) >= ONE_TYPO_CHARS else 0
    if not typos or folded.isdigit():
        return QueryWord(folded, None)
    corrected = vocabulary.correct(folded, stems, typos, languages, context=context)
    if corrected is None:
        return QueryWord(folded, None)
    term, spelled = corrected
    return QueryWord(folded, term, spelled)


def _distinctive(weights: Counter[str], vocabulary: Vocabulary) -> tuple[str, ...]:
    """Keep the MAX_QUERY_TERMS terms of most weight: query frequency times IDF."""
    if len(weights) <= MAX_QUERY_TERMS:
        return tuple(weights)
    frequency = vocabulary.document_frequency

    def weight(term: str) -> float:
        rarity = np.log1p(vocabulary.files / (1 + frequency[vocabulary.ids[term]]))
        return weights[term] * float(rarity)

    return tuple(sorted(weights, key=lambda term: (-weight(term), term))[:MAX_QUERY_TERMS])
