"""Start, watch, kill and check `manage.py reindex` runs: the pieces of the kill bench and tests.

    python -m bench.reindex_runs ROOT    # reindex ROOT, with the fake encoder unless told

A run is seen from outside through its lease, the stored rows and the index folder, so the
checks work on any process, whatever killed it.
"""

import hashlib
import os
import random
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORDS = (
    "alpha beta gamma delta rapor dosya istanbul şifre password network kernel printer "
    "invoice ağ sunucu yazıcı fatura toplantı notlar backup schedule"
).split()
EXIT_BUSY = 75


# --- the tree ---------------------------------------------------------------------------


def write_file(path: Path, rng: random.Random) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(" ".join(rng.choices(WORDS, k=rng.randint(20, 400))) + "\n")


def add_files(root: Path, count: int, rng: random.Random, batch: str) -> None:
    for number in range(count):
        write_file(root / batch / f"d{number // 100:03}" / f"f{number:05}.txt", rng)


def mutate(root: Path, rng: random.Random, batch: str, *, new: int, changed: int, deleted: int):
    """Add `new` files under `batch`, rewrite `changed` and delete `deleted` existing ones."""
    existing = sorted(path for path in root.rglob("*.txt"))
    picked = rng.sample(existing, min(len(existing), changed + deleted))
    for path in picked[:changed]:
        write_file(path, rng)
        os.utime(path, ns=(time.time_ns(), time.time_ns() + 1_000_000))  # a surely new mtime
    for path in picked[changed:]:
        path.unlink()
    add_files(root, new, rng, batch)


def tree_hashes(root: Path) -> dict[str, str]:
    return {
        str(path): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


# --- the reindex process ----------------------------------------------------------------


def text_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "replace"), digest_size=8).hexdigest()


def encoded_texts(log: Path) -> list[str]:
    """Return the hashes of the texts encoded since the log was last read, and clear it."""
    texts = log.read_text().split() if log.exists() else []
    log.unlink(missing_ok=True)
    return texts


def child_env(
    database_url: str, index_dir: Path, *, model: bool = False, **overrides: str
) -> dict[str, str]:
    """The environment of a reindex child; `overrides` set more variables (see child())."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DIZIN_ENV_FILE": os.devnull,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "0",
        "DATABASE_URL": database_url,
        "INDEX_DIR": str(index_dir),
        # The caller's cache, if any: without one, every run warns that the cache is per process.
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "CACHE_KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "dizin-kills"),
        "INDEX_LOCK_TIMEOUT": "5",
        "LOG_LEVEL": "WARNING",
        "DIZIN_BENCH_ENCODER": "model" if model else "fake",
        **overrides,
    }


def start_reindex(root: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bench.reindex_runs", str(root)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


class SlowHashingEncoder:
    """The fake encoder at a model's pace, noting in a file a hash of each passage it encodes.

    DIZIN_BENCH_ENCODE_SECONDS (per batch) sets the pace; DIZIN_BENCH_ENCODE_LOG, the file.
    """

    def __init__(self) -> None:
        from search.engine import HashingEncoder

        self._fake = HashingEncoder()
        self.model_id, self.dimension = self._fake.model_id, self._fake.dimension
        self._pause = float(os.environ.get("DIZIN_BENCH_ENCODE_SECONDS", "0"))
        self._log = os.environ.get("DIZIN_BENCH_ENCODE_LOG")

    def encode_queries(self, texts):
        return self._fake.encode_queries(texts)

    def encode_passages(self, texts):
        time.sleep(self._pause)
        vectors = self._fake.encode_passages(texts)
        if self._log:
            with open(self._log, "a") as log:
                log.writelines(f"{text_hash(text)}\n" for text in texts)
        return vectors


def child(root: str) -> None:
    """Run `manage.py reindex ROOT` as is, but with the fake encoder unless asked for the model.

    DIZIN_BENCH_VERBOSITY sets reindex's verbosity (0 unless given).
    """
    import django

    django.setup()
    if os.environ.get("DIZIN_BENCH_ENCODER") != "model":
        from search import factory

        factory.use_encoder(SlowHashingEncoder())
    from django.core.management import ManagementUtility

    verbosity = os.environ.get("DIZIN_BENCH_VERBOSITY", "0")
    ManagementUtility(["manage.py", "reindex", "--verbosity", verbosity, root]).execute()


def run_to_end(
    root: Path, env: dict[str, str], timeout: float = 300
) -> subprocess.CompletedProcess:
    process = start_reindex(root, env)
    stdout, stderr = process.communicate(timeout=timeout)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


# --- where a run is, seen from outside --------------------------------------------------


def published_phase(pid: int) -> str:
    """Return the phase a running reindex publishes with its lease ("" before its first)."""
    from indexer.models import ReindexLease

    lease = ReindexLease.objects.filter(owner__contains=f" pid {pid} ").first()
    return lease.phase if lease else ""


def phase(pid: int, index_dir: Path, fingerprint_before: str) -> str:
    """Tell what a running reindex is doing, from its lease, the rows and the index folder."""
    from indexer.models import ReindexLease
    from search.sources import file_index_fingerprint

    if any(index_dir.glob(f"gen-*.tmp-{pid}")):
        return "build"
    if not ReindexLease.objects.filter(owner__contains=f" pid {pid} ").exists():
        return "startup" if file_index_fingerprint() == fingerprint_before else "finishing"
    return "crawl" if file_index_fingerprint() == fingerprint_before else "database"


def kill_when(process: subprocess.Popen, ready: Callable[[], bool], timeout: float = 120) -> bool:
    """SIGKILL the process as soon as `ready()` holds; False if it ended first."""
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        if ready():
            process.send_signal(signal.SIGKILL)
            process.wait()
            return True
        time.sleep(0.001)
    process.kill()
    process.wait()
    return False


def kill_in_phase(
    process: subprocess.Popen, index_dir: Path, fingerprint_before: str, wanted: str
) -> bool:
    """SIGKILL the process the moment it is seen in phase `wanted`; False if it never was."""
    return kill_when(process, lambda: phase(process.pid, index_dir, fingerprint_before) == wanted)


# --- the checks -------------------------------------------------------------------------


def served_generation(index_dir: Path) -> int | None:
    """Return the generation CURRENT names after checking every file of it, or raise."""
    from search.engine import SearchIndex, generation_dir, read_current
    from search.engine.store import _sha256

    generation = read_current(index_dir)
    if generation is None:
        return None
    directory = generation_dir(index_dir, generation)
    index = SearchIndex.load(directory)  # raises IndexUnavailable on a missing or bad part
    for name, checksum in index.manifest["files_sha256"].items():
        if _sha256(directory / name) != checksum:
            raise AssertionError(f"generation {generation}: {name} does not match its checksum")
    return generation


def served_file_ids(index_dir: Path) -> list[int]:
    from search.engine import SearchIndex, generation_dir, read_current

    index = SearchIndex.load(generation_dir(index_dir, read_current(index_dir)))
    return sorted(int(file_id) for file_id in index.table.file_ids)


def stored_rows(root: Path) -> list[tuple[int, str, str, bool]]:
    from indexer.models import FileIndex

    return list(
        FileIndex.all_objects.filter(file_path__startswith=f"{root}/")
        .order_by("file_path")
        .values_list("id", "file_path", "content_hash", "deleted_at")
    )


def partial_problems(root: Path, before: dict[str, str], after: dict[str, str]) -> list[str]:
    """After a kill: each row is one file, alive rows hold the old or the new content."""
    rows = stored_rows(root)
    problems = [
        f"duplicate row for {path}" for path, n in Counter(r[1] for r in rows).items() if n > 1
    ]
    for _, path, content_hash, deleted_at in rows:
        if deleted_at is None and content_hash not in {before.get(path), after.get(path)}:
            problems.append(f"{path} holds neither its old nor its new content")
    return problems


def exact_problems(root: Path, index_dir: Path, tree: dict[str, str]) -> list[str]:
    """After a finished run: the rows are exactly the tree, the index exactly the rows."""
    rows = stored_rows(root)
    alive = {path: content_hash for _, path, content_hash, deleted_at in rows if deleted_at is None}
    problems = []
    if len(rows) != len({row[1] for row in rows}):
        problems.append("duplicate rows")
    if alive != tree:
        missing, extra = sorted(set(tree) - set(alive)), sorted(set(alive) - set(tree))
        wrong = sorted(path for path in set(tree) & set(alive) if tree[path] != alive[path])
        problems.append(
            f"rows differ: {len(missing)} missing, {len(extra)} extra, {len(wrong)} stale"
        )
    alive_ids = sorted(row_id for row_id, _, _, deleted_at in rows if deleted_at is None)
    if served_file_ids(index_dir) != alive_ids:
        problems.append("the served index does not hold exactly the alive rows")
    return problems


if __name__ == "__main__":
    child(sys.argv[1])
