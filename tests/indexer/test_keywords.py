from indexer.keywords import search_keywords

TEXT = "Zeta beta zeta BETA İstanbul istanbul ISTANBUL the 42 ab gamma"


def test_keywords_are_path_words_then_the_most_frequent_terms_in_their_first_spelling():
    assert search_keywords("/r/notes/plan.txt", TEXT) == "r notes plan txt İstanbul Zeta beta gamma"


def test_keywords_keep_only_the_requested_number_of_terms_ties_in_order_of_appearance():
    assert search_keywords("/r/notes/plan.txt", TEXT, terms=2) == "r notes plan txt İstanbul Zeta"


def test_a_file_without_text_is_known_by_its_path_alone():
    assert search_keywords("/r/notes/plan.txt", None) == "r notes plan txt"
