"""An index's files in one directory, with a manifest of checksums written last."""

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from .builder import TEXTS_FILE, Parts
from .copies import CopyGroups
from .encoder import Encoder
from .keyword import KeywordIndex
from .mapped import map_array
from .passages import PassageTable, map_texts
from .semantic import VectorIndex
from .strings import PackedStrings
from .table import FileTable

# 2: the file and passage tables are folders of .npy files, each mapped, not one .npz each.
FORMAT = 2
MANIFEST = "manifest.json"
VECTORS = "vectors.faiss"
# The vectors' mean and covariance, for the similarity floor (see VectorIndex.moments).
MOMENTS = "moments.npy"
# Checked as the vectors are read: damage to them leaves keyword search serving.
_SEMANTIC = (VECTORS, MOMENTS)
FILES = "files"
PASSAGES = "passages"
KEYWORD = "keyword"
_REQUIRED = ("model_id", "dimension", "ef_search", "files_sha256")
# What a damaged file can make numpy, json or FAISS raise while reading.
_READ_ERRORS = (OSError, ValueError, KeyError, RuntimeError, EOFError)


class IndexUnavailable(Exception):
    """No usable index: `reason` says why, in words fit for a status page."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def write_parts(directory: Path, parts: Parts, texts: Path) -> None:
    """Write everything but the manifest; `texts` is the passage text file to bring along."""
    if parts.vectors is None:
        raise ValueError("an index without usable vectors cannot be saved")
    parts.vectors.save(directory / VECTORS)
    np.save(directory / MOMENTS, parts.vectors.moments, allow_pickle=False)
    _save_arrays(directory / FILES, _table_arrays(parts.table))
    _save_arrays(directory / PASSAGES, _passage_arrays(parts.passages))
    if texts.resolve() != (directory / TEXTS_FILE).resolve():
        shutil.copyfile(texts, directory / TEXTS_FILE)
    parts.keyword.save(directory / KEYWORD)


def write_manifest(directory: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """Sync the index files, then record their checksums in the manifest, atomically."""
    checksums = {}
    for path in sorted(p for p in directory.rglob("*") if p.is_file() and p.name != MANIFEST):
        checksums[path.relative_to(directory).as_posix()] = _sha256(path)
        fsync(path)
    manifest = {**manifest, "files_sha256": checksums}
    temporary = directory / f".{MANIFEST}.tmp"
    temporary.write_text(json.dumps(manifest, indent=2))
    fsync(temporary)
    os.replace(temporary, directory / MANIFEST)
    fsync(directory)
    return manifest


def read_manifest(directory: Path) -> dict[str, Any]:
    """Read and check the manifest, and that the files keyword search needs match it."""
    manifest = _parse_manifest(directory)
    for name, checksum in manifest["files_sha256"].items():
        if name not in _SEMANTIC:
            _check_file(directory, name, checksum)
    return manifest


def peek_manifest(directory: Path) -> dict[str, Any]:
    """Read the manifest without checking the files it lists."""
    return _parse_manifest(directory)


def read_parts(
    directory: Path, manifest: dict[str, Any], encoder: Encoder | None
) -> tuple[Parts, str | None]:
    """Read the parts, leaving out vectors that cannot serve `encoder` and saying why.

    Keyword search needs no vectors, so a problem with them alone does not fail the read.
    """
    try:
        table = _table(_map_arrays(directory / FILES))
        passage_table = _passages(
            _map_arrays(directory / PASSAGES), map_texts(directory / TEXTS_FILE)
        )
        keyword = KeywordIndex.load(directory / KEYWORD, files=len(table))
    except _READ_ERRORS as error:
        raise IndexUnavailable(f"index files could not be read ({error})") from error
    try:
        vectors, problem = _read_vectors(directory, manifest, encoder), None
    except IndexUnavailable as error:
        vectors, problem = None, error.reason
    return Parts(table, passage_table, vectors, keyword), problem


def _parse_manifest(directory: Path) -> dict[str, Any]:
    if not directory.is_dir():
        raise IndexUnavailable("no index has been built yet")
    try:
        manifest = json.loads((directory / MANIFEST).read_text())
    except FileNotFoundError:
        raise IndexUnavailable(f"index is incomplete ({MANIFEST} is missing)") from None
    except (OSError, ValueError) as error:
        raise IndexUnavailable(f"index manifest is unreadable ({error})") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise IndexUnavailable(f"index format {found} is not supported (expected {FORMAT})")
    missing = [key for key in _REQUIRED if key not in manifest]
    if missing:
        raise IndexUnavailable(f"index manifest is unreadable (missing {', '.join(missing)})")
    return manifest


def _check_file(directory: Path, name: str, checksum: str) -> None:
    path = directory / name
    if not path.is_file():
        raise IndexUnavailable(f"index files are incomplete ({name} is missing)")
    if _sha256(path) != checksum:
        raise IndexUnavailable(f"index files are corrupt (checksum mismatch in {name})")


def _read_vectors(
    directory: Path, manifest: dict[str, Any], encoder: Encoder | None
) -> VectorIndex:
    if encoder is not None:
        _check_model(manifest, encoder)
    for name in _SEMANTIC:
        if name in manifest["files_sha256"]:
            _check_file(directory, name, manifest["files_sha256"][name])
    try:
        moments = map_array(directory / MOMENTS)
        return VectorIndex.load(directory / VECTORS, manifest["ef_search"], moments)
    except _READ_ERRORS as error:
        raise IndexUnavailable(f"index files could not be read ({error})") from error


def _check_model(manifest: dict[str, Any], encoder: Encoder) -> None:
    built = (manifest["model_id"], manifest["dimension"])
    if built != (encoder.model_id, encoder.dimension):
        raise IndexUnavailable(
            f"index was built with model {built[0]} ({built[1]}-d) but the configured model "
            f"is {encoder.model_id} ({encoder.dimension}-d)"
        )


def _table_arrays(table: FileTable) -> dict[str, np.ndarray]:
    return {
        "file_ids": table.file_ids,
        "sorted_file_ids": table.sorted_file_ids,
        **_packed("paths", table.paths),
        "content_type_codes": table.content_type_codes,
        "content_types": np.array(table.content_types, dtype=np.str_),
        "sizes": table.sizes,
        "mtimes": table.mtimes,
        **_packed("content_hashes", table.content_hashes),
        "extraction_codes": table.extraction_codes,
        "extraction_statuses": np.array(table.extraction_statuses, dtype=np.str_),
        "extractor_codes": table.extractor_codes,
        "extractors": np.array(table.extractors, dtype=np.str_),
        **_packed("details", table.extraction_details),
        "copy_groups": table.copy_groups.groups,
        "copy_members": table.copy_groups.members,
        "copy_starts": table.copy_groups.starts,
    }


def _table(arrays: dict[str, np.ndarray]) -> FileTable:
    return FileTable(
        file_ids=arrays["file_ids"],
        sorted_file_ids=arrays["sorted_file_ids"],
        paths=_unpacked("paths", arrays),
        content_type_codes=arrays["content_type_codes"],
        content_types=arrays["content_types"].tolist(),
        sizes=arrays["sizes"],
        mtimes=arrays["mtimes"],
        content_hashes=_unpacked("content_hashes", arrays),
        extraction_codes=arrays["extraction_codes"],
        extraction_statuses=arrays["extraction_statuses"].tolist(),
        extractor_codes=arrays["extractor_codes"],
        extractors=arrays["extractors"].tolist(),
        extraction_details=_unpacked("details", arrays),
        copy_groups=CopyGroups(
            arrays["copy_groups"], arrays["copy_members"], arrays["copy_starts"]
        ),
    )


def _passage_arrays(passages: PassageTable) -> dict[str, np.ndarray]:
    return {
        "rows": passages.rows,
        "spans": passages.spans,
        "keys": passages.keys,
        "offsets": passages.offsets,
        "first": passages.first,
        "counts": passages.counts,
        "pages": passages.pages,
        "member_codes": passages.member_codes,
        **_packed("members", PackedStrings.pack(passages.members)),
    }


def _passages(arrays: dict[str, np.ndarray], texts: Any) -> PassageTable:
    return PassageTable(
        rows=arrays["rows"],
        spans=arrays["spans"],
        keys=arrays["keys"],
        offsets=arrays["offsets"],
        texts=texts,
        first=arrays["first"],
        counts=arrays["counts"],
        pages=arrays["pages"],
        member_codes=arrays["member_codes"],
        members=list(_unpacked("members", arrays)),
    )


def _packed(name: str, strings: PackedStrings) -> dict[str, np.ndarray]:
    return {name: strings.data, f"{name}_offsets": strings.offsets}


def _unpacked(name: str, arrays: dict[str, np.ndarray]) -> PackedStrings:
    return PackedStrings(arrays[name], arrays[f"{name}_offsets"])


def _save_arrays(folder: Path, arrays: dict[str, np.ndarray]) -> None:
    folder.mkdir(exist_ok=True)
    for name, array in arrays.items():
        np.save(folder / f"{name}.npy", array, allow_pickle=False)


def _map_arrays(folder: Path) -> dict[str, np.ndarray]:
    """Map a folder's arrays read-only: processes serving the index share one copy of them."""
    return {path.stem: map_array(path) for path in folder.glob("*.npy")}


def _sha256(path: Path) -> str:
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def fsync(path: Path) -> None:
    """Flush a file or directory to disk, so a crash cannot leave it half written."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
