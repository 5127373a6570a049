import dataclasses

from search.engine.documents import FileRecord
from search.engine.index import SearchIndex

from .factories import make_document

DOCUMENTS = [
    make_document(
        1, "/docs/guides/password_reset.md", "Reset a forgotten password from the sign in page."
    ),
    make_document(2, "/docs/reports/sales.txt", "Quarterly sales grew in every region this year."),
    make_document(3, "/docs/recipes/bread.txt", "Bake the bread until golden. Bread needs salt."),
    make_document(4, "/photos/holiday_beach.jpg", None, content_type="image/jpeg", size=2048),
]

# The tables' arrays, one .npy file each; strings are packed as UTF-8 bytes and offsets.
FILE_ARRAYS = sorted(
    "file_ids content_type_codes content_types sizes mtimes extraction_codes extraction_statuses "
    "extractor_codes extractors paths paths_offsets content_hashes content_hashes_offsets "
    "details details_offsets sorted_file_ids copy_groups copy_members copy_starts".split()
)
PASSAGE_ARRAYS = sorted(
    "rows spans keys offsets first counts pages member_codes members members_offsets".split()
)


def test_saved_index_loads_with_same_records_results_and_manifest(build, encoder, tmp_path):
    index = build(DOCUMENTS)
    index.save(tmp_path / "saved", generation=7)

    loaded = SearchIndex.load(tmp_path / "saved", encoder=encoder)

    query = encoder.encode_queries(["bread"])[0]
    assert loaded.search_semantic(query, limit=4) == index.search_semantic(query, limit=4)
    assert loaded.search_keyword("sales", limit=4) == index.search_keyword("sales", limit=4)
    assert [loaded.file_record(row) for row in range(4)] == [
        index.file_record(row) for row in range(4)
    ]
    assert [loaded.passage_text(p) for p in range(len(loaded.passages))] == [
        index.passage_text(p) for p in range(len(index.passages))
    ]
    assert loaded.manifest == index.manifest
    assert loaded.generation == 7


def test_manifest_describes_the_index(build, tmp_path):
    index = build(DOCUMENTS)
    index.save(tmp_path / "saved", generation=3)

    manifest = index.manifest

    assert manifest["format"] == 2
    assert manifest["model_id"] == "hashing-64"
    assert manifest["dimension"] == 64
    assert manifest["index_type"] == "flat"
    assert (manifest["files"], manifest["passages"], manifest["vectors"]) == (4, 7, 7)
    assert manifest["generation"] == 3
    assert manifest["built_at"].endswith("+00:00")
    assert sorted(manifest["files_sha256"]) == [
        *(f"files/{name}.npy" for name in FILE_ARRAYS),
        "keyword/data.csc.index.npy",
        "keyword/indices.csc.index.npy",
        "keyword/indptr.csc.index.npy",
        "keyword/params.index.json",
        "keyword/terms.counts.npy",
        "keyword/terms.ids.npy",
        "keyword/terms.keys.npy",
        "keyword/terms.offsets.npy",
        "keyword/vocab.index.json",
        "moments.npy",
        "passages.txt",
        *(f"passages/{name}.npy" for name in PASSAGE_ARRAYS),
        "vectors.faiss",
    ]


def test_metadata_is_kept_in_the_manifest(build, encoder, config, tmp_path):
    index = SearchIndex.build(
        DOCUMENTS,
        encoder=encoder,
        config=config,
        previous=None,
        workdir=tmp_path,
        metadata={"source": "files@42"},
    )
    index.save(tmp_path, generation=1)

    assert SearchIndex.load(tmp_path).manifest["metadata"] == {"source": "files@42"}


def test_file_records_are_sorted_by_path(build):
    index = build(DOCUMENTS)

    assert [index.file_record(row).path for row in range(4)] == sorted(d.path for d in DOCUMENTS)
    assert index.file_record(3) == FileRecord(
        file_id=4,
        path="/photos/holiday_beach.jpg",
        content_type="image/jpeg",
        size=2048,
        mtime=1_700_000_000.0,
        content_hash=DOCUMENTS[3].content_hash,
    )


def test_each_file_gets_a_name_passage_and_its_text_passages(build):
    index = build(DOCUMENTS)

    row = [index.file_record(r).file_id for r in range(4)].index(1)
    passages = index.passages.of_file(row)

    assert [index.passage_text(p) for p in passages] == [
        "docs guides password reset md",
        "Reset a forgotten password from the sign in page.",
    ]
    assert [index.passage_span(p) for p in passages] == [None, (0, 49)]


def test_passages_per_file_are_capped_including_the_name_passage(build, config):
    long_text = " ".join(f"word{i}" for i in range(1000))

    index = build([make_document(1, "/a/long.txt", long_text)])

    assert len(index.passages) == config.max_passages_per_file


def test_semantic_search_ranks_each_file_once_by_its_best_passage(build, encoder):
    text = "bread " * 30 + "unrelated filler words " * 20
    index = build([*DOCUMENTS, make_document(5, "/docs/recipes/more_bread.txt", text)])

    hits = index.search_semantic(encoder.encode_queries(["bread"])[0], limit=10, min_score=-1)

    assert len({hit.file_id for hit in hits}) == len(hits) == 5
    best = hits[0]
    assert best.file_id == 5
    assert index.passage_text(best.passage).startswith("bread bread")
    assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)


def test_semantic_search_stops_below_min_score(build, encoder):
    index = build(DOCUMENTS)
    query = encoder.encode_queries(["bread"])[0]

    hits = index.search_semantic(query, limit=10, min_score=0.3)

    assert [hit.file_id for hit in hits] == [3]


def test_keyword_search_returns_only_matching_files_best_first(build):
    index = build(DOCUMENTS)

    hits = index.search_keyword("bread password", limit=10)

    assert [hit.file_id for hit in hits] == [3, 1]
    assert hits[0].score > hits[1].score > 0


def test_keyword_search_matches_path_words_and_keywords(build):
    index = build([*DOCUMENTS, make_document(5, "/x/y/z.txt", "nothing", keywords="Invoice ACME")])

    assert [hit.file_id for hit in index.search_keyword("holiday", limit=10)] == [4]
    assert [hit.file_id for hit in index.search_keyword("acme", limit=10)] == [5]


def test_keyword_search_folds_turkish_queries(build):
    index = build([make_document(1, "/belgeler/rapor.txt", "Türkçe yıllık çalışma raporu")])

    assert [hit.file_id for hit in index.search_keyword("TURKCE CALISMA", limit=10)] == [1]


def test_keyword_search_of_stopwords_or_unknown_words_finds_nothing(build):
    index = build(DOCUMENTS)

    assert index.search_keyword("the and of", limit=10) == []
    assert index.search_keyword("zeppelin", limit=10) == []


def test_keyword_search_truncates_to_limit(build):
    index = build([make_document(i, f"/d/{i}.txt", "apple " * i) for i in range(1, 30)])

    hits = index.search_keyword("apple", limit=5)

    assert [hit.file_id for hit in hits] == [29, 28, 27, 26, 25]


def test_best_passage_of_a_keyword_hit_has_most_query_words(build):
    filler = " ".join(["lorem"] * 40)
    text = f"{filler} comet {filler} comet orbit {filler}"
    index = build([make_document(1, "/space/comet_notes.txt", text)])

    hit = index.search_keyword("comet orbit", limit=1)[0]

    assert "comet orbit" in index.passage_text(index.best_passage(hit.row, "comet orbit"))


def test_file_without_text_is_found_by_its_name(build, encoder):
    index = build(DOCUMENTS)

    hits = index.search_semantic(encoder.encode_queries(["holiday beach"])[0], limit=1)

    assert hits[0].file_id == 4
    assert index.passage_text(hits[0].passage) == "photos holiday beach jpg"


def test_empty_corpus_builds_saves_loads_and_finds_nothing(build, encoder, tmp_path):
    build([]).save(tmp_path / "empty", generation=1)

    index = SearchIndex.load(tmp_path / "empty", encoder=encoder)

    assert index.search_semantic(encoder.encode_queries(["x"])[0], limit=5) == []
    assert index.search_keyword("x", limit=5) == []
    assert index.manifest["files"] == 0


def test_progress_reports_documents_taken_then_passages_embedded(tmp_path, encoder, config):
    documents = [make_document(i, f"/d/file{i}.txt", f"text number {i}") for i in range(300)]
    seen = []

    SearchIndex.build(
        documents,
        encoder=encoder,
        config=dataclasses.replace(config, batch_size=10),
        previous=None,
        workdir=tmp_path,
        progress=lambda phase, done, total: seen.append((phase, done, total)),
    )

    # 300 content passages and 300 name passages, all distinct; 160 to a batch.
    assert seen == [
        *[("build", n, None) for n in range(1, 301)],
        ("embed", 0, 600),
        ("embed", 160, 600),
        ("embed", 320, 600),
        ("embed", 480, 600),
        ("embed", 600, 600),
    ]
