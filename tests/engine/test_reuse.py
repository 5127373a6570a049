import json

from search.engine import builder
from search.engine.encoder import HashingEncoder
from search.engine.index import SearchIndex

from .factories import make_document

WORDS = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima".split()


def corpus():
    """Twenty files of a name passage and three text passages, every passage distinct."""
    return [
        make_document(i, f"/corpus/topic{i}/notes.txt", " ".join(f"{w}{i}" for w in WORDS * 4))
        for i in range(20)
    ]


def test_rebuild_of_unchanged_documents_encodes_nothing(build, encoder):
    first = build(corpus())
    encoder.encoded_count = 0

    second = build(corpus(), previous=first)

    assert encoder.encoded_count == 0
    assert second.manifest["encoded_passages"] == 0
    query = encoder.encode_queries(["echo7 golf7"])[0]
    assert second.search_semantic(query, limit=3) == first.search_semantic(query, limit=3)


def test_moved_file_encodes_only_its_new_name_passage(build, encoder):
    documents = corpus()
    first = build(documents)
    moved = make_document(0, "/archive/old/notes_2019.txt", documents[0].text)
    encoder.encoded_count = 0

    second = build([moved, *documents[1:]], previous=first)

    assert encoder.encoded_count == 1
    hits = second.search_semantic(encoder.encode_queries([documents[0].text])[0], limit=1)
    assert second.file_record(hits[0].row).path == "/archive/old/notes_2019.txt"


def test_copied_file_reuses_the_vectors_of_its_original(build, encoder):
    documents = corpus()
    first = build(documents)
    copy = make_document(99, "/corpus/topic3/notes (copy).txt", documents[3].text)
    encoder.encoded_count = 0

    build([*documents, copy], previous=first)

    assert encoder.encoded_count == 1


def test_edited_file_encodes_only_passages_whose_text_changed(build, encoder):
    documents = corpus()
    first = build(documents)
    edited = make_document(5, documents[5].path, documents[5].text + " appendix")
    encoder.encoded_count = 0

    build([*documents[:5], edited, *documents[6:]], previous=first)

    assert encoder.encoded_count == 1


def test_identical_passages_are_encoded_once(build, encoder):
    text = "the same words in every file of this corpus"

    index = build([make_document(i, f"/same/{i}.txt", text) for i in range(10)])

    assert index.passage_text(0) == "same txt"
    assert encoder.encoded_count == 2


def test_index_of_another_model_is_not_reused(build, encoder):
    first = build(corpus())
    other = HashingEncoder(dimension=32)

    second = build(corpus(), previous=first, encoder=other)

    assert other.encoded_count == second.manifest["passages"] == 80
    assert second.manifest["dimension"] == 32
    assert second.manifest["tokenized_files"] == 0


def keyword_hits(index, queries=("alpha3", "zulu5", "archive", "bravo7 charlie8", "delta1")):
    return {
        query: [(hit.file_id, hit.score) for hit in index.search_keyword(query, limit=50)]
        for query in queries
    }


def test_rebuild_of_unchanged_documents_tokenizes_nothing(build):
    first = build(corpus())

    second = build(corpus(), previous=first)

    assert second.manifest["tokenized_files"] == 0
    assert keyword_hits(second) == keyword_hits(first)


def test_only_changed_files_are_tokenized_and_all_rank_as_in_a_fresh_build(build):
    documents = corpus()
    first = build(documents)
    changed = [
        make_document(0, "/archive/notes_2019.txt", documents[0].text),
        make_document(5, documents[5].path, documents[5].text + " zulu5"),
        *documents[6:],
        make_document(99, "/new/file.txt", "alpha3 and some brand new words"),
    ]

    second = build(changed, previous=first)

    fresh = build(changed)
    assert second.manifest["tokenized_files"] == 3
    assert keyword_hits(second) == keyword_hits(fresh)
    # Terms that only the deleted files had are gone, and the rest are numbered alike.
    assert second._keyword.file_terms.vocabulary == fresh._keyword.file_terms.vocabulary


def test_term_counts_are_reused_from_a_saved_index(build, encoder, tmp_path):
    build(corpus()).save(tmp_path / "saved", generation=1)
    first = SearchIndex.load(tmp_path / "saved", encoder=encoder)

    second = build(corpus(), previous=first)

    assert second.manifest["tokenized_files"] == 0
    assert keyword_hits(second) == keyword_hits(first)


def test_index_saved_without_term_counts_is_tokenized_again(build, encoder, tmp_path):
    saved = tmp_path / "saved"
    build(corpus()).save(saved, generation=1)
    manifest = json.loads((saved / "manifest.json").read_text())
    for path in (saved / "keyword").glob("terms.*"):
        path.unlink()
        del manifest["files_sha256"][f"keyword/{path.name}"]
    (saved / "manifest.json").write_text(json.dumps(manifest))
    first = SearchIndex.load(saved, encoder=encoder)

    second = build(corpus(), previous=first)

    assert second.manifest["tokenized_files"] == 20
    assert keyword_hits(second) == keyword_hits(first)


def test_new_tokenizer_version_tokenizes_every_file_again(build, monkeypatch):
    first = build(corpus())
    monkeypatch.setattr(builder, "TOKENIZER_VERSION", builder.TOKENIZER_VERSION + 1)

    second = build(corpus(), previous=first)

    assert second.manifest["tokenized_files"] == 20


def test_a_build_with_more_to_embed_than_allowed_defers_it_and_no_query_reaches_those(
    build, encoder
):
    encoder.encoded_count = 0

    deferred = build(corpus(), defer_over=10)

    assert encoder.encoded_count == 0
    assert deferred.manifest["deferred_passages"] == 80
    assert deferred.manifest["encoded_passages"] == 0
    assert set(deferred.passages.keys.tolist()) == {builder.NO_VECTOR}
    query = encoder.encode_queries(["echo7 golf7"])[0]
    assert deferred.search_semantic(query, limit=3, min_score=1e-6) == []
    assert deferred.search_keyword("echo7", limit=3)[0].file_id == 7


def test_the_build_after_a_deferred_one_embeds_everything_and_reuses_none_of_its_zeros(
    build, encoder
):
    deferred = build(corpus(), defer_over=10)
    full = build(corpus())
    encoder.encoded_count = 0

    after = build(corpus(), previous=deferred)

    assert encoder.encoded_count == 80
    assert after.manifest["deferred_passages"] == 0
    query = encoder.encode_queries(["echo7 golf7"])[0]
    assert after.search_semantic(query, limit=3) == full.search_semantic(query, limit=3)
