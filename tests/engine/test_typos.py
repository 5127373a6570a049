import numpy as np
import pytest

from search.engine.analysis import analyze_query
from search.engine.typos import Vocabulary

FILES_WITH = {
    "buckl": 50,
    "tube": 30,
    "tukey": 1,
    "heat": 80,
    "hate": 2,
    "turbul": 40,
    "languag": 60,
    "languages1": 1,
    "password": 10,
    "reset": 10,
    "marmaray": 3,
    "tunel": 3,
    "depozito": 3,
    "kirac": 3,
}
VOCABULARY = Vocabulary(
    {term: number for number, term in enumerate(FILES_WITH)},
    np.array(list(FILES_WITH.values())),
    files=100,
)


@pytest.mark.parametrize(
    ("query", "corrected", "terms"),
    [
        ("pasword reset", "password reset", ("password", "reset")),
        ("paswords", "passwords", ("password",)),  # the stem is corrected, the ending kept
        ("bucklong", "buckling", ("buckl",)),  # the typo is in what the stemmer cuts off
        ("tukes", "tubes", ("tube",)),  # one edit from both: the term in more files wins
        ("hsating", "heating", ("heat",)),
        ("lagnuages", "languages", ("languag",)),  # a transposition is one edit
        ("marmaary tunel", "marmaray tunel", ("marmaray", "tunel")),
        ("depozto kiracı", "depozito kiracı", ("depozito", "kirac")),
    ],
)
def test_a_word_the_index_lacks_is_read_as_the_likeliest_indexed_word(query, corrected, terms):
    analyzed = analyze_query(query, VOCABULARY)

    assert (analyzed.corrected_query(query), analyzed.terms) == (corrected, terms)


@pytest.mark.parametrize(
    "query",
    [
        "tubx",  # under five letters: no typo allowed
        "qqqqqqq",  # nothing near
        "12345",  # numbers are not misspelled words
    ],
)
def test_no_correction_without_a_close_enough_word(query):
    analyzed = analyze_query(query, VOCABULARY)

    assert (analyzed.corrected_query(query), analyzed.terms) == (None, ())


def test_a_long_query_is_not_corrected():
    query = " ".join(f"word{number}" for number in range(16)) + " pasword"

    assert analyze_query(query, VOCABULARY).corrected_query(query) is None


def test_a_pasted_paragraph_keeps_its_64_most_distinctive_terms():
    vocabulary = Vocabulary({f"term{n}": n for n in range(100)}, np.arange(1, 101), files=1000)
    query = " ".join(f"term{n}" for n in range(100))

    assert analyze_query(query, vocabulary).terms == tuple(f"term{n}" for n in range(64))
