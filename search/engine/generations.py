"""Numbered index generations under one directory, and the CURRENT pointer between them.

A build writes `gen-NNNNNN.tmp-<pid>`, renames it `gen-NNNNNN` once saved, then replaces
CURRENT. A build that fails or is killed never touches CURRENT, so servers keep the
generation they have; its leftovers are removed by the next build.
"""

import contextlib
import fcntl
import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

from .index import SearchIndex
from .store import fsync

CURRENT = "CURRENT"
KEEP = 2
_LOCK = ".build.lock"
_NAME = re.compile(r"gen-(\d{6,})(?:\.tmp-(\d+))?")
_POINTER_SCRATCH = re.compile(rf"\.{CURRENT}\.tmp-(\d+)")


def generation_dir(index_dir: Path, generation: int) -> Path:
    return index_dir / f"gen-{generation:06d}"


def read_current(index_dir: Path) -> int | None:
    """Return the generation CURRENT points to, or None if there is none yet."""
    try:
        return int((index_dir / CURRENT).read_text())
    except (FileNotFoundError, ValueError):
        return None


def write_generation(index_dir: Path, build: Callable[[Path], SearchIndex]) -> int:
    """Build a new generation in a scratch directory, then make it current; return it.

    `build` gets the directory to stream its files to and returns the index to save there.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    with _exclusive(index_dir):
        generation = max(_finished(index_dir), default=0) + 1
        workdir = index_dir / f"gen-{generation:06d}.tmp-{os.getpid()}"
        workdir.mkdir()
        try:
            build(workdir).save(workdir, generation=generation)
            workdir.rename(generation_dir(index_dir, generation))
        except BaseException:
            shutil.rmtree(workdir, ignore_errors=True)
            raise
        _point_to(index_dir, generation)
        _prune(index_dir)
    return generation


@contextlib.contextmanager
def _exclusive(index_dir: Path) -> Iterator[None]:
    """Hold the build lock: two builds at once would pick the same generation number."""
    with (index_dir / _LOCK).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _finished(index_dir: Path) -> list[int]:
    return [
        int(match[1])
        for match in map(_NAME.fullmatch, os.listdir(index_dir))
        if match and match[2] is None
    ]


def _point_to(index_dir: Path, generation: int) -> None:
    """Replace CURRENT atomically and durably, so it always names a complete generation."""
    temporary = index_dir / f".{CURRENT}.tmp-{os.getpid()}"
    with temporary.open("w") as stream:
        stream.write(f"{generation}\n")
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temporary, index_dir / CURRENT)
    fsync(index_dir)


def _prune(index_dir: Path) -> None:
    """Remove all but the newest generations, and what dead builds left half written."""
    keep = sorted(_finished(index_dir))[-KEEP:]
    for name in os.listdir(index_dir):
        pointer = _POINTER_SCRATCH.fullmatch(name)
        if pointer and not _alive(int(pointer[1])):
            # A build killed while replacing CURRENT; CURRENT itself is intact.
            (index_dir / name).unlink(missing_ok=True)
        match = _NAME.fullmatch(name)
        if not match:
            continue
        building = match[2] is not None
        if (building and not _alive(int(match[2]))) or (not building and int(match[1]) < keep[0]):
            shutil.rmtree(index_dir / name, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, but another user's
        pass
    return True
