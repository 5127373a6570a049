import pytest

from search.engine.passages import split_passages

WINDOWS = {"words": 200, "overlap": 40, "max_passages": 64}


def words_of(text, spans):
    return [text[start:stop].split() for start, stop in spans]


def test_passages_are_the_fewest_even_windows_that_overlap():
    text = " ".join(f"w{i}" for i in range(500))

    windows = words_of(text, split_passages(text, **WINDOWS))

    assert [(window[0], window[-1], len(window)) for window in windows] == [
        ("w0", "w193", 194),
        ("w153", "w346", 194),
        ("w306", "w499", 194),
    ]


def test_a_text_just_over_a_window_is_halved_not_given_a_short_tail():
    text = " ".join(f"w{i}" for i in range(210))

    windows = words_of(text, split_passages(text, **WINDOWS))

    assert [(window[0], window[-1], len(window)) for window in windows] == [
        ("w0", "w124", 125),
        ("w85", "w209", 125),
    ]


def test_a_text_that_fills_whole_windows_exactly_gets_them():
    text = " ".join(f"w{i}" for i in range(360))

    windows = words_of(text, split_passages(text, **WINDOWS))

    assert [(window[0], window[-1], len(window)) for window in windows] == [
        ("w0", "w199", 200),
        ("w160", "w359", 200),
    ]


def test_short_text_is_one_passage_without_surrounding_whitespace():
    text = "\n  a short  text \n"

    assert [text[start:stop] for start, stop in split_passages(text, **WINDOWS)] == [
        "a short  text"
    ]


def test_whitespace_only_text_has_no_passages():
    assert split_passages(" \n\t ", **WINDOWS) == []


def test_passages_are_capped():
    text = " ".join(["word"] * 10_000)

    spans = split_passages(text, words=10, overlap=2, max_passages=3)

    assert [len(words) for words in words_of(text, spans)] == [10, 10, 10]
    assert spans[-1][0] == len("word ") * 16


def test_overlap_must_be_below_words():
    with pytest.raises(ValueError, match="overlap"):
        split_passages("a b c", words=5, overlap=5, max_passages=64)
