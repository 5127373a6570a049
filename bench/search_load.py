"""Search API under load: uvicorn on loopback, a real corpus, 1, 8 and 32 concurrent clients.

    python -m bench.search_load [--corpus ../shared/data/cranfield] [--workers 1 2] [--requests 300]

Indexes the corpus (one text file per document) into a throwaway SQLite database and index
folder, starts uvicorn with each worker count in turn, and prints requests/second and p50/p99
latency for cached queries, uncached keyword queries and uncached semantic queries.
"""

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from bench.live import CRANFIELD, bench_env, demo_token, manage, start_server, write_corpus

CONCURRENCY = (1, 8, 32)
HEADER = f"{'scenario':<18}{'clients':>4}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}"


async def run_load(base: str, token: str, params: list[dict], clients: int, seconds: float):
    """Send the requests in `params` from `clients` concurrent clients; stop at `seconds`."""
    latencies: list[float] = []
    errors = 0
    queue = iter(params)
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
                response = await http.get("/api/search/", params=query)
                latencies.append(time.perf_counter() - started)
                errors += response.status_code != 200

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return latencies, errors, elapsed


def scenarios(queries: list[str], count: int) -> dict[str, list[dict]]:
    # A unique suffix makes every uncached request miss the cache but cost the same.
    return {
        "cached": [{"q": queries[0], "mode": "hybrid"}] * count,
        "uncached keyword": [
            {"q": f"{queries[n % len(queries)]} x{n}", "mode": "keyword"} for n in range(count)
        ],
        "uncached semantic": [
            {"q": f"{queries[n % len(queries)]} x{n}", "mode": "semantic"} for n in range(count)
        ],
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
                for name, params in scenarios(queries, args.requests).items():
                    asyncio.run(run_load(base, token, params[:10], 1, 30))  # warm up
                    for clients in CONCURRENCY:
                        result = asyncio.run(run_load(base, token, params, clients, args.seconds))
                        report(name, clients, *result)
            finally:
                server.terminate()
                server.wait(timeout=30)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
