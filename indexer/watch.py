"""Which folders a batch of file changes asks to sync: as few as cover them all.

No Django: search.watching feeds in the paths watchfiles reports and syncs what comes out.
"""

import os
import stat
from collections.abc import Iterable, Sequence

from indexer.crawler import DEFAULT_EXCLUDES, _exclusion_test

# Past this many folders in one root, their deepest common ancestor is synced instead: each
# folder of a run costs a query of its stored rows, and checked_roots compares every pair.
SPREAD_FOLDERS = 32


def root_of(path: str, roots: Sequence[str]) -> str | None:
    """Return the deepest of the absolute `roots` that `path` is or lies under, or None."""
    holding = [
        root for root in roots if path == root or path.startswith(root.rstrip(os.sep) + os.sep)
    ]
    return max(holding, key=len, default=None)


class ChangeFilter:
    """Tell which changes a sync would see: under a root, not excluded, not one of `ignored`.

    `ignored` are Dizin's own folders and files (the index, an SQLite database): a run writes
    them, so a change there must not start another run.
    """

    def __init__(
        self, roots: Sequence[str], excludes: Sequence[str], ignored: Sequence[str] = ()
    ) -> None:
        self._roots = roots
        self._excluded = _exclusion_test([*DEFAULT_EXCLUDES, *excludes])
        self._ignored = [os.path.abspath(path) for path in ignored]

    def __call__(self, change: object, path: str) -> bool:
        root = root_of(path, self._roots)
        if root is None or path == root or root_of(path, self._ignored) is not None:
            return False
        parts = os.path.relpath(path, root).split(os.sep)
        # The crawler never enters an excluded folder, so anything under one is excluded too.
        return not any(
            self._excluded(name, "/".join(parts[: depth + 1])) for depth, name in enumerate(parts)
        )


def folders_covering(paths: Iterable[str], roots: Sequence[str]) -> set[str]:
    """Return, for each path, the deepest real folder at or above it within its root.

    So a changed path that is a folder now is synced whole; a file, from its folder; a
    deleted path (or a pending folder since deleted), from its nearest ancestor still there.
    Links are never crossed: a sync through one would index what it points to under its name.
    """
    known: dict[str, bool] = {}
    folders = set()
    for path in paths:
        root = root_of(path, roots)
        if root is None:
            continue
        folder = root
        for name in os.path.relpath(path, root).split(os.sep) if path != root else ():
            candidate = os.path.join(folder, name)
            if candidate not in known:
                known[candidate] = _real_folder(candidate)
            if not known[candidate]:
                break
            folder = candidate
        folders.add(folder)
    return folders


def fewest_folders(
    folders: Iterable[str], roots: Sequence[str], *, limit: int = SPREAD_FOLDERS
) -> list[str]:
    """Return the folders without those inside another, sorted; in a root with more than
    `limit` of them, their deepest common ancestor instead."""
    outermost: dict[str, list[str]] = {}
    # With a separator appended, a folder sorts right before everything inside it.
    for folder in sorted({path.rstrip(os.sep) + os.sep for path in folders}):
        root = root_of(folder.rstrip(os.sep), roots)
        if root is None:
            continue
        kept = outermost.setdefault(root, [])
        if not kept or not folder.startswith(kept[-1]):
            kept.append(folder)
    fewest = []
    for kept in outermost.values():
        paths = [folder.rstrip(os.sep) for folder in kept]
        fewest += [os.path.commonpath(paths)] if len(paths) > limit else paths
    return sorted(fewest)


def _real_folder(path: str) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False
