"""Kill `manage.py reindex` with SIGKILL at random moments, under search load, and check that
nothing broke and no work is lost.

    python -m bench.reindex_kills [--kills 30] [--files 2000] [--database-url postgres://...]
                                  [--model] [--encode-seconds 0.05] [--seed 1]

Each round changes the tree (new, changed and deleted files), starts a reindex, kills it
after a random delay, and checks that the served index is a complete generation (the old
one, or a new one that was fully written) and that no row is half written or duplicated.
Then it reindexes again at once (the dead run's lock is taken over: it ran on this machine)
and checks that the database holds exactly the tree's files and the index exactly the
database's. All along, a thread searches, reads health and adds users, as a busy service
would: any error it meets is counted.

Work lost: every text the encoder embeds is noted; a text embedded both by the killed run and
by the rerun was embedded twice. Up to one batch of that is the batch in flight at the kill;
anything beyond it is work lost. Reindex runs with the fake encoder, slowed to
--encode-seconds a batch so kills land while embedding, unless --model is given. The runs are
started, watched and checked by bench/reindex_runs.py, which the tests drive as well.
"""

import argparse
import os
import random
import secrets
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.reindex_runs import (
    add_files,
    child_env,
    encoded_texts,
    exact_problems,
    kill_when,
    mutate,
    partial_problems,
    phase,
    published_phase,
    run_to_end,
    served_generation,
    start_reindex,
    tree_hashes,
)

PHASES = ("startup", "crawl", "extract", "build", "embed", "swap", "finishing")
# Passages a batch embeds: SEMANTIC_BATCH_SIZE 16, 16 batches at a time (builder.py).
BATCH = 256

# --- one round --------------------------------------------------------------------------


@dataclass
class Round:
    delay: float
    phase: str = "ended first"
    served_before: int | None = None
    served_after_kill: int | None = None
    rerun_seconds: float = 0.0
    embedded_twice: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def lost(self) -> int:
        """Texts embedded twice beyond the one batch a kill may catch in flight."""
        return max(0, self.embedded_twice - BATCH)


def kill_round(
    root: Path,
    index_dir: Path,
    env: dict[str, str],
    before: dict[str, str],
    *,
    delay: float,
) -> Round:
    """Start a reindex, kill it after `delay` seconds, check, then finish the job and check."""
    after = tree_hashes(root)
    result = Round(delay=delay, served_before=served_generation(index_dir))
    log = Path(env["DIZIN_BENCH_ENCODE_LOG"])
    encoded_texts(log)
    process = start_reindex(root, env)
    result.phase = killed_in(process, index_dir, delay)
    killed = Counter(encoded_texts(log))
    check_after_kill(result, root, index_dir, before, after)
    rerun_started = time.monotonic()
    finished = run_to_end(root, env)
    result.rerun_seconds = time.monotonic() - rerun_started
    result.embedded_twice = sum(
        min(n, killed[text]) for text, n in Counter(encoded_texts(log)).items()
    )
    if finished.returncode != 0:
        result.problems.append(f"the rerun exited {finished.returncode}: {finished.stderr[-500:]}")
    result.problems += exact_problems(root, index_dir, after)
    return result


def killed_in(process, index_dir: Path, delay: float) -> str:
    """SIGKILL the run after `delay` seconds; return the phase it was in then."""
    from search.sources import file_index_fingerprint

    fingerprint = file_index_fingerprint()
    started = time.monotonic()
    seen: list[str] = []

    def due() -> bool:
        # Look at the database only when the time has come: reading it every millisecond
        # holds SQLite's lock against the run being measured and stretches its start-up.
        if time.monotonic() - started < delay:
            return False
        seen[:] = [published_phase(process.pid) or phase(process.pid, index_dir, fingerprint)]
        return True

    return seen[0] if kill_when(process, due) else "ended first"


def check_after_kill(
    result: Round, root: Path, index_dir: Path, before: dict[str, str], after: dict[str, str]
) -> None:
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


# --- the service in use -----------------------------------------------------------------


class Load(threading.Thread):
    """Search, read health and add users without pause, counting answers and errors."""

    def __init__(self) -> None:
        super().__init__(name="load", daemon=True)
        self.stop = threading.Event()
        self.requests = 0
        self.errors: list[str] = []

    def run(self) -> None:
        from django.contrib.auth.models import User
        from django.db import connection
        from rest_framework.test import APIClient

        user = User.objects.create_user(f"load-{secrets.token_hex(4)}", is_staff=True)
        client = APIClient()
        client.force_authenticate(user)
        try:
            while not self.stop.is_set():
                self._step(client, User)
        finally:
            connection.close()

    def _step(self, client, users) -> None:
        number = self.requests
        try:
            answers = [
                client.get("/api/search/", {"q": f"network rapor {number}"}),
                client.get("/api/health/"),
            ]
            users.objects.create_user(f"user-{secrets.token_hex(6)}")  # createsuperuser's write
            self.errors += [
                f"{a.status_code} {a.content[:200]!r}" for a in answers if a.status_code != 200
            ]
        except Exception as error:  # anything the service raises is what this bench counts
            self.errors.append(repr(error))
        self.requests += 1


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
    parser.add_argument("--encode-seconds", type=float, default=0.05, help="per fake batch")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="dizin-kills-"))
    database_url, drop = prepare_database(args.database_url, scratch)
    env = child_env(
        database_url,
        scratch / "index",
        model=args.model,
        DIZIN_BENCH_ENCODE_SECONDS=str(args.encode_seconds),
        DIZIN_BENCH_ENCODE_LOG=str(scratch / "encoded.log"),
        SEARCH_THROTTLE_RATE="10000000/hour",
        SEARCH_EVENTS_IN_BACKGROUND="0",
        ALLOWED_HOSTS="testserver",
    )
    os.environ.update({name: value for name, value in env.items() if name != "PATH"})
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        if not args.model:
            from search import factory
            from search.engine import HashingEncoder

            factory.use_encoder(HashingEncoder())
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
    mutate(root, rng, "calibration", new=args.files // 4, changed=50, deleted=50)
    locked, window = calibrate(root, env)
    print(
        f"a round's reindex ({args.files // 4} new, 50 changed, 50 deleted): {window:.2f} s, "
        f"of which {locked:.2f} s starting up; kills fall in {locked * 0.8:.2f}-{window:.2f} s"
    )
    load = Load()
    load.start()
    rounds = []
    try:
        for number in range(args.kills):
            before = tree_hashes(root)
            mutate(root, rng, f"round{number:03}", new=args.files // 4, changed=50, deleted=50)
            result = kill_round(
                root, index_dir, env, before, delay=rng.uniform(locked * 0.8, window)
            )
            rounds.append(result)
            status = "ok" if not result.problems else "; ".join(result.problems)
            print(
                f"kill {number + 1:3}: after {result.delay:5.2f} s in {result.phase:<11} "
                f"served {result.served_before} -> {result.served_after_kill}, "
                f"embedded twice {result.embedded_twice:4}, "
                f"rerun {result.rerun_seconds:5.2f} s: {status}"
            )
    finally:
        load.stop.set()
        load.join()
    report(rounds, load)


def calibrate(root: Path, env: dict[str, str]) -> tuple[float, float]:
    """Run one round's reindex to the end; return when it took the lease, and when it ended."""
    started = time.monotonic()
    process = start_reindex(root, env)
    locked = None
    while process.poll() is None:
        if locked is None and published_phase(process.pid):
            locked = time.monotonic() - started
        time.sleep(0.005)
    assert process.returncode == 0, process.stderr.read()
    ended = time.monotonic() - started
    return locked or ended, ended


def report(rounds: list[Round], load: Load) -> None:
    phases = Counter(result.phase for result in rounds)
    failed = [result for result in rounds if result.problems]
    embedding = [result for result in rounds if result.phase == "embed"]
    print()
    print(
        f"kills: {len(rounds)}; by phase: "
        + ", ".join(f"{name} {phases[name]}" for name in (*PHASES, "ended first") if phases[name])
    )
    print(
        f"served index broken after a kill: {sum('broken' in ' '.join(r.problems) for r in rounds)}"
    )
    print(f"rounds with lost, duplicated or stale rows, or index != rows: {len(failed)}")
    print(
        f"mean rerun after a kill (taking over the dead run's lock): "
        f"{sum(r.rerun_seconds for r in rounds) / len(rounds):.2f} s"
    )
    print(
        f"passages embedded twice: {sum(r.embedded_twice for r in rounds)} in all, "
        f"{sum(r.embedded_twice for r in embedding)} over {len(embedding)} kills while "
        f"embedding (a batch is {BATCH}); lost beyond the batch in flight: "
        f"{sum(r.lost for r in rounds)}"
    )
    print(
        f"service under load: {load.requests} rounds of search, health and a user write, "
        f"{len(load.errors)} errors"
    )
    for error in load.errors[:5]:
        print(f"  {error}")
    if failed or load.errors or any(r.lost for r in rounds):
        sys.exit(1)


if __name__ == "__main__":
    main()
