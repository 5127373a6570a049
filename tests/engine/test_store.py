import hashlib
import json
import shutil

import pytest

from search.engine.encoder import HashingEncoder
from search.engine.index import SearchIndex
from search.engine.store import IndexUnavailable

from .factories import make_document


@pytest.fixture
def saved(build, tmp_path):
    """A saved index of three files."""
    directory = tmp_path / "saved"
    build([make_document(i, f"/d/f{i}.txt", f"text {i}") for i in range(3)]).save(
        directory, generation=1
    )
    return directory


def reason_for_loading(directory, encoder=None):
    with pytest.raises(IndexUnavailable) as raised:
        SearchIndex.load(directory, encoder=encoder)
    return raised.value.reason


def flip_a_byte(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def replace_keeping_checksum(directory, name, data):
    """Overwrite a file and record its new checksum, as if it had been saved that way."""
    manifest = json.loads((directory / "manifest.json").read_text())
    (directory / name).write_bytes(data)
    manifest["files_sha256"][name] = hashlib.sha256(data).hexdigest()
    (directory / "manifest.json").write_text(json.dumps(manifest))


def keyword_only(directory, encoder=None):
    """Load an index whose vectors cannot be used; return why, once keyword search works."""
    index = SearchIndex.load(directory, encoder=encoder)
    assert [hit.file_id for hit in index.search_keyword("text 2", limit=1)] == [2]
    return index.semantic_problem


def test_missing_index_is_reported_as_not_built(tmp_path):
    assert reason_for_loading(tmp_path / "nowhere") == "no index has been built yet"


def test_sound_index_has_no_semantic_problem(saved, encoder):
    assert SearchIndex.load(saved, encoder=encoder).semantic_problem is None


def test_flipped_byte_in_vectors_leaves_keyword_search_only(saved):
    flip_a_byte(saved / "vectors.faiss")

    assert keyword_only(saved) == "index files are corrupt (checksum mismatch in vectors.faiss)"


def test_index_without_usable_vectors_cannot_be_saved(saved, tmp_path):
    flip_a_byte(saved / "vectors.faiss")
    index = SearchIndex.load(saved)

    with pytest.raises(ValueError, match="without usable vectors"):
        index.save(tmp_path / "copy", generation=2)


def test_flipped_byte_in_the_vectors_moments_leaves_keyword_search_only(saved):
    flip_a_byte(saved / "moments.npy")

    assert keyword_only(saved) == "index files are corrupt (checksum mismatch in moments.npy)"


def test_missing_vectors_leave_keyword_search_only(saved):
    (saved / "vectors.faiss").unlink()

    assert keyword_only(saved) == "index files are incomplete (vectors.faiss is missing)"


def test_flipped_byte_in_keyword_files_is_a_checksum_mismatch(saved):
    flip_a_byte(saved / "keyword" / "terms.ids.npy")

    assert reason_for_loading(saved) == (
        "index files are corrupt (checksum mismatch in keyword/terms.ids.npy)"
    )


def test_missing_file_is_reported(saved):
    (saved / "passages" / "rows.npy").unlink()

    assert reason_for_loading(saved) == "index files are incomplete (passages/rows.npy is missing)"


def test_missing_manifest_is_reported_as_incomplete(saved):
    (saved / "manifest.json").unlink()

    assert reason_for_loading(saved) == "index is incomplete (manifest.json is missing)"


def test_garbled_manifest_is_reported(saved):
    (saved / "manifest.json").write_text("{not json")

    assert reason_for_loading(saved).startswith("index manifest is unreadable")


def test_manifest_without_needed_fields_is_reported(saved):
    (saved / "manifest.json").write_text(json.dumps({"format": 2}))

    assert reason_for_loading(saved) == (
        "index manifest is unreadable (missing model_id, dimension, ef_search, files_sha256)"
    )


def test_other_format_is_refused(saved):
    manifest = json.loads((saved / "manifest.json").read_text())
    (saved / "manifest.json").write_text(json.dumps({**manifest, "format": 3}))

    assert reason_for_loading(saved) == "index format 3 is not supported (expected 2)"


def test_index_of_format_1_with_its_npz_tables_is_refused(saved):
    """Format 1 kept each table in one .npz file, read into every process's memory."""
    manifest = json.loads((saved / "manifest.json").read_text())
    checksums = {
        **{name: digest for name, digest in manifest["files_sha256"].items() if "/" not in name},
        "files.npz": "0" * 64,
        "passages.npz": "0" * 64,
    }
    for table in ("files", "passages"):
        shutil.rmtree(saved / table)
        (saved / f"{table}.npz").write_bytes(b"PK\x05\x06" + bytes(18))
    (saved / "manifest.json").write_text(
        json.dumps({**manifest, "format": 1, "files_sha256": checksums})
    )

    assert reason_for_loading(saved) == "index format 1 is not supported (expected 2)"


def test_index_of_another_model_serves_keyword_search_only(saved):
    assert keyword_only(saved, encoder=HashingEncoder(dimension=32)) == (
        "index was built with model hashing-64 (64-d) but the configured model is hashing-32 (32-d)"
    )


def test_undecodable_vectors_with_matching_checksum_leave_keyword_search_only(saved):
    replace_keeping_checksum(saved, "vectors.faiss", b"not a faiss index")

    assert keyword_only(saved).startswith("index files could not be read")


def test_undecodable_file_with_matching_checksum_is_unavailable_not_a_crash(saved):
    replace_keeping_checksum(saved, "files/paths.npy", b"not a numpy array")

    assert reason_for_loading(saved).startswith("index files could not be read")
