import dataclasses

import numpy as np
import pytest

from search.engine import semantic
from search.engine.documents import FileFilter

from .factories import make_document

SCATTERED = {i * 13 for i in range(37)}


def corpus():
    """500 reports; the 37 scattered PDFs among them are the ones the filters pick."""
    return [
        make_document(
            i,
            f"/reports/r{i:03d}.txt",
            f"quarterly report {i} " + " ".join(f"figure{i * 7 + j}" for j in range(30)),
            content_type="application/pdf" if i in SCATTERED else "text/plain",
        )
        for i in range(500)
    ]


@pytest.fixture
def hnsw_config(config):
    return dataclasses.replace(config, hnsw_threshold=1)


def semantic_ids(index, encoder, query, file_filter, limit):
    vector = encoder.encode_queries([query])[0]
    mask = index.table.mask(file_filter)
    return {
        hit.file_id for hit in index.search_semantic(vector, mask=mask, limit=limit, min_score=-1)
    }


def test_filter_allowing_few_scattered_files_returns_every_one_of_them(build, encoder):
    index = build(corpus())
    pdfs = FileFilter(content_type="application/pdf")

    assert semantic_ids(index, encoder, "quarterly report", pdfs, limit=100) == SCATTERED
    hits = index.search_keyword("quarterly report", mask=index.table.mask(pdfs), limit=100)
    assert {hit.file_id for hit in hits} == SCATTERED


def test_hnsw_filter_returns_every_allowed_file(build, encoder, hnsw_config):
    index = build(corpus(), config=hnsw_config)

    ids = semantic_ids(index, encoder, "report", FileFilter(content_type="application/pdf"), 100)

    assert index.manifest["index_type"] == "hnsw"
    assert ids == SCATTERED


def test_filtered_hnsw_search_falls_back_to_exact_when_it_misses(
    build, encoder, hnsw_config, monkeypatch
):
    index = build(corpus(), config=hnsw_config)
    monkeypatch.setattr(semantic, "EXACT_SCAN_LIMIT", 0)

    ids = semantic_ids(index, encoder, "report", FileFilter(content_type="application/pdf"), 100)

    assert ids == SCATTERED


def test_search_goes_deeper_when_few_files_hold_all_the_best_passages(build, encoder):
    crowding = [make_document(i, f"/bread/b{i}.txt", "bread " * 200) for i in range(10)]
    others = [make_document(10 + i, f"/misc/m{i}.txt", f"bread and item{i}") for i in range(5)]
    index = build(crowding + others)

    hits = index.search_semantic(encoder.encode_queries(["bread"])[0], limit=12)

    assert len(index.passages) > 64
    assert len({hit.file_id for hit in hits}) == 12


@pytest.mark.parametrize(
    ("file_filter", "expected"),
    [
        (FileFilter(content_type="text/markdown"), {2}),
        (FileFilter(content_type="text"), {1, 2}),
        (FileFilter(content_type="image"), {3, 4, 5}),
        (FileFilter(content_type="image/png"), set()),
        (FileFilter(mtime_from=200.0), {2, 3, 4, 5}),
        (FileFilter(mtime_to=200.0), {1, 2}),
        (FileFilter(mtime_from=200.0, mtime_to=300.0), {2, 3}),
        (FileFilter(min_size=20), {2, 3, 4, 5}),
        (FileFilter(max_size=20), {1, 2}),
        (FileFilter(min_size=20, max_size=30), {2, 3}),
        (FileFilter(path_prefix="/a/b"), {1, 2}),
        (FileFilter(path_prefix="/a/b/"), {1, 2}),
        (FileFilter(path_prefix="/a/b/x.txt"), {1}),
        (FileFilter(path_prefix="/a"), {1, 2, 3, 4, 5}),
        (FileFilter(path_prefix="/"), {1, 2, 3, 4, 5}),
        (FileFilter(path_prefix="/a/bc"), {3}),
        (FileFilter(path_prefix="/a/zzz"), set()),
        (FileFilter(exclude_file_ids=frozenset({1, 4})), {2, 3, 5}),
        (FileFilter(content_type="image", path_prefix="/a/b-x"), {4}),
    ],
)
def test_filter_selects_matching_files(build, file_filter, expected):
    index = build(
        [
            make_document(1, "/a/b/x.txt", mtime=100.0, size=10),
            make_document(2, "/a/b/y/z.md", content_type="text/markdown", mtime=200.0, size=20),
            make_document(3, "/a/bc", content_type="image/jpeg", mtime=300.0, size=30),
            make_document(4, "/a/b-x/p.jpg", content_type="image/jpeg", mtime=400.0, size=40),
            make_document(5, "/a/b.png.jpg", content_type="image/jpeg", mtime=500.0, size=50),
        ]
    )

    mask = index.table.mask(file_filter)

    passing = index.table.file_ids if mask is None else index.table.file_ids[mask]
    assert set(passing.tolist()) == expected


def test_a_filter_every_file_passes_needs_no_mask(build):
    index = build([make_document(1, "/a/x.txt"), make_document(2, "/b/y.txt")])

    assert index.table.mask(FileFilter(allowed_prefixes=("/a", "/b"), min_size=1)) is None


def test_empty_filter_masks_nothing(build):
    index = build([make_document(1, "/a.txt")])

    assert index.table.mask(FileFilter()) is None
    assert index.table.mask(None) is None


def test_path_prefix_filter_sees_paths_sorting_between_dir_and_its_children(build):
    paths = ["/a/b", "/a/b!", "/a/b-x/1", "/a/b.d/2", "/a/b/3", "/a/b0", "/a/bz"]
    index = build([make_document(i, path) for i, path in enumerate(paths)])

    mask = index.table.mask(FileFilter(path_prefix="/a/b"))

    assert list(np.array(index.table.paths)[mask]) == ["/a/b", "/a/b/3"]


def test_folder_masks_are_kept_read_only_for_the_next_search_within_them(build):
    index = build([make_document(1, "/a/x.txt"), make_document(2, "/b/y.txt")])
    within_a = FileFilter(allowed_prefixes=("/a",))

    first = index.table.mask(within_a)

    assert index.table.mask(within_a) is first
    assert (first.tolist(), first.flags.writeable) == ([True, False], False)
