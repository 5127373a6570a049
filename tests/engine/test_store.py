import hashlib
import json

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


def test_missing_index_is_reported_as_not_built(tmp_path):
    assert reason_for_loading(tmp_path / "nowhere") == "no index has been built yet"


def test_flipped_byte_in_vectors_is_a_checksum_mismatch(saved):
    vectors = saved / "vectors.faiss"
    data = bytearray(vectors.read_bytes())
    data[len(data) // 2] ^= 0xFF
    vectors.write_bytes(bytes(data))

    assert reason_for_loading(saved) == (
        "index files are corrupt (checksum mismatch in vectors.faiss)"
    )


def test_missing_file_is_reported(saved):
    (saved / "passages.npz").unlink()

    assert reason_for_loading(saved) == "index files are incomplete (passages.npz is missing)"


def test_missing_manifest_is_reported_as_incomplete(saved):
    (saved / "manifest.json").unlink()

    assert reason_for_loading(saved) == "index is incomplete (manifest.json is missing)"


def test_garbled_manifest_is_reported(saved):
    (saved / "manifest.json").write_text("{not json")

    assert reason_for_loading(saved).startswith("index manifest is unreadable")


def test_manifest_without_needed_fields_is_reported(saved):
    (saved / "manifest.json").write_text(json.dumps({"format": 1}))

    assert reason_for_loading(saved) == (
        "index manifest is unreadable (missing model_id, dimension, ef_search, files_sha256)"
    )


def test_other_format_is_refused(saved):
    manifest = json.loads((saved / "manifest.json").read_text())
    (saved / "manifest.json").write_text(json.dumps({**manifest, "format": 2}))

    assert reason_for_loading(saved) == "index format 2 is not supported (expected 1)"


def test_index_of_another_model_is_refused(saved):
    reason = reason_for_loading(saved, encoder=HashingEncoder(dimension=32))

    assert reason == (
        "index was built with model hashing-64 (64-d) but the configured model is hashing-32 (32-d)"
    )


def test_undecodable_file_with_matching_checksum_is_unavailable_not_a_crash(saved):
    manifest = json.loads((saved / "manifest.json").read_text())
    (saved / "vectors.faiss").write_bytes(b"not a faiss index")
    manifest["files_sha256"]["vectors.faiss"] = hashlib.sha256(b"not a faiss index").hexdigest()
    (saved / "manifest.json").write_text(json.dumps(manifest))

    assert reason_for_loading(saved).startswith("index files could not be read")
