"""Kill `manage.py reindex` with SIGKILL at random moments, run it again, and check nothing broke.

    python -m bench.reindex_kills [--kills 30] [--files 2000] [--database-url postgres://...]
                                  [--model] [--seed 1]

Each round changes the tree (new, changed and deleted files), starts a reindex, kills it
after a random delay, and checks that the served index is a complete generation (the old
one, or a new one that was fully written), that no row is half written or duplicated, and
that a run started at once exits 75 while the dead run's lock has not expired. Then it
expires that lock (as INDEX_LOCK_TIMEOUT would), reindexes to the end and checks that the
database holds exactly the tree's files and the index exactly the database's.

Reindex runs with the fast fake encoder unless --model is given. tests/reliability drives
the same functions with a kill in each phase.
"""

import argparse
import hashlib
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORDS = (
    "alpha beta gamma delta rapor dosya istanbul şifre password network kernel printer "
    "invoice ağ sunucu yazıcı fatura toplantı notlar backup schedule"
).split()
EXIT_BUSY = 75
PHASES = ("startup", "crawl", "database", "build", "finishing")


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


def child_env(database_url: str, index_dir: Path, *, model: bool = False) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "core.settings",
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
    }


def start_reindex(root: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bench.reindex_kills", "--child", str(root)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def child(root: str) -> None:
    """Run `manage.py reindex ROOT` as is, but with the fake encoder unless asked for the model."""
    import django

    django.setup()
    if os.environ.get("DIZIN_BENCH_ENCODER") != "model":
        from search import factory
        from search.engine import HashingEncoder

        factory.use_encoder(HashingEncoder())
    from django.core.management import ManagementUtility

    ManagementUtility(["manage.py", "reindex", "--verbosity", "0", root]).execute()


def run_to_end(
    root: Path, env: dict[str, str], timeout: float = 300
) -> subprocess.CompletedProcess:
    process = start_reindex(root, env)
    stdout, stderr = process.communicate(timeout=timeout)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


# --- where a run is, seen from outside --------------------------------------------------


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


def expire_lease() -> None:
    """Do what INDEX_LOCK_TIMEOUT does to a dead run's lease, without waiting for it."""
    from django.utils import timezone

    from indexer.models import ReindexLease

    ReindexLease.objects.update(expires_at=timezone.now() - timedelta(seconds=1))


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


# --- one round --------------------------------------------------------------------------


@dataclass
class Round:
    delay: float
    phase: str = "ended first"
    served_before: int | None = None
    served_after_kill: int | None = None
    busy_exit: int | None = None
    rerun_seconds: float = 0.0
    problems: list[str] = field(default_factory=list)


def kill_round(
    root: Path,
    index_dir: Path,
    env: dict[str, str],
    before: dict[str, str],
    *,
    delay: float,
) -> Round:
    """Start a reindex, kill it after `delay` seconds, check, then finish the job and check."""
    from search.sources import file_index_fingerprint

    after = tree_hashes(root)
    result = Round(delay=delay, served_before=served_generation(index_dir))
    fingerprint = file_index_fingerprint()
    process = start_reindex(root, env)
    started = time.monotonic()
    seen: list[str] = []

    def due() -> bool:
        # Look at the database only when the time has come: reading it every millisecond
        # holds SQLite's lock against the run being measured and stretches its start-up.
        if time.monotonic() - started < delay:
            return False
        seen[:] = [phase(process.pid, index_dir, fingerprint)]
        return True

    if kill_when(process, due):
        result.phase = seen[0]
    try:
        result.served_after_kill = served_generation(index_dir)
    except Exception as error:  # any failure to load is exactly what this bench looks for
        result.problems.append(f"served index broken after the kill: {error}")
    old = result.served_before
    if old is not None and result.served_after_kill not in {old, old + 1}:
        result.problems.append(
            f"served {result.served_after_kill} after {old}: neither old nor new"
        )
    result.problems += partial_problems(root, before, after)
    if result.phase != "ended first":
        busy = run_to_end(root, env)
        result.busy_exit = busy.returncode
        # "finishing": the run had released its lease already, so a new run may start.
        held = result.phase in {"crawl", "database", "build"}
        if held and busy.returncode != EXIT_BUSY:
            result.problems.append(f"a run during the dead run's lease exited {busy.returncode}")
    expire_lease()
    rerun_started = time.monotonic()
    finished = run_to_end(root, env)
    result.rerun_seconds = time.monotonic() - rerun_started
    if finished.returncode != 0:
        result.problems.append(f"the rerun exited {finished.returncode}: {finished.stderr[-500:]}")
    result.problems += exact_problems(root, index_dir, after)
    return result


# --- the bench --------------------------------------------------------------------------


def prepare_database(database_url: str | None, scratch: Path) -> tuple[str, Callable[[], None]]:
    """Create an empty database for the bench; return its URL and how to drop it."""
    if not database_url:
        return f"sqlite:///{scratch}/kills.sqlite3", lambda: None
    import psycopg

    server, _, _ = database_url.rpartition("/")
    name = f"dizin_kills_{secrets.token_hex(4)}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"{server}/{name}", drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=30)
    parser.add_argument("--files", type=int, default=2000, help="files in the first tree")
    parser.add_argument("--database-url", help="a PostgreSQL server URL; default: SQLite")
    parser.add_argument("--model", action="store_true", help="embed with the real model")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child)

    scratch = Path(tempfile.mkdtemp(prefix="dizin-kills-"))
    database_url, drop = prepare_database(args.database_url, scratch)
    env = child_env(database_url, scratch / "index", model=args.model)
    os.environ.update({name: value for name, value in env.items() if name != "PATH"})
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        run(args, scratch / "tree", scratch / "index", env)
    finally:
        drop()
        shutil.rmtree(scratch, ignore_errors=True)


def run(args: argparse.Namespace, root: Path, index_dir: Path, env: dict[str, str]) -> None:
    rng = random.Random(args.seed)
    add_files(root, args.files, rng, "first")
    started = time.monotonic()
    assert run_to_end(root, env).returncode == 0
    print(f"first reindex of {args.files} files: {time.monotonic() - started:.2f} s")
    before = tree_hashes(root)
    mutate(root, rng, "calibration", new=args.files // 4, changed=50, deleted=50)
    locked, window = calibrate(root, index_dir, env)
    print(
        f"a round's reindex ({args.files // 4} new, 50 changed, 50 deleted): {window:.2f} s, "
        f"of which {locked:.2f} s starting up; kills fall in {locked * 0.8:.2f}-{window:.2f} s"
    )
    rounds = []
    for number in range(args.kills):
        before = tree_hashes(root)
        mutate(root, rng, f"round{number:03}", new=args.files // 4, changed=50, deleted=50)
        delay = rng.uniform(locked * 0.8, window)
        result = kill_round(root, index_dir, env, before, delay=delay)
        rounds.append(result)
        status = "ok" if not result.problems else "; ".join(result.problems)
        print(
            f"kill {number + 1:3}: after {result.delay:5.2f} s in {result.phase:<11} "
            f"served {result.served_before} -> {result.served_after_kill}, "
            f"rerun at once exited {result.busy_exit}, rerun after expiry "
            f"{result.rerun_seconds:5.2f} s: {status}"
        )
    report(rounds)


def calibrate(root: Path, index_dir: Path, env: dict[str, str]) -> tuple[float, float]:
    """Run one round's reindex to the end; return when it took the lease, and when it ended."""
    from search.sources import file_index_fingerprint

    fingerprint = file_index_fingerprint()
    started = time.monotonic()
    process = start_reindex(root, env)
    locked = None
    while process.poll() is None:
        if locked is None and phase(process.pid, index_dir, fingerprint) != "startup":
            locked = time.monotonic() - started
        time.sleep(0.005)
    assert process.returncode == 0, process.stderr.read()
    ended = time.monotonic() - started
    return locked or ended, ended


def report(rounds: list[Round]) -> None:
    phases = Counter(result.phase for result in rounds)
    failed = [result for result in rounds if result.problems]
    print()
    print(
        f"kills: {len(rounds)}; by phase: "
        + ", ".join(f"{name} {phases[name]}" for name in (*PHASES, "ended first") if phases[name])
    )
    print(
        f"served index broken after a kill: {sum('broken' in ' '.join(r.problems) for r in rounds)}"
    )
    print(f"rounds with lost, duplicated or stale rows, or index != rows: {len(failed)}")
    print(f"mean rerun after a kill: {sum(r.rerun_seconds for r in rounds) / len(rounds):.2f} s")
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
