import contextlib
import errno
import os
import socket
import sys

import pytest

from indexer.crawler import (
    DEFAULT_EXCLUDES,
    CrawlProblem,
    FoundFile,
    Reason,
    RootError,
    checked_roots,
    walk_roots,
)


def walk(*roots, **options):
    return list(walk_roots([str(root) for root in roots], **options))


def test_nested_files_are_yielded_in_path_order(make_files, found):
    root = make_files({"b.txt": "b", "a/z.txt": "z", "a/deep/er/x.md": "x", "c/y.txt": "y"})

    assert walk(root) == [
        found(root / "a/deep/er/x.md"),
        found(root / "a/z.txt"),
        found(root / "b.txt"),
        found(root / "c/y.txt"),
    ]


def test_directory_contents_sort_among_siblings_as_whole_paths_do(make_files):
    root = make_files({"a0.txt": "", "a/x.txt": "", "a.txt": "", "a-b.txt": ""})

    paths = [file.path for file in walk(root)]

    assert paths == [f"{root}/{name}" for name in ("a-b.txt", "a.txt", "a/x.txt", "a0.txt")]
    assert paths == sorted(paths)


def test_undecodable_names_sort_by_their_escaped_form(tmp_path):
    for name in (b"cafz.txt", b"caf\xe9.txt"):
        with open(os.path.join(os.fsencode(tmp_path), name), "wb"):
            pass

    assert [file.path for file in walk(tmp_path)] == [
        f"{tmp_path}/caf\\xe9.txt",
        f"{tmp_path}/cafz.txt",
    ]


def test_zero_byte_file_is_yielded_like_any_other(make_files):
    root = make_files({"empty": b""})

    [empty] = walk(root)

    assert (empty.path, empty.size) == (f"{root}/empty", 0)


def test_relative_root_is_made_absolute(make_files, found, monkeypatch):
    root = make_files({"sub/a.txt": "a"})
    monkeypatch.chdir(root / "sub")

    assert walk(".") == [found(root / "sub/a.txt")]


@pytest.fixture
def deep_tree(tmp_path):
    """Nest directories deeper than the recursion limit; remove them without recursing too."""
    levels = [tmp_path]
    for _ in range(sys.getrecursionlimit() + 100):
        levels.append(levels[-1] / "d")
        levels[-1].mkdir()
    (levels[-1] / "bottom.txt").write_text("found me")
    yield levels[-1]
    (levels[-1] / "bottom.txt").unlink()
    for level in reversed(levels[1:]):
        level.rmdir()


def test_tree_deeper_than_the_recursion_limit_is_walked(tmp_path, deep_tree, found):
    assert walk(tmp_path) == [found(deep_tree / "bottom.txt")]


def test_default_excludes_skip_vcs_cache_and_os_clutter(make_files, found):
    root = make_files(
        {
            ".git/config": "x",
            "node_modules/left-pad/index.js": "x",
            "pkg/__pycache__/m.cpython-311.pyc": "x",
            "pkg/.DS_Store": "x",
            ".venv/lib/site.py": "x",
            "pkg/m.py": "x",
        }
    )

    assert walk(root) == [found(root / "pkg/m.py")]
    assert {".git", "node_modules", "__pycache__", ".venv", ".DS_Store"} <= set(DEFAULT_EXCLUDES)


def test_name_glob_excludes_matching_entries_at_any_depth(make_files, found):
    root = make_files({"app.log": "x", "a/b/debug.log": "x", "a/b/keep.txt": "x"})

    assert walk(root, excludes=["*.log"]) == [found(root / "a/b/keep.txt")]


def test_relative_path_glob_excludes_only_that_subtree(make_files, found):
    root = make_files(
        {"build/tmp/x.o": "x", "build/out/app": "x", "src/build/tmp/y.txt": "y", "docs/a.md": "a"}
    )

    assert walk(root, excludes=["build/tmp"]) == [
        found(root / "build/out/app"),
        found(root / "docs/a.md"),
        found(root / "src/build/tmp/y.txt"),
    ]


def test_leading_slash_anchors_a_glob_to_the_root(make_files, found):
    root = make_files({"build/app": "x", "src/build/lib.py": "y"})

    assert walk(root, excludes=["/build"]) == [found(root / "src/build/lib.py")]


def test_relative_path_glob_may_use_wildcards(make_files, found):
    root = make_files({"data/2023/a.csv": "a", "data/2024/b.csv": "b", "data/notes.txt": "n"})

    assert walk(root, excludes=["data/*/*.csv"]) == [found(root / "data/notes.txt")]


def test_unreadable_directory_is_reported_and_the_walk_goes_on(make_files, found, fail_os_call):
    root = make_files({"locked/secret.txt": "s", "open/a.txt": "a"})
    fail_os_call("scandir", root / "locked", PermissionError(errno.EACCES, "Permission denied"))

    assert walk(root) == [
        CrawlProblem(f"{root}/locked", Reason.PERMISSION_DENIED, "Permission denied"),
        found(root / "open/a.txt"),
    ]


def test_unreadable_root_is_reported_not_raised(make_files, fail_os_call):
    root = make_files({"a.txt": "a"})
    fail_os_call("scandir", root, PermissionError(errno.EACCES, "Permission denied"))

    assert walk(root) == [CrawlProblem(str(root), Reason.PERMISSION_DENIED, "Permission denied")]


def test_file_vanishing_between_listing_and_stat_is_reported(make_files, found, monkeypatch):
    root = make_files({"gone.txt": "g", "kept.txt": "k"})
    real_scandir = os.scandir

    def list_then_delete(path):
        with real_scandir(path) as listing:
            entries = list(listing)
        (root / "gone.txt").unlink()
        return contextlib.nullcontext(entries)

    monkeypatch.setattr(os, "scandir", list_then_delete)

    assert walk(root) == [
        CrawlProblem(f"{root}/gone.txt", Reason.VANISHED, "No such file or directory"),
        found(root / "kept.txt"),
    ]


def test_symlinks_are_skipped_but_dangling_ones_are_reported(make_files, found):
    root = make_files({"real.txt": "r", "dir/inner.txt": "i"})
    (root / "dangling").symlink_to(root / "missing.txt")
    (root / "file-link").symlink_to(root / "real.txt")
    (root / "dir-link").symlink_to(root / "dir")

    assert walk(root) == [
        CrawlProblem(f"{root}/dangling", Reason.BROKEN_SYMLINK, "No such file or directory"),
        found(root / "dir/inner.txt"),
        found(root / "real.txt"),
    ]


def test_followed_links_reach_files_and_directories_outside_the_root(make_files, found):
    base = make_files({"outside/file.txt": "f", "outside/dir/inner.txt": "i", "root/own.txt": "o"})
    root = base / "root"
    (root / "file-link.txt").symlink_to(base / "outside/file.txt")
    (root / "dir-link").symlink_to(base / "outside/dir")

    assert walk(root, follow_symlinks=True) == [
        found(root / "dir-link/inner.txt"),
        found(root / "file-link.txt"),
        found(root / "own.txt"),
    ]


def test_dangling_link_is_reported_when_following(tmp_path):
    (tmp_path / "dangling").symlink_to(tmp_path / "missing")

    assert walk(tmp_path, follow_symlinks=True) == [
        CrawlProblem(f"{tmp_path}/dangling", Reason.BROKEN_SYMLINK, "No such file or directory")
    ]


def test_symlink_loop_is_reported_once_when_following(make_files, found):
    root = make_files({"a/b/f.txt": "f"})
    (root / "a/b/up").symlink_to(root / "a")

    assert walk(root, follow_symlinks=True) == [
        found(root / "a/b/f.txt"),
        CrawlProblem(f"{root}/a/b/up", Reason.SYMLINK_LOOP, f"leads back to {root}/a"),
    ]


def test_self_referencing_link_is_reported_as_a_loop(tmp_path):
    (tmp_path / "self").symlink_to(tmp_path / "self")

    assert walk(tmp_path, follow_symlinks=True) == [
        CrawlProblem(f"{tmp_path}/self", Reason.SYMLINK_LOOP, "Too many levels of symbolic links")
    ]


def test_file_reached_twice_through_links_is_indexed_once_first_path_wins(make_files, found):
    root = make_files({"real.txt": "r", "dir/inner.txt": "i"})
    (root / "alias.txt").symlink_to(root / "real.txt")
    (root / "sibling").symlink_to(root / "dir")

    assert walk(root, follow_symlinks=True) == [
        found(root / "alias.txt"),
        found(root / "dir/inner.txt"),
    ]


def test_overlapping_roots_yield_each_file_once(make_files, found):
    root = make_files({"a.txt": "a", "sub/b.txt": "b"})

    assert walk(root, root / "sub", root) == [found(root / "a.txt"), found(root / "sub/b.txt")]


def test_fifo_is_reported_and_never_opened(tmp_path, collect_within):
    os.mkfifo(tmp_path / "pipe")

    # Opening a FIFO blocks until a writer appears, so a walk that opens it never finishes.
    problems = collect_within(lambda: walk(tmp_path), 10)

    assert problems == [CrawlProblem(f"{tmp_path}/pipe", Reason.SPECIAL_FILE, "FIFO")]


def test_unix_socket_is_reported_as_a_special_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # socket paths are limited to ~108 bytes
    with socket.socket(socket.AF_UNIX) as server:
        server.bind("server.sock")

        assert walk(tmp_path) == [
            CrawlProblem(f"{tmp_path}/server.sock", Reason.SPECIAL_FILE, "socket")
        ]


def test_non_utf8_name_is_shown_escaped_and_opened_by_its_os_path(tmp_path):
    raw = os.path.join(os.fsencode(tmp_path), b"caf\xe9.txt")
    with open(raw, "wb") as file:
        file.write(b"menu")

    [cafe] = walk(tmp_path)

    assert cafe == FoundFile(
        f"{tmp_path}/caf\\xe9.txt", os.fsdecode(raw), 4, os.stat(raw).st_mtime_ns
    )
    with open(cafe.os_path, "rb") as file:
        assert file.read() == b"menu"


def test_turkish_name_is_kept_exactly(make_files):
    root = make_files({"çalışma_dosyası.py": "print('merhaba')\n"})

    [file] = walk(root)

    assert (file.path, file.os_path) == (f"{root}/çalışma_dosyası.py",) * 2


def test_missing_root_raises_before_anything_is_yielded(tmp_path):
    with pytest.raises(RootError) as raised:
        walk_roots([str(tmp_path), str(tmp_path / "missing")])

    assert str(raised.value) == f"Root does not exist: {tmp_path}/missing"


def test_root_that_is_a_file_raises(make_files):
    root = make_files({"file.txt": "x"})

    with pytest.raises(RootError) as raised:
        walk_roots([str(root / "file.txt")])

    assert str(raised.value) == f"Root is not a directory: {root}/file.txt"
    assert isinstance(raised.value, ValueError)


def test_roots_inside_other_roots_and_duplicates_are_walked_once(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "ab").mkdir()

    roots = checked_roots([f"{tmp_path}/a/b", f"{tmp_path}/ab", f"{tmp_path}/a", f"{tmp_path}/a/"])

    assert roots == [f"{tmp_path}/a", f"{tmp_path}/ab"]
