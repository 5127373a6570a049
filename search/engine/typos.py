"""The index's vocabulary, and the word a query most likely meant where it has a typo."""

import functools
import string
from collections.abc import Callable, Iterator, Mapping, Sequence

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from core.analysis import TURKISH, Language, stemmer
from core.text import fold

# Indexed words are folded: these are all the letters a correction can need.
_ALPHABET = string.ascii_lowercase + string.digits
MIN_TERM_CHARS = 3


Postings = Callable[[str], np.ndarray]


class Vocabulary:
    """The indexed terms (stems), in how many files each occurs, and which files."""

    def __init__(
        self,
        ids: Mapping[str, int],
        document_frequency: np.ndarray,
        files: int,
        postings: Postings | None = None,
    ) -> None:
        self.ids = ids
        self.document_frequency = document_frequency
        self.files = files
        self._postings = postings

    def correct(
        self,
        word: str,
        stems: Sequence[str],
        typos: int,
        languages: Sequence[Language],
        *,
        context: Sequence[str] = (),
    ) -> tuple[str, str] | None:
        """Return the term a misspelled word most likely meant, and that word spelled right.

        The word is compared with the terms, its stems with the terms (`paswords` →
        `password`), and its one-edit variants' stems with the terms, for typos in what the
        stemmer cuts off (`bucklong` → `buckling`). Fewest edits win (a transposition is one),
        then the term in most files that hold the query's other terms (`ablation hsating`
        reads `heating`, not `hating`), then the term in most files. A term under half the
        word (or stem) it was matched with is the stem of another, shorter word (`soinc` is
        not `so` + `ing`).
        """
        # (edits, term, how well the spelling shows a word: 0 best, spelling, what was matched)
        options = [(d, term, 2, term, word) for d, term in self._near(word, typos)]
        for stem in stems:
            suffix = word[len(stem) :] if word.startswith(stem) else ""
            options += [(d, term, 1, term + suffix, stem) for d, term in self._near(stem, typos)]
        # Variants are stemmed in the query's language only: Turkish suffixes cut from English
        # words leave stems of other words (`simplsin` to `simpl`).
        options += [
            (1, term, 0, variant, variant)
            for variant, term in self._one_edit_away(word, languages[:1])
        ]
        options = [o for o in options if len(o[1]) >= max(MIN_TERM_CHARS, len(o[4]) // 2)]
        if not options:
            return None
        company = self._company(context)
        edits, term, *_ = min(
            options, key=lambda o: (o[0], -company(o[1]), -self._files_with(o[1]), o)
        )
        # Spelled as a word where a variant shows one: `boundary`, not the stem `boundari`.
        spelled = min(o[2:4] for o in options if o[:2] == (edits, term))[1]
        return term, spelled

    def _company(self, context: Sequence[str]) -> Callable[[str], int]:
        """Count, for a term, the files that hold it and one of the context's terms."""
        if not context or self._postings is None:
            return lambda term: 0
        holding = np.zeros(self.files, dtype=bool)
        for term in context:
            holding[self._postings(term)] = True
        postings = self._postings
        return lambda term: int(np.count_nonzero(holding[postings(term)]))

    def _files_with(self, term: str) -> int:
        return int(self.document_frequency[self.ids[term]])

    def _near(self, word: str, typos: int) -> list[tuple[int, str]]:
        """Return the terms within `typos` edits of `word`, with their distance."""
        found = []
        for length in range(len(word) - typos, len(word) + typos + 1):
            matches = process.extract(
                word,
                self._by_length.get(length, []),
                scorer=OSA.distance,
                score_cutoff=typos,
                limit=None,
            )
            found += [(int(distance), term) for term, distance, _ in matches]
        return found

    def _one_edit_away(self, word: str, languages: Sequence[Language]) -> Iterator[tuple[str, str]]:
        """Yield the one-edit variants of `word` whose stem is indexed, with that stem."""
        variants = sorted(_edits(word))
        for language in languages:
            # Each variant is stemmed once: cached, hundreds a word filled 2 MiB per thread.
            stems = stemmer(language, cached=False).stemWords(variants)
            for variant, stem in zip(variants, stems, strict=True):
                term = fold(stem) if language == TURKISH else stem
                if term in self.ids:
                    yield variant, term

    @functools.cached_property
    def _by_length(self) -> dict[int, list[str]]:
        buckets: dict[int, list[str]] = {}
        for term in self.ids:
            buckets.setdefault(len(term), []).append(term)
        return buckets


def _edits(word: str) -> set[str]:
    """Return the words one deletion, transposition, substitution or insertion away."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deleted = {left + right[1:] for left, right in splits if right}
    transposed = {
        left + right[1] + right[0] + right[2:] for left, right in splits if len(right) > 1
    }
    substituted = {left + c + right[1:] for left, right in splits if right for c in _ALPHABET}
    inserted = {left + c + right for left, right in splits for c in _ALPHABET}
    return (deleted | transposed | substituted | inserted) - {word}
