import re

import pytest

from search.engine.analysis import KeywordQuery, QueryWord
from search.engine.snippets import snippet

from .factories import make_document


def words(terms: set[str]) -> KeywordQuery:
    """Return a query that searched for each of the folded terms as it is."""
    return KeywordQuery(tuple(QueryWord(term, term) for term in sorted(terms)), tuple(terms))


def test_matched_words_are_marked_whatever_their_case_and_accents():
    html = snippet("Türkçe raporu ISTANBUL ofisine gönder", words({"turkce", "istanbul"}))

    assert html == "<mark>Türkçe</mark> raporu <mark>ISTANBUL</mark> ofisine gönder"


def test_text_is_html_escaped_around_the_marks():
    html = snippet('<b class="x">Tom & Jerry</b> password', words({"password"}))

    assert html == ("&lt;b class=&quot;x&quot;&gt;Tom &amp; Jerry&lt;/b&gt; <mark>password</mark>")


def test_window_is_cut_between_words_around_the_first_match_with_ellipses():
    text = (
        " ".join(f"w{i}" for i in range(100)) + " needle " + " ".join(f"v{i}" for i in range(100))
    )

    html = snippet(text, words({"needle"}), max_chars=40)

    assert html == "…w98 w99 <mark>needle</mark> v0 v1 v2 v3 v4 v5 v6 v7…"


def test_without_a_match_the_snippet_is_the_start_of_the_text():
    html = snippet("first second\nthird   fourth fifth", words({"absent"}), max_chars=20)

    assert html == "first second third…"


def test_whole_short_text_has_no_ellipses():
    assert snippet("short text", words({"text"})) == "short <mark>text</mark>"


def test_index_snippet_marks_query_words_but_not_stopwords(build):
    index = build([make_document(1, "/d/a.txt", "The reset of the password is in the menu")])

    html = index.snippet(1, "the password reset")

    assert html == "The <mark>reset</mark> of the <mark>password</mark> is in the menu"


@pytest.mark.parametrize(
    ("text", "terms", "marked"),
    [
        ("parseHTTPResponse and getHTTP2Data", {"http"}, ["HTTP"]),
        ("İSTANBUL, istanbul ve Istanbul", {"istanbul"}, ["İSTANBUL", "istanbul", "Istanbul"]),
        # ß folds to two letters and a decomposed é loses its mark: offsets move.
        (
            "Straße cafe\u0301 STRASSE café",
            {"strasse", "cafe"},
            ["Straße", "cafe", "STRASSE", "café"],
        ),
        # A word that stems to a term is marked; one that merely holds it is not.
        ("flows overflow flow", {"flow"}, ["flows", "flow"]),
    ],
)
def test_only_whole_words_that_fold_or_stem_to_a_term_are_marked(text, terms, marked):
    assert re.findall("<mark>(.*?)</mark>", snippet(text, words(terms))) == marked
