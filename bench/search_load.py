"""Search API under load: uvicorn on loopback, a real corpus, 1, 8 and 32 concurrent clients.

    python -m bench.search_load [--corpus ../shared/data/cranfield] [--workers 1 2] [--requests 300]

Indexes the corpus (one text file per document) into a throwaway SQLite database and index
folder, starts uvicorn with each worker count in turn, and prints requests/second and p50/p99
latency for cached queries, uncached keyword queries and uncached semantic queries, beside a
floor: a JSON 404, which costs uvicorn, Django's middleware and the client but no search.
Set REDIS_URL to measure with the shared cache and throttle counts in Redis.
"""

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.live import CRANFIELD, bench_env, demo_token, manage, start_server, write_corpus

CONCURRENCY = (1, 8, 32)
HEADER = f"{'scenario':<18}{'clients':>4}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}"


async def run_load(
    base: str, token: str, scenario: "Scenario", clients: int, seconds: float
) -> tuple[list[float], int, float]:
    """Send the scenario's requests from `clients` concurrent clients; stop at `seconds`."""
    latencies: list[float] = []
    errors = 0
    queue = iter(scenario.params)
    deadline = time.monotonic() + seconds
    headers = {"Authorization": f"Token {token}"}
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as http:

        async def client() -> None:
            nonlocal errors
            for query in queue:
                if time.monotonic() > deadline:
                    return
                started = time.perf_counter()
                response = await http.get(scenario.path, params=query)
                latencies.append(time.perf_counter() - started)
                errors += response.status_code != scenario.status

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return latencies, errors, elapsed


@dataclass(frozen=True)
class Scenario:
    params: list[dict]
    path: str = "/api/search/"
    status: int = 200

    def head(self, count: int) -> "Scenario":
        return Scenario(self.params[:count], self.path, self.status)


def scenarios(queries: list[str], count: int) -> dict[str, Scenario]:
    # A unique suffix makes every uncached request miss the cache but cost the same.
    def uncached(mode: str) -> Scenario:
        return Scenario(
            [{"q": f"{queries[n % len(queries)]} x{n}", "mode": mode} for n in range(count)]
        )

    return {
        # The baseline: uvicorn, Django's middleware and this client, for a JSON 404.
        "floor: 404": Scenario([{}] * count, path="/api/not-here/", status=404),
        "cached": Scenario([{"q": queries[0], "mode": "hybrid"}] * count),
        "uncached keyword": uncached("keyword"),
        "uncached semantic": uncached("semantic"),
    }


def report(name: str, clients: int, latencies: list[float], errors: int, elapsed: float) -> None:
    ms = sorted(latency * 1000 for latency in latencies)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    print(
        f"{name:<18}{clients:>4}{len(ms) / elapsed:>10.1f}{statistics.median(ms):>10.1f}"
        f"{p99:>10.1f}{errors:>8}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CRANFIELD)
    parser.add_argument("--documents", type=int, default=1400)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--requests", type=int, default=300, help="per scenario and client count")
    parser.add_argument("--seconds", type=float, default=8.0, help="cap per scenario")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="dizin-load-"))
    env = bench_env(scratch)
    try:
        queries = write_corpus(args.corpus, scratch / "corpus", args.documents)
        manage(env, "migrate", "-v", "0")
        started = time.perf_counter()
        manage(env, "reindex", str(scratch / "corpus"), "-v", "0")
        print(f"indexed {args.documents} documents in {time.perf_counter() - started:.1f} s")
        token = demo_token(env)
        for workers in args.workers:
            server, base = start_server(env, workers)
            try:
                print(f"\nuvicorn --workers {workers}")
                print(HEADER)
                for name, scenario in scenarios(queries, args.requests).items():
                    asyncio.run(run_load(base, token, scenario.head(10), 1, 30))  # warm up
                    for clients in CONCURRENCY:
                        result = asyncio.run(run_load(base, token, scenario, clients, args.seconds))
                        report(name, clients, *result)
            finally:
                server.terminate()
                server.wait(timeout=30)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
