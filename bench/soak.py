"""Soak: a burst of concurrent clients, then a steady request rate, against uvicorn on loopback.

    python -m bench.soak [--files 3000] [--clients 32] [--burst-seconds 60]
                         [--rate 20] [--steady-seconds 300] [--throttle-rate 30/minute]

Indexes Cranfield's documents plus mixed files made from them into a throwaway SQLite database,
starts one uvicorn worker, and sends a mix of searches (keyword, semantic and hybrid; half of
them new to the cache, some filtered or paged), analytics and health checks: first from
`--clients` closed-loop clients, then open-loop at `--rate` requests per second. It prints
requests, statuses and p50/p99 latency per phase and per kind of request, and the worker's
resident memory along the way. Steady-phase latency counts from each request's scheduled time,
so a server that falls behind shows in the figures instead of slowing the load down.

Throttling is set out of reach unless `--throttle-rate` sets it (for searches and analytics);
then 429 is expected. Any other status than 200 makes the run exit 1.
"""

import argparse
import asyncio
import json
import random
import shutil
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.live import CRANFIELD, bench_env, demo_token, manage, start_server, write_corpus

UNTHROTTLED = "1000000/hour"
# Below uvicorn's 5 s keep-alive, so the client never reuses a connection the server is closing.
KEEPALIVE_EXPIRY = 2.0
KINDS = ["search keyword", "search semantic", "search hybrid", "analytics", "health"]
WEIGHTS = [25, 20, 30, 10, 15]


@dataclass
class Phase:
    """What one phase of load saw: latencies and statuses by kind of request."""

    name: str
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    elapsed: float = 0.0


@dataclass
class Mix:
    """Draws requests: which kind, which path, which parameters."""

    queries: list[str]
    folder: str
    rng: random.Random = field(default_factory=lambda: random.Random(8))
    sent: int = 0

    def draw(self) -> tuple[str, str, dict]:
        self.sent += 1
        kind = self.rng.choices(KINDS, WEIGHTS)[0]
        if kind == "health":
            return kind, "/api/health/", {}
        if kind == "analytics":
            return kind, "/api/analytics/", {"days": self.rng.choice([1, 7, 30, 365])}
        query = self.rng.choice(self.queries)
        if self.rng.random() < 0.5:  # a word nothing contains: a cache miss that costs the same
            query = f"{query} zq{self.sent}"
        params = {"q": query, "mode": kind.split()[1]}
        extra = self.rng.choice(
            [
                {},
                {},
                {"type": "text"},
                {"path": self.folder},
                {"min_size": 800},
                {"page": 2, "page_size": 5},  # a page past the last is a 400: keep it short
                {"ordering": "-last_modified"},
            ]
        )
        return kind, "/api/search/", params | extra


def write_files(collection: Path, target: Path, files: int) -> tuple[list[str], Path]:
    """Cranfield's documents, then files mixing two of them until there are `files`."""
    queries = write_corpus(collection, target / "cranfield", files)
    with open(collection / "corpus.jsonl") as lines:
        texts = [json.loads(line)["text"] for line in lines]
    mixed = target / "mixed"
    for n in range(files - len(texts)):
        folder = mixed / f"{n // 200:02}"
        folder.mkdir(parents=True, exist_ok=True)
        suffix = ".md" if n % 5 == 0 else ".txt"
        first, second = texts[n % len(texts)], texts[(n * 37 + 11) % len(texts)]
        (folder / f"mix_{n}{suffix}").write_text(f"{first}\n\n{second}\n")
    return queries, mixed


def worker_pids(server_pid: int) -> list[int]:
    """uvicorn's workers: its children with --workers > 1, else the server process itself."""
    children = Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split()
    return [int(pid) for pid in children] or [server_pid]


def memory_mib(pids: list[int], field_name: str = "VmRSS") -> float:
    """A /proc/<pid>/status memory field (kB), summed over `pids`, in MiB."""
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field_name}:"):
                total += int(line.split()[1])
    return total / 1024


async def send(http: httpx.AsyncClient, mix: Mix, phase: Phase, since: float | None = None):
    kind, path, params = mix.draw()
    started = time.perf_counter() if since is None else since
    try:
        response = await http.get(path, params=params)
        status: int | str = response.status_code
    except httpx.HTTPError as error:
        status = type(error).__name__
    phase.latencies[kind].append(time.perf_counter() - started)
    phase.statuses[kind][status] += 1


async def burst(base: str, token: str, mix: Mix, clients: int, seconds: float) -> Phase:
    """`clients` clients, each sending its next request as soon as the last one is answered."""
    phase = Phase(f"burst: {clients} clients, {seconds:g} s")
    headers = {"Authorization": f"Token {token}"}
    limits = httpx.Limits(max_connections=clients, keepalive_expiry=KEEPALIVE_EXPIRY)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as http:
        deadline = time.monotonic() + seconds

        async def client() -> None:
            while time.monotonic() < deadline:
                await send(http, mix, phase)

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        phase.elapsed = time.perf_counter() - started
    return phase


async def steady(
    base: str, token: str, mix: Mix, rate: float, seconds: float, rss: list[float], pids: list[int]
) -> Phase:
    """Requests started on a fixed schedule, whatever the server's pace; RSS sampled every 30 s."""
    phase = Phase(f"steady: {rate:g} req/s, {seconds:g} s")
    headers = {"Authorization": f"Token {token}"}
    limits = httpx.Limits(max_connections=256, keepalive_expiry=KEEPALIVE_EXPIRY)
    timeout = httpx.Timeout(30, pool=None)
    async with httpx.AsyncClient(
        base_url=base, headers=headers, limits=limits, timeout=timeout
    ) as http:
        started = time.perf_counter()
        pending: set[asyncio.Task] = set()
        next_sample = started + 30
        for n in range(int(rate * seconds)):
            due = started + n / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            if time.perf_counter() >= next_sample:
                rss.append(memory_mib(pids))
                next_sample += 30
            task = asyncio.create_task(send(http, mix, phase, since=due))
            pending.add(task)
            task.add_done_callback(pending.discard)
        await asyncio.gather(*pending)
        phase.elapsed = time.perf_counter() - started
    return phase


def percentile(ms: list[float], fraction: float) -> float:
    return ms[min(len(ms) - 1, int(len(ms) * fraction))]


def report(phase: Phase) -> None:
    print(f"\n{phase.name} (took {phase.elapsed:.1f} s)")
    print(f"{'kind':<17}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}  statuses")
    everything: list[float] = []
    statuses: Counter = Counter()
    for kind in KINDS:
        everything += phase.latencies[kind]
        statuses += phase.statuses[kind]
        row(kind, phase.latencies[kind], phase.statuses[kind], phase.elapsed)
    row("all", everything, statuses, phase.elapsed)


def row(kind: str, latencies: list[float], statuses: Counter, elapsed: float) -> None:
    if not latencies:
        print(f"{kind:<17}{0:>9}")
        return
    ms = sorted(latency * 1000 for latency in latencies)
    counts = " ".join(f"{status}={count}" for status, count in sorted(statuses.items(), key=str))
    print(
        f"{kind:<17}{len(ms):>9}{len(ms) / elapsed:>8.1f}{percentile(ms, 0.5):>9.1f}"
        f"{percentile(ms, 0.99):>9.1f}  {counts}"
    )


def unexpected(phases: list[Phase], allowed: set[int | str]) -> Counter:
    found: Counter = Counter()
    for phase in phases:
        for counts in phase.statuses.values():
            found += Counter({s: n for s, n in counts.items() if s not in allowed})
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CRANFIELD)
    parser.add_argument("--files", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=32, help="burst clients")
    parser.add_argument("--burst-seconds", type=float, default=60)
    parser.add_argument("--rate", type=float, default=20, help="steady requests per second")
    parser.add_argument("--steady-seconds", type=float, default=300)
    parser.add_argument(
        "--throttle-rate", help=f"search and analytics throttle, like 30/minute ({UNTHROTTLED})"
    )
    parser.add_argument(
        "--redis-url", default="redis://127.0.0.1:6379/0", help="empty: per-process cache"
    )
    args = parser.parse_args()
    throttle = args.throttle_rate or UNTHROTTLED
    scratch = Path(tempfile.mkdtemp(prefix="dizin-soak-"))
    env = bench_env(
        scratch,
        SEARCH_THROTTLE_RATE=throttle,
        ANALYTICS_THROTTLE_RATE=throttle,
        REDIS_URL=args.redis_url,
    )
    try:
        queries, mixed = write_files(args.corpus, scratch / "corpus", args.files)
        manage(env, "migrate", "-v", "0")
        started = time.perf_counter()
        manage(env, "reindex", str(scratch / "corpus"), "-v", "0")
        print(f"indexed {args.files} files in {time.perf_counter() - started:.1f} s")
        token = demo_token(env, scratch / "corpus")
        server, base = start_server(env, 1)
        try:
            pids = worker_pids(server.pid)
            cache = args.redis_url or "per-process memory"
            print(f"uvicorn: 1 worker (pid {pids[0]}), throttle {throttle}, cache {cache}")
            memory = {"start": memory_mib(pids)}
            mix = Mix(queries, str(mixed))
            warm = asyncio.run(burst(base, token, mix, 1, 5))  # loads the model, fills pools
            memory["warmed up"] = memory_mib(pids)
            first = asyncio.run(burst(base, token, mix, args.clients, args.burst_seconds))
            memory["after burst"] = memory_mib(pids)
            samples: list[float] = []
            second = asyncio.run(
                steady(base, token, mix, args.rate, args.steady_seconds, samples, pids)
            )
            memory["end"] = memory_mib(pids)
            peak = memory_mib(pids, "VmHWM")
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    report(first)
    report(second)
    print("\nworker RSS MiB: " + ", ".join(f"{name} {mib:.1f}" for name, mib in memory.items()))
    print(f"peak RSS MiB: {peak:.1f}")
    print("steady-phase RSS MiB every 30 s: " + " ".join(f"{mib:.1f}" for mib in samples))
    allowed: set[int | str] = {200, 429} if args.throttle_rate else {200}
    bad = unexpected([warm, first, second], allowed)
    if bad:
        raise SystemExit(f"FAIL: unexpected statuses {dict(bad)}")
    print(f"OK: no status outside {sorted(allowed)}")


if __name__ == "__main__":
    main()
