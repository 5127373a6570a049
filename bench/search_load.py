"""Search API under load: uvicorn on loopback, a real corpus, 1, 8 and 32 concurrent clients.

    python -m bench.search_load [--corpus ../shared/data/cranfield] [--workers 2] [--seconds 5]
                                [--only-serve] [--before ../before]

Indexes the corpus (one text file per document) into a throwaway SQLite database and index
folder and starts three servers in turn: uvicorn with one worker, uvicorn with N workers
sharing its socket, and `manage.py serve` with N workers, each with a socket of its own.
It drives each with wrk (Debian package
`wrk`) from one thread: a closed loop of 1, 8 or 32 keep-alive connections for a few seconds
each. It prints requests/second and p50/p99 latency for cached queries, uncached keyword,
semantic and hybrid queries, beside a floor: a JSON 404, which costs uvicorn, Django's middleware
and the client but no search. Uncached semantic search at one client is also set beside the
model's floor measured in the same run (bench.model_floor: a bare torch encode, float32 on one
thread, plus an exact FAISS search, in-process), and hybrid beside semantic. wrk needs about
0.05 ms of CPU a request where a Python client needed 1.2 ms, which on 2 cores was CPU taken
from the server it measured.
With --before, `manage.py serve` also runs from another checkout (`git worktree add ../before
<commit>`) on the same database and index, first, so a change is measured beside the code
before it. Set REDIS_URL to measure with the shared cache and throttle counts in Redis.
"""

import argparse
import json
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from bench.live import CRANFIELD, ROOT, bench_env, demo_token, manage, start_server, write_corpus

CONCURRENCY = (1, 8, 32)
SCRIPT = Path(__file__).with_name("search_load.lua")
# Enough distinct requests that no uncached scenario repeats one within its run.
PATHS_PER_SCENARIO = 20_000
HEADER = (
    f"{'scenario':<18}{'clients':>4}{'req/s':>10}{'vs 1':>7}{'p50 ms':>10}{'p99 ms':>10}"
    f"{'errors':>8}"
)


@dataclass(frozen=True)
class Server:
    title: str
    workers: int
    reuse_port: bool
    tree: Path = ROOT


@dataclass(frozen=True)
class Scenario:
    name: str
    paths: list[str]
    status: int = 200


def scenarios(queries: list[str], salt: str) -> list[Scenario]:
    def search(params: dict[str, str]) -> str:
        return f"/api/search/?{urlencode(params)}"

    # A unique suffix makes every uncached request miss the cache but cost the same: a number,
    # which typo correction leaves alone (a word of letters would be looked up as a typo in
    # every request, as the hex suffix before it was).
    def uncached(mode: str) -> Scenario:
        return Scenario(
            f"uncached {mode}",
            [
                search({"q": f"{queries[n % len(queries)]} {salt}{n}", "mode": mode})
                for n in range(PATHS_PER_SCENARIO)
            ],
        )

    return [
        Scenario("floor: 404", ["/api/not-here/"], status=404),
        Scenario("cached", [search({"q": queries[0], "mode": "hybrid"})]),
        uncached("keyword"),
        uncached("semantic"),
        uncached("hybrid"),
    ]


def run_wrk(
    base: str, token: str, paths: Path, status: int, skip: int, clients: int, seconds: int
) -> dict:
    """Run wrk with `clients` connections for `seconds`; return its JSON summary."""
    command = [
        "wrk", "-t1", f"-c{clients}", f"-d{seconds}s", "--timeout", "30s",
        "-H", f"Authorization: Token {token}",
        "-s", str(SCRIPT), base, "--", str(paths), str(status), str(skip),
    ]  # fmt: skip
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def report(name: str, clients: int, result: dict, single: float | None) -> float:
    """Print one row, with the rate as a multiple of the single client's; return the rate."""
    rate = result["requests"] / result["seconds"]
    ratio = f"{rate / single:.2f}x" if single else ""
    print(
        f"{name:<18}{clients:>4}{rate:>10.1f}{ratio:>7}"
        f"{result['p50_ms']:>10.1f}{result['p99_ms']:>10.1f}{result['errors']:>8}"
    )
    return rate


def measure(
    base: str, token: str, paths: Path, queries: list[str], seconds: int
) -> dict[str, float]:
    """Print every scenario's rows; return each scenario's p50 ms at one client."""
    print(HEADER)
    single_p50 = {}
    for scenario in scenarios(queries, salt=str(secrets.randbelow(900_000) + 100_000)):
        paths.write_text("\n".join(scenario.paths) + "\n")
        sent = run_wrk(base, token, paths, scenario.status, 0, 1, 1)["requests"]  # warm up
        single = None
        for clients in CONCURRENCY:
            result = run_wrk(base, token, paths, scenario.status, sent, clients, seconds)
            rate = report(scenario.name, clients, result, single)
            single = single or rate
            single_p50.setdefault(scenario.name, result["p50_ms"])
            sent += result["requests"]
        if len(scenario.paths) > 1 and sent > len(scenario.paths):
            print(f"  ({scenario.name} repeated requests: raise PATHS_PER_SCENARIO)")
    return single_p50


def model_floor(env: dict[str, str], queries: list[str], scratch: Path) -> dict:
    """Measure the bare torch encode + exact search floor in a process of its own."""
    listed = scratch / "floor-queries.txt"
    listed.write_text("\n".join(f"{query} floor{n}" for n, query in enumerate(queries)) + "\n")
    command = [sys.executable, "-m", "bench.model_floor", env["INDEX_DIR"], str(listed)]
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def compare(p50: dict[str, float], floor: dict) -> None:
    """Print uncached semantic at one client against the floor, and hybrid against semantic."""
    semantic, hybrid = p50["uncached semantic"], p50["uncached hybrid"]
    print(
        f"1 client p50: semantic {semantic:.1f} ms = {semantic / floor['p50_ms']:.2f}x the "
        f"floor ({floor['p50_ms']:.1f} ms: torch encode + exact search, in-process); "
        f"hybrid {hybrid:.1f} ms = {hybrid / semantic:.2f}x semantic"
    )


def servers(workers: int, *, only_serve: bool, before: Path | None) -> list[Server]:
    """The servers compared: one process, N sharing a socket, and N with a socket each; and
    `manage.py serve` from the checkout `before`, if given."""
    serve = f"manage.py serve --workers {workers} (a socket each, SO_REUSEPORT)"
    chosen = [] if only_serve else [
        Server("uvicorn --workers 1", 1, False),
        Server(f"uvicorn --workers {workers} (one socket, shared)", workers, False),
    ]  # fmt: skip
    chosen.append(Server(serve, workers, True))
    if before is not None:
        chosen.insert(0, Server(f"{serve}, from {before}", workers, True, before))
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CRANFIELD)
    parser.add_argument("--documents", type=int, default=1400)
    parser.add_argument("--workers", type=int, default=2, help="for the multi-process runs")
    parser.add_argument("--seconds", type=int, default=5, help="per scenario and client count")
    parser.add_argument("--only-serve", action="store_true", help="skip the uvicorn baselines")
    parser.add_argument(
        "--before", type=Path, help="also serve from this checkout (the code before a change)"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    scratch = Path(tempfile.mkdtemp(prefix="dizin-load-"))
    # Django logs every 404 as a warning: the floor would measure the terminal.
    env = bench_env(scratch, LOG_LEVEL="ERROR")
    try:
        queries = write_corpus(args.corpus, scratch / "corpus", args.documents)
        manage(env, "migrate", "-v", "0")
        started = time.perf_counter()
        manage(env, "reindex", str(scratch / "corpus"), "-v", "0")
        print(f"indexed {args.documents} documents in {time.perf_counter() - started:.1f} s")
        token = demo_token(env, scratch / "corpus")
        floor = model_floor(env, queries, scratch)
        for chosen in servers(args.workers, only_serve=args.only_serve, before=args.before):
            server, base = start_server(
                env, chosen.workers, reuse_port=chosen.reuse_port, tree=chosen.tree
            )
            try:
                print(f"\n{chosen.title}")
                compare(measure(base, token, scratch / "paths.txt", queries, args.seconds), floor)
            finally:
                server.terminate()
                server.wait(timeout=30)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
