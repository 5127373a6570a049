"""Count a set of files by their type, folder, year and extraction status."""

import posixpath
from collections import Counter
from datetime import datetime, tzinfo

import numpy as np

from .table import FileTable

# Values listed per facet, the largest first; the counts of those listed are exact.
FACET_VALUES = 50

FacetCounts = list[tuple[str, int]]


def by_content_type(table: FileTable, rows: np.ndarray) -> FacetCounts:
    """Count the rows by MIME type."""
    return _by_code(table.content_type_codes[rows], table.content_types)


def by_extraction(table: FileTable, rows: np.ndarray) -> FacetCounts:
    """Count the rows by how their text extraction ended."""
    return _by_code(table.extraction_codes[rows], table.extraction_statuses)


def by_year(table: FileTable, rows: np.ndarray, zone: tzinfo) -> FacetCounts:
    """Count the rows by the year, in `zone`, they were last modified; latest year first."""
    mtimes = table.mtimes[rows]
    if not len(mtimes):
        return []
    first = datetime.fromtimestamp(float(mtimes.min()), zone).year
    last = datetime.fromtimestamp(float(mtimes.max()), zone).year
    years = range(first, last + 1)
    starts = np.array([datetime(year, 1, 1, tzinfo=zone).timestamp() for year in years[1:]])
    counts = np.bincount(np.searchsorted(starts, mtimes, side="right"), minlength=len(years))
    listed = [(str(year), int(count)) for year, count in zip(years, counts, strict=True) if count]
    return listed[::-1][:FACET_VALUES]


def by_subfolder(table: FileTable, rows: np.ndarray, within: str | None) -> FacetCounts:
    """Count the rows by the folder they are in one level below `within`.

    Without `within`, below the deepest folder that holds them all. Files directly in that
    folder are in none of its subfolders, so they are not counted.
    """
    paths = [table.paths[row] for row in rows.tolist()]
    if not paths:
        return []
    if within is None:
        within = posixpath.commonpath([posixpath.dirname(path) for path in paths])
    prefix = within.rstrip("/") + "/"
    counts: Counter[str] = Counter()
    for path in paths:
        if path.startswith(prefix) and "/" in (rest := path[len(prefix) :]):
            counts[prefix + rest.split("/", 1)[0]] += 1
    return _largest(counts.items())


def _by_code(codes: np.ndarray, names: list[str]) -> FacetCounts:
    counts = np.bincount(codes, minlength=len(names))
    return _largest((names[code], int(counts[code])) for code in np.flatnonzero(counts))


def _largest(counts) -> FacetCounts:
    return sorted(counts, key=lambda value_count: (-value_count[1], value_count[0]))[:FACET_VALUES]
