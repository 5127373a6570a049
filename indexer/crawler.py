"""Walk directory trees and report every regular file, or why an entry could not be indexed."""

from __future__ import annotations

import errno
import fnmatch
import os
import re
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from operator import attrgetter


class Reason(StrEnum):
    """Why an entry was not indexed; the values are stable codes callers may store."""

    PERMISSION_DENIED = "permission_denied"
    BROKEN_SYMLINK = "broken_symlink"
    SPECIAL_FILE = "special_file"
    SYMLINK_LOOP = "symlink_loop"
    VANISHED = "vanished"
    READ_ERROR = "read_error"
    CHANGED_DURING_READ = "changed_during_read"
    PATH_TOO_LONG = "path_too_long"


@dataclass(frozen=True, slots=True)
class FoundFile:
    """A regular file: `path` is its display and storage form, `os_path` is what to open."""

    path: str
    os_path: str
    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class CrawlProblem:
    """An entry that was not indexed; `detail` is short human text such as an OS error."""

    path: str
    reason: Reason
    detail: str


class RootError(ValueError):
    """A crawl root is missing or is not a directory."""


DEFAULT_EXCLUDES: tuple[str, ...] = (
    ".git",
    ".hg",
    ".svn",
    ".bzr",
    "node_modules",
    "__pycache__",
    "*.pyc",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    ".eggs",
    "*.egg-info",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".DS_Store",
    "Thumbs.db",
)

_SPECIAL_KINDS = {
    stat.S_IFIFO: "FIFO",
    stat.S_IFSOCK: "socket",
    stat.S_IFCHR: "character device",
    stat.S_IFBLK: "block device",
}


def display_path(os_path: str) -> str:
    """Return `os_path` as valid UTF-8, showing undecodable bytes as \\xNN escapes."""
    if os_path.isascii():
        return os_path
    return os.fsencode(os_path).decode("utf-8", "backslashreplace")


def problem_from_error(path: str, exc: OSError) -> CrawlProblem:
    """Classify an OSError raised while looking at the entry displayed as `path`."""
    if isinstance(exc, FileNotFoundError | NotADirectoryError):
        reason = Reason.VANISHED
    elif isinstance(exc, PermissionError):
        reason = Reason.PERMISSION_DENIED
    elif exc.errno == errno.ELOOP:
        reason = Reason.SYMLINK_LOOP
    else:
        reason = Reason.READ_ERROR
    return CrawlProblem(path, reason, exc.strerror or str(exc))


def walk_roots(
    roots: Sequence[str],
    *,
    excludes: Sequence[str] = (),
    follow_symlinks: bool = False,
    within: str | None = None,
) -> Iterator[FoundFile | CrawlProblem]:
    """Yield every regular file under `roots`, and a problem for each entry that can't be read.

    Each root's files come out in code point order of `path`, so callers can merge them with
    rows stored in that order. Every root is checked before anything is yielded (see
    checked_roots). `excludes` are fnmatch globs added to DEFAULT_EXCLUDES: a
    pattern without "/" matches entry names, one with "/" matches the path relative to its root
    ("/build" is only the top-level build), or to `within`, a folder the roots lie in, if given.
    Paths keep the roots' spelling: links are not resolved.
    """
    checked = checked_roots(roots)
    walker = _Walker(_exclusion_test([*DEFAULT_EXCLUDES, *excludes]), follow_symlinks)
    return walker.walk(checked, within)


def count_files(
    roots: Sequence[str], excludes: Sequence[str] = (), follow_symlinks: bool = False
) -> int:
    """Count the regular files walk_roots would find, quickly: no sorting, few stat calls.

    Close enough for a progress bar's total; unreadable folders count as empty.
    """
    excluded = _exclusion_test([*DEFAULT_EXCLUDES, *excludes])
    count = 0
    stack = [(root, "") for root in roots]
    entered: set[tuple[int, int]] = set()  # when following links, a loop must end
    while stack:
        folder, relative = stack.pop()
        try:
            if follow_symlinks:
                st = os.stat(folder)
                if (st.st_dev, st.st_ino) in entered:
                    continue
                entered.add((st.st_dev, st.st_ino))
            with os.scandir(folder) as listing:
                for entry in listing:
                    if excluded(entry.name, relative + entry.name):
                        continue
                    if entry.is_dir(follow_symlinks=follow_symlinks):
                        stack.append((entry.path, f"{relative}{entry.name}/"))
                    elif entry.is_file(follow_symlinks=follow_symlinks):
                        count += 1
        except OSError:
            continue
    return count


def checked_roots(roots: Sequence[str]) -> list[str]:
    """Return the outermost roots, made absolute; raise RootError for a missing or a non-directory.

    A root inside another (or given twice) is dropped: the outer walk covers it already.
    """
    checked = sorted({os.path.abspath(root) for root in roots})
    for path in checked:
        if not os.path.exists(path):
            raise RootError(f"Root does not exist: {display_path(path)}")
        if not os.path.isdir(path):
            raise RootError(f"Root is not a directory: {display_path(path)}")
    outermost: list[str] = []
    for path in checked:
        if not any(os.path.commonpath([outer, path]) == outer for outer in outermost):
            outermost.append(path)
    return outermost


def _exclusion_test(patterns: Sequence[str]) -> Callable[[str, str], bool]:
    """Build a test of (name, path relative to the root) against all patterns at once."""
    name_match = _any_match([p for p in patterns if "/" not in p])
    path_patterns = [p.strip("/") for p in patterns if "/" in p]
    if not path_patterns:
        return lambda name, _relative: bool(name_match(name))
    path_match = _any_match(path_patterns)
    return lambda name, relative: bool(name_match(name) or path_match(relative))


def _any_match(patterns: Sequence[str]) -> Callable[[str], re.Match[str] | None]:
    """Compile the globs into one matcher; with none, a matcher that matches nothing."""
    return re.compile("|".join(fnmatch.translate(p) for p in patterns) or "(?!)").match


def _sorted_listing(path: str) -> list[os.DirEntry[str]]:
    # Sorted, so runs are repeatable and "the first path seen wins" picks the same path each time.
    with os.scandir(path) as listing:
        return sorted(listing, key=attrgetter("name"))


def _path_order(item: FoundFile | CrawlProblem | _Dir) -> str:
    # A directory sorts as its contents do: "a.txt" < "a/x" < "a0", since "." < "/" < "0".
    return f"{item.path}/" if isinstance(item, _Dir) else item.path


@dataclass(frozen=True, slots=True)
class _Dir:
    os_path: str
    path: str
    relative: str
    key: tuple[int, int]
    # The chain of ancestors tells a link back up the tree (a loop) from a second link to a
    # directory already walked elsewhere (a duplicate, skipped silently).
    parent: _Dir | None


class _Walker:
    def __init__(self, excluded: Callable[[str, str], bool], follow_symlinks: bool) -> None:
        self._excluded = excluded
        self._follow = follow_symlinks
        # Directories are tracked in both modes: that stops overlapping roots and bind-mount
        # loops too. Files are deduplicated only when following links; otherwise every path,
        # hard links included, is a file of its own.
        self._seen_dirs: set[tuple[int, int]] = set()
        self._seen_files: set[tuple[int, int]] = set()

    def walk(self, roots: Sequence[str], within: str | None) -> Iterator[FoundFile | CrawlProblem]:
        for root in roots:
            try:
                st = os.stat(root)
            except OSError as exc:
                yield problem_from_error(display_path(root), exc)
                continue
            key = (st.st_dev, st.st_ino)
            if key not in self._seen_dirs:
                self._seen_dirs.add(key)
                relative = f"{os.path.relpath(root, within)}/" if within and within != root else ""
                yield from self._walk_tree(_Dir(root, display_path(root), relative, key, None))

    def _walk_tree(self, root: _Dir) -> Iterator[FoundFile | CrawlProblem]:
        stack: list[FoundFile | CrawlProblem | _Dir] = [root]
        while stack:
            item = stack.pop()
            if isinstance(item, _Dir):
                stack.extend(sorted(self._children(item), key=_path_order, reverse=True))
            else:
                yield item

    def _children(self, directory: _Dir) -> list[FoundFile | CrawlProblem | _Dir]:
        try:
            entries = _sorted_listing(directory.os_path)
        except OSError as exc:
            return [problem_from_error(directory.path, exc)]
        children = []
        for entry in entries:
            if not self._excluded(entry.name, directory.relative + entry.name):
                child = self._visit(entry, directory)
                if child is not None:
                    children.append(child)
        return children

    def _visit(
        self, entry: os.DirEntry[str], parent: _Dir
    ) -> FoundFile | CrawlProblem | _Dir | None:
        try:
            if entry.is_symlink() and not self._follow:
                os.stat(entry.path)  # only to report a dangling link
                return None
            st = entry.stat(follow_symlinks=self._follow)
        except OSError as exc:
            return self._stat_problem(entry, exc)
        if stat.S_ISDIR(st.st_mode):
            return self._enter(entry, parent, (st.st_dev, st.st_ino))
        if stat.S_ISREG(st.st_mode):
            return self._file(entry, st)
        kind = _SPECIAL_KINDS.get(stat.S_IFMT(st.st_mode), "not a regular file")
        return CrawlProblem(display_path(entry.path), Reason.SPECIAL_FILE, kind)

    def _stat_problem(self, entry: os.DirEntry[str], exc: OSError) -> CrawlProblem:
        path = display_path(entry.path)
        # os.path.islink, unlike DirEntry.is_symlink on some filesystems, never raises.
        if isinstance(exc, FileNotFoundError | NotADirectoryError) and os.path.islink(entry.path):
            return CrawlProblem(path, Reason.BROKEN_SYMLINK, exc.strerror or str(exc))
        return problem_from_error(path, exc)

    def _enter(
        self, entry: os.DirEntry[str], parent: _Dir, key: tuple[int, int]
    ) -> _Dir | CrawlProblem | None:
        if key not in self._seen_dirs:
            self._seen_dirs.add(key)
            path = display_path(entry.path)
            return _Dir(entry.path, path, f"{parent.relative}{entry.name}/", key, parent)
        ancestor: _Dir | None = parent
        while ancestor is not None and ancestor.key != key:
            ancestor = ancestor.parent
        if ancestor is None:
            return None
        detail = f"leads back to {ancestor.path}"
        return CrawlProblem(display_path(entry.path), Reason.SYMLINK_LOOP, detail)

    def _file(self, entry: os.DirEntry[str], st: os.stat_result) -> FoundFile | None:
        if self._follow:
            key = (st.st_dev, st.st_ino)
            if key in self._seen_files:
                return None
            self._seen_files.add(key)
        return FoundFile(display_path(entry.path), entry.path, st.st_size, st.st_mtime_ns)
