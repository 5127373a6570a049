import pytest

from core.text import fold, normalize_query, path_words, tokenize


@pytest.mark.parametrize(
    ("spellings", "folded"),
    [
        (["türkçe", "turkce", "TÜRKÇE", "Türkçe"], "turkce"),
        (["ISTANBUL", "istanbul", "İstanbul", "İSTANBUL"], "istanbul"),
        (["ısı", "isi", "ISI", "İSİ"], "isi"),
        (["Şişli", "SISLI", "şişli"], "sisli"),
        (["Ğöü", "GOU"], "gou"),
    ],
)
def test_fold_equates_turkish_spellings(spellings, folded):
    assert {fold(spelling) for spelling in spellings} == {folded}


def test_fold_strips_accents_and_folds_case_of_other_languages():
    assert fold("Crème Brûlée Straße") == "creme brulee strasse"


def test_fold_of_a_text_matches_folding_each_word():
    words = ["İstanbul'da", "ÇALIŞMA", "Crème", "PLAIN", "Çok" + "uzun" * 10]

    assert fold(" ".join(words)) == " ".join(map(fold, words))
    assert fold(words[-1]) == "cok" + "uzun" * 10


def test_tokenize_splits_camel_case():
    assert tokenize("parseHTTPResponse") == ["parse", "http", "response"]


def test_tokenize_splits_on_underscores_dashes_dots_and_slashes():
    assert tokenize("my_file-name.v2/Report") == ["my", "file", "name", "v2", "report"]


def test_tokenize_keeps_numbers_as_tokens():
    assert tokenize("rapor 2023, Q4: 15.000 TL") == ["rapor", "2023", "q4", "15", "000", "tl"]


def test_tokenize_folds_turkish_words():
    assert tokenize("İstanbul'daki ÇalışmaPlanı") == ["istanbul", "daki", "calisma", "plani"]


def test_tokenize_of_punctuation_only_is_empty():
    assert tokenize("  -- _ ./ ") == []


def test_path_words_take_last_three_components_without_number_noise():
    path = "/home/ayse/belgeler/faturalar/2023/acmeInvoice_3f2a9c1e7b.pdf"

    assert path_words(path) == ["faturalar", "acme", "Invoice", "pdf"]


def test_path_words_are_distinct_after_folding():
    assert path_words("/srv/Rapor/rapor_RAPOR.txt") == ["srv", "Rapor", "txt"]


def test_normalize_query_folds_and_collapses_whitespace():
    assert normalize_query("  Türkçe \t RAPOR\n") == "turkce rapor"
