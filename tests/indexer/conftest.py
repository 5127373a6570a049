"""Fixtures for the crawler and reader tests, which work on real files in tmp dirs."""

import functools
import hashlib
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from indexer.crawler import FoundFile, display_path
from indexer.reader import ReadResult, read_files


@pytest.fixture
def make_files(tmp_path: Path) -> Callable[[dict[str, bytes | str]], Path]:
    """Return a function that writes {relative path: content} under tmp_path and returns it."""

    def make(files: dict[str, bytes | str]) -> Path:
        for relative, content in files.items():
            path = tmp_path / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content.encode() if isinstance(content, str) else content)
        return tmp_path

    return make


@pytest.fixture
def found() -> Callable[[Path | str], FoundFile]:
    """Return a function that describes an existing file as the crawler would."""

    def describe(path: Path | str) -> FoundFile:
        st = os.stat(path)
        return FoundFile(display_path(str(path)), str(path), st.st_size, st.st_mtime_ns)

    return describe


@pytest.fixture
def read_one(found: Callable[[Path | str], FoundFile]) -> Callable[..., Any]:
    """Return a function that reads one existing file and returns its only result."""

    def read(path: Path | str, **options: Any) -> ReadResult:
        [result] = read_files([found(path)], **options)
        return result

    return read


@pytest.fixture
def fail_os_call(monkeypatch: pytest.MonkeyPatch) -> Callable[[str, Path, OSError], None]:
    """Return a function that makes os.<name>(path, ...) raise `error` for that one path.

    Tests run as root, whom chmod cannot lock out, so denied access is simulated this way.
    """

    def fail(name: str, path: Path, error: OSError) -> None:
        real = getattr(os, name)

        def failing(target: Any, *args: Any, **kwargs: Any) -> Any:
            if os.fspath(target) == str(path):
                raise error
            return real(target, *args, **kwargs)

        monkeypatch.setattr(os, name, failing)

    return fail


@pytest.fixture
def collect_within() -> Callable[[Callable[[], Iterable[Any]], float], list[Any]]:
    """Return a function that collects an iterable in a thread, failing if it blocks."""

    def collect(make: Callable[[], Iterable[Any]], seconds: float = 10) -> list[Any]:
        items: list[Any] = []
        worker = threading.Thread(target=lambda: items.extend(make()), daemon=True)
        worker.start()
        worker.join(seconds)
        assert not worker.is_alive(), f"still blocked after {seconds} s"
        return items

    return collect


FIVE_GIB = 5 * 1024**3


@functools.cache
def _sha256_of_zeros(size: int) -> str:
    digest = hashlib.sha256()
    block = bytes(1 << 20)
    for _ in range(size // len(block)):
        digest.update(block)
    return digest.hexdigest()


@pytest.fixture
def sparse_five_gib(tmp_path: Path) -> tuple[Path, str]:
    """Create a sparse 5 GiB file (it costs no disk); return its path and expected SHA-256."""
    path = tmp_path / "sparse.img"
    with open(path, "wb") as sparse:
        sparse.truncate(FIVE_GIB)
    return path, _sha256_of_zeros(FIVE_GIB)
