"""Kill `manage.py reindex` with SIGKILL at random moments, run it again, and check nothing broke.

    python -m bench.reindex_kills [--kills 30] [--files 2000] [--database-url postgres://...]
                                  [--model] [--seed 1]

Each round changes the tree (new, changed and deleted files), starts a reindex, kills it
after a random delay, and checks that the served index is a complete generation (the old
one, or a new one that was fully written), that no row is half written or duplicated, and
that a run started at once exits 75 while the dead run's lock has not expired. Then it
expires that lock (as INDEX_LOCK_TIMEOUT would), reindexes to the end and checks that the
database holds exactly the tree's files and the index exactly the database's.

Reindex runs with the fast fake encoder unless --model is given. The runs themselves are
started, watched and checked by bench/reindex_runs.py, which tests/reliability drives with a
kill in each phase.
"""

import argparse
import os
import random
import secrets
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.reindex_runs import (
    EXIT_BUSY,
    PHASES,
    add_files,
    child_env,
    exact_problems,
    expire_lease,
    kill_when,
    mutate,
    partial_problems,
    phase,
    run_to_end,
    served_generation,
    start_reindex,
    tree_hashes,
)

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
    args = parser.parse_args()

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
