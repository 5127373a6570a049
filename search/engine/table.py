"""The file table: per-file columns sorted by path, and the filters over them."""

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from core.text import fold

from .copies import CopyGroups
from .documents import Document, FileFilter, FileRecord
from .strings import PackedStrings


@dataclass(frozen=True, eq=False)
class FileTable:
    """Columns of the indexed files, one row per file, rows in path order."""

    file_ids: np.ndarray  # int64
    sorted_file_ids: np.ndarray  # int64, file_ids sorted: which files the table holds
    paths: PackedStrings
    content_type_codes: np.ndarray  # int32, into content_types
    content_types: list[str]
    sizes: np.ndarray  # int64
    mtimes: np.ndarray  # float64
    content_hashes: PackedStrings
    extraction_codes: np.ndarray  # int8, into extraction_statuses
    extraction_statuses: list[str]
    extractor_codes: np.ndarray  # int32, into extractors
    extractors: list[str]
    extraction_details: PackedStrings
    copy_groups: CopyGroups
    # Folder masks, by folders: the same access scope is asked for again and again.
    _folder_masks: "KeptArrays" = field(
        default_factory=lambda: KeptArrays(), init=False, repr=False
    )

    def __len__(self) -> int:
        return len(self.paths)

    def record(self, row: int) -> FileRecord:
        return FileRecord(
            file_id=int(self.file_ids[row]),
            path=self.paths[row],
            content_type=self.content_types[self.content_type_codes[row]],
            size=int(self.sizes[row]),
            mtime=float(self.mtimes[row]),
            content_hash=self.content_hashes[row],
            extraction=self.extraction_statuses[self.extraction_codes[row]],
            extractor=self.extractors[self.extractor_codes[row]],
            extraction_detail=self.extraction_details[row],
        )

    def holds(self, file_ids: np.ndarray) -> np.ndarray:
        """Tell, for each of `file_ids`, whether the table has that file."""
        known = self.sorted_file_ids
        if not len(known):
            return np.zeros(len(file_ids), dtype=bool)
        positions = np.searchsorted(known, file_ids).clip(max=len(known) - 1)
        return known[positions] == file_ids

    def with_path_containing(self, folded: str) -> np.ndarray:
        """Return the ids of the files whose folded path holds `folded`."""
        return self.file_ids[[row for row, path in enumerate(self._folded_paths) if folded in path]]

    @cached_property
    def _folded_paths(self) -> list[str]:
        return [fold(path) for path in self.paths]

    def copy_group(self, row: int) -> str | None:
        """Name the content the row shares with other files; None if it has no copies."""
        return self.content_hashes[row] if self.copy_groups.group(row) >= 0 else None

    def copies(self, row: int) -> tuple[int, ...]:
        """Return the rows of the other files with the same content, in path order."""
        return self.copy_groups.others(row)

    def mask(self, file_filter: FileFilter | None) -> np.ndarray | None:
        """Return which rows pass the filter, or None when it lets every row pass.

        The mask may be shared and read-only (a folder mask kept for reuse): never change it.
        """
        if file_filter is None or file_filter == FileFilter():
            return None
        parts = []
        if file_filter.allowed_prefixes is not None:
            parts.append(self.within(file_filter.allowed_prefixes))
        if file_filter.path_prefix is not None:
            parts.append(self.within((file_filter.path_prefix,)))
        if file_filter.content_type is not None:
            parts.append(
                np.isin(self.content_type_codes, self._type_codes(file_filter.content_type))
            )
        if file_filter.extraction is not None:
            codes = [
                i for i, s in enumerate(self.extraction_statuses) if s in file_filter.extraction
            ]
            parts.append(np.isin(self.extraction_codes, codes))
        parts += _bounds(self.mtimes, file_filter.mtime_from, file_filter.mtime_to)
        parts += _bounds(self.sizes, file_filter.min_size, file_filter.max_size)
        if file_filter.exclude_file_ids:
            excluded = np.fromiter(file_filter.exclude_file_ids, dtype=np.int64)
            parts.append(~np.isin(self.file_ids, excluded))
        mask = parts[0] if len(parts) == 1 else np.logical_and.reduce(parts)
        # No mask at all spares the searches a selector that would reject nothing.
        return None if mask.all() else mask

    def within(self, prefixes: Sequence[str]) -> np.ndarray:
        """Select the directories `prefixes` and everything below them, in O(log n) each.

        The mask is kept, read-only, for the next search within the same directories.
        """
        return self._folder_masks.get(tuple(prefixes), lambda: self._within(prefixes))

    def _within(self, prefixes: Sequence[str]) -> np.ndarray:
        mask = np.zeros(len(self), dtype=bool)
        for prefix in prefixes:
            directory = prefix.rstrip("/")
            mask[bisect_left(self.paths, directory) : bisect_right(self.paths, directory)] = True
            # Paths below the directory sort between "dir/" and "dir0", "0" being "/" + 1.
            start = bisect_left(self.paths, directory + "/")
            mask[start : bisect_left(self.paths, directory + "0", lo=start)] = True
        return mask

    def _type_codes(self, content_type: str) -> list[int]:
        if "/" in content_type:
            return [i for i, name in enumerate(self.content_types) if name == content_type]
        top = content_type + "/"
        return [i for i, name in enumerate(self.content_types) if name.startswith(top)]


class KeptArrays:
    """A few computed arrays kept read-only for reuse; all forgotten when the room runs out."""

    ROOM = 32

    def __init__(self) -> None:
        self._arrays: dict[Hashable, np.ndarray] = {}

    def get(self, key: Hashable, compute: Callable[[], np.ndarray]) -> np.ndarray:
        found = self._arrays.get(key)
        if found is None:
            found = compute()
            found.flags.writeable = False
            if len(self._arrays) >= self.ROOM:
                self._arrays.clear()
            self._arrays[key] = found
        return found


def _bounds(column: np.ndarray, low: float | None, high: float | None) -> list[np.ndarray]:
    return [
        *([column >= low] if low is not None else []),
        *([column <= high] if high is not None else []),
    ]


def build_table(files: Sequence[Document]) -> tuple[FileTable, np.ndarray]:
    """Build the table of `files` in path order; also return the input index of each row."""
    order = sorted(range(len(files)), key=lambda i: files[i].path)
    rows = [files[i] for i in order]
    types, type_codes = _categories([file.content_type for file in rows], np.int32)
    statuses, status_codes = _categories([file.extraction for file in rows], np.int8)
    extractors, extractor_codes = _categories([file.extractor for file in rows], np.int32)
    file_ids = np.array([file.file_id for file in rows], dtype=np.int64)
    sizes = np.array([file.size for file in rows], dtype=np.int64)
    hashes = PackedStrings.pack(file.content_hash for file in rows)
    table = FileTable(
        file_ids=file_ids,
        sorted_file_ids=np.sort(file_ids),
        paths=PackedStrings.pack(file.path for file in rows),
        content_type_codes=type_codes,
        content_types=types,
        sizes=sizes,
        mtimes=np.array([file.mtime for file in rows], dtype=np.float64),
        content_hashes=hashes,
        extraction_codes=status_codes,
        extraction_statuses=statuses,
        extractor_codes=extractor_codes,
        extractors=extractors,
        extraction_details=PackedStrings.pack(file.extraction_detail for file in rows),
        copy_groups=CopyGroups.find(hashes, sizes),
    )
    return table, np.array(order, dtype=np.int64)


def _categories(values: list[str], dtype: type) -> tuple[list[str], np.ndarray]:
    """Return the distinct values, sorted, and each value's index among them."""
    names = sorted(set(values)) or [""]
    codes = {name: code for code, name in enumerate(names)}
    return names, np.array([codes[value] for value in values], dtype=dtype)
