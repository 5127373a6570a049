"""An index's files in one directory, with a manifest of checksums written last."""

import hashlib
import itertools
import json
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from .builder import TEXTS_FILE, Parts
from .encoder import Encoder
from .keyword import KeywordIndex
from .passages import PassageTable, map_texts
from .semantic import VectorIndex
from .table import FileTable

FORMAT = 1
MANIFEST = "manifest.json"
VECTORS = "vectors.faiss"
FILES = "files.npz"
PASSAGES = "passages.npz"
KEYWORD = "keyword"
_REQUIRED = ("model_id", "dimension", "ef_search", "files_sha256")
# What a damaged file can make numpy, zipfile, json, FAISS or bm25s raise while reading.
_READ_ERRORS = (OSError, ValueError, KeyError, RuntimeError, EOFError, zipfile.BadZipFile)


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
        if name != VECTORS:
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
        with np.load(directory / FILES) as files, np.load(directory / PASSAGES) as passages:
            table = _table(files)
            passage_table = _passages(passages, map_texts(directory / TEXTS_FILE))
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
    if VECTORS in manifest["files_sha256"]:
        _check_file(directory, VECTORS, manifest["files_sha256"][VECTORS])
    try:
        return VectorIndex.load(directory / VECTORS, ef_search=manifest["ef_search"])
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
    paths, path_offsets = _pack(table.paths)
    hashes, hash_offsets = _pack(table.content_hashes)
    return {
        "file_ids": table.file_ids,
        "paths": paths,
        "path_offsets": path_offsets,
        "content_type_codes": table.content_type_codes,
        "content_types": np.array(table.content_types, dtype=np.str_),
        "sizes": table.sizes,
        "mtimes": table.mtimes,
        "content_hashes": hashes,
        "content_hash_offsets": hash_offsets,
        "extraction_codes": table.extraction_codes,
        "extraction_statuses": np.array(table.extraction_statuses, dtype=np.str_),
        "extractor_codes": table.extractor_codes,
        "extractors": np.array(table.extractors, dtype=np.str_),
        **dict(zip(("details", "detail_offsets"), _pack(table.extraction_details), strict=True)),
    }


def _table(arrays: Any) -> FileTable:
    return FileTable(
        file_ids=arrays["file_ids"],
        paths=_unpack(arrays["paths"], arrays["path_offsets"]),
        content_type_codes=arrays["content_type_codes"],
        content_types=arrays["content_types"].tolist(),
        sizes=arrays["sizes"],
        mtimes=arrays["mtimes"],
        content_hashes=_unpack(arrays["content_hashes"], arrays["content_hash_offsets"]),
        **_extraction_columns(arrays),
    )


def _extraction_columns(arrays: Any) -> dict[str, Any]:
    """Read the extraction columns; an index built before they existed says "ok" for all."""
    count = len(arrays["file_ids"])
    if "extraction_codes" not in arrays:
        codes = np.zeros(count, dtype=np.int8)
        return {
            "extraction_codes": codes,
            "extraction_statuses": ["ok"],
            "extractor_codes": codes.astype(np.int32),
            "extractors": [""],
            "extraction_details": [""] * count,
        }
    return {
        "extraction_codes": arrays["extraction_codes"],
        "extraction_statuses": arrays["extraction_statuses"].tolist(),
        "extractor_codes": arrays["extractor_codes"],
        "extractors": arrays["extractors"].tolist(),
        "extraction_details": _unpack(arrays["details"], arrays["detail_offsets"]),
    }


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
        **dict(zip(("members", "member_offsets"), _pack(passages.members), strict=True)),
    }


def _passages(arrays: Any, texts: Any) -> PassageTable:
    return PassageTable(
        rows=arrays["rows"],
        spans=arrays["spans"],
        keys=arrays["keys"],
        offsets=arrays["offsets"],
        texts=texts,
        first=arrays["first"],
        counts=arrays["counts"],
        **_location_columns(arrays),
    )


def _location_columns(arrays: Any) -> dict[str, Any]:
    """Read where passages came from; an index built before locations has none."""
    if "pages" not in arrays:
        count = len(arrays["rows"])
        return {
            "pages": np.zeros(count, dtype=np.int32),
            "member_codes": np.full(count, -1, dtype=np.int32),
            "members": [],
        }
    return {
        "pages": arrays["pages"],
        "member_codes": arrays["member_codes"],
        "members": _unpack(arrays["members"], arrays["member_offsets"]),
    }


def _pack(strings: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Store strings as one UTF-8 array plus character offsets, far smaller than fixed width."""
    data = "".join(strings).encode("utf-8", "surrogatepass")
    offsets = np.cumsum([0, *map(len, strings)], dtype=np.int64)
    return np.frombuffer(data, dtype=np.uint8), offsets


def _unpack(data: np.ndarray, offsets: np.ndarray) -> list[str]:
    text = data.tobytes().decode("utf-8", "surrogatepass")
    bounds = offsets.tolist()
    return [text[start:stop] for start, stop in itertools.pairwise(bounds)]


def _save_arrays(path: Path, arrays: dict[str, np.ndarray]) -> None:
    with path.open("wb") as stream:
        np.savez(stream, allow_pickle=False, **arrays)


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
