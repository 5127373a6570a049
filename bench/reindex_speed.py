"""How fast is reindex next to a plain walk of the same tree?

    python -m bench.reindex_speed [--files 100000] [--database-url postgres://...]

Builds a synthetic tree, then prints in one run: a plain os.walk + stat of it, reading and
hashing every file (one process), the first reindex (its rate as a share of reading and
hashing), and a second reindex over the unchanged tree (quiet, then with progress lines,
which count the tree too) against the walk, each as seconds and files/second. The walk and
the no-change reindexes are medians of three runs.
"""

import argparse
import hashlib
import io
import os
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench.django_setup import throwaway_django

WORDS = "alpha beta gamma delta rapor dosya istanbul şifre password network kernel".split()


def build_tree(root: Path, files: int, per_dir: int = 100) -> None:
    rng = random.Random(7)
    for n in range(files):
        directory = root / f"d{n // per_dir // 100:03}" / f"s{n // per_dir:05}"
        if n % per_dir == 0:
            directory.mkdir(parents=True)
        text = " ".join(rng.choices(WORDS, k=rng.randint(5, 60)))
        (directory / f"file_{n}.txt").write_text(f"{n} {text}\n")


def plain_walk(root: Path) -> int:
    count = 0
    for directory, _, names in os.walk(root):
        for name in names:
            os.stat(os.path.join(directory, name))
            count += 1
    return count


def read_and_hash(root: Path) -> int:
    count = 0
    for directory, _, names in os.walk(root):
        for name in names:
            with open(os.path.join(directory, name), "rb") as file:
                hashlib.sha256(file.read()).digest()
            count += 1
    return count


def timed(
    label: str, action, files: int, baseline: float | None, against: str = "walk", runs: int = 1
) -> float:
    """Print the median of `runs` timings of `action` beside `baseline`; return it."""
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    seconds = statistics.median(timings)
    if baseline is None:
        ratio = "  baseline"
    elif against == "walk":
        ratio = f"{seconds / baseline:6.2f}x walk"
    else:  # a rate against a rate: the goal for the first reindex is a share of read + hash
        ratio = f"{baseline / seconds:6.2f}x the rate of {against}"
    print(f"{label:<22}{seconds:9.2f} s{files / seconds:12.0f} files/s   {ratio}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--database-url", help="default: SQLite in a temp dir")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="dizin-tree-"))
    try:
        build_tree(root, args.files)
        plain_walk(root)  # warm the page cache so every figure below starts equal
        with throwaway_django(args.database_url):
            from django.core.management import call_command
            from django.db import connection

            def reindex(verbosity: int = 0) -> None:
                call_command(
                    "reindex",
                    str(root),
                    "--no-semantic",
                    verbosity=verbosity,
                    stdout=io.StringIO(),
                    stderr=io.StringIO(),
                )

            print(f"{args.files} files, database {connection.vendor}")
            # The quick ones are medians of three: one run of about a second swung by a tenth.
            walk = timed("os.walk + stat", lambda: plain_walk(root), args.files, None, runs=3)
            hashed = timed("read + sha256", lambda: read_and_hash(root), args.files, None)
            timed("first reindex", reindex, args.files, hashed, against="read + sha256")
            timed("no-change reindex", reindex, args.files, walk, runs=3)
            # Progress lines on, as when output goes to a log: the crawl also asks its total.
            timed("  with progress lines", lambda: reindex(1), args.files, walk, runs=3)
    finally:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
