"""What a reindex killed at the worst moment leaves in the index folder is cleaned up."""

import os
import subprocess
import sys
from pathlib import Path

from search.engine.config import EngineConfig
from search.engine.documents import Document
from search.engine.encoder import HashingEncoder
from search.engine.generations import read_current, write_generation
from search.engine.index import SearchIndex


def build(index_dir: Path, text: str) -> int:
    config = EngineConfig(index_dir=index_dir, model_path="unused", check_interval=0.0)
    document = Document(1, "/a.txt", "text/plain", 1, 0.0, "h" * 64, text, "a")

    def make(workdir: Path) -> SearchIndex:
        return SearchIndex.build(
            [document], encoder=HashingEncoder(), config=config, previous=None, workdir=workdir
        )

    return write_generation(index_dir, make)


def dead_pid() -> int:
    return int(
        subprocess.run(
            [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True
        ).stdout
    )


def test_pointer_scratch_of_a_build_killed_while_swapping_is_removed(tmp_path: Path):
    index_dir = tmp_path / "index"
    build(index_dir, "first")
    leftover = index_dir / f".CURRENT.tmp-{dead_pid()}"
    leftover.write_text("2")  # killed after writing, before the rename
    running = index_dir / f".CURRENT.tmp-{os.getppid()}"
    running.write_text("2")

    assert build(index_dir, "second") == 2

    assert read_current(index_dir) == 2
    assert not leftover.exists()
    assert running.exists()  # a live process's file is its own business
