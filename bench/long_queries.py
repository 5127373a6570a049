"""Latency of paragraph-long queries over HTTP, in each search mode.

    python -m bench.long_queries [--documents 5000] [--queries 50] [--workers 1]

Indexes the first documents of NPL, LISA and CACM with the real reindex (semantic included)
into a throwaway database, starts `manage.py serve` on loopback and sends, one at a time,
queries of four lengths: 3 words, and paragraphs of 500, 2,000 and 10,000 characters cut at a
word boundary from Cranfield and MED documents (collections not indexed). Each query text is
used once, and the server caches nothing (SEARCH_CACHE_TTL=0). Prints p50 and p99 latency per
length and mode; the goal checked is that a 10,000-character query answers well under a second.
"""

import argparse
import json
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from bench.live import bench_env, demo_token, manage, start_server
from core.text import STOPWORDS

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "bench" / "results" / "long_queries.json"
INDEXED = ("npl", "lisa", "cacm")
PARAGRAPH_SOURCES = ("cranfield", "med")
LENGTHS = ("3 words", 500, 2_000, 10_000)
MODES = ("keyword", "semantic", "hybrid")
WARM_UPS = 2  # per length and mode: the first encodes of a length set up kernels
RETRIES = 3
RETRY_SECONDS = 120


def documents(name: str) -> Iterator[tuple[str, str]]:
    """Yield a BEIR collection's (id, title and text), in file order."""
    with (DATA / name / "corpus.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                row = json.loads(line)
                yield str(row["_id"]), f"{row.get('title') or ''}\n{row.get('text') or ''}\n"


def write_corpus(target: Path, count: int) -> dict[str, int]:
    """Write the first documents of each indexed collection, a third each; return the counts."""
    target.mkdir(parents=True)
    written = {}
    for n, name in enumerate(INDEXED):
        share = count // len(INDEXED) + (n < count % len(INDEXED))
        written[name] = 0
        for doc_id, text in documents(name):
            if written[name] == share:
                break
            (target / f"{name}-{doc_id}.txt").write_text(text, encoding="utf-8")
            written[name] += 1
    return written


def query_texts(count: int) -> dict[str, list[str]]:
    """Cut `count` distinct queries of each length from the not-indexed collections."""
    pool = (text for name in PARAGRAPH_SOURCES for _, text in documents(name))
    texts: dict[str, list[str]] = {}
    for length in LENGTHS:
        made = []
        for _ in range(count):
            if length == "3 words":
                words = [
                    w for w in next(pool).split() if w.isalpha() and w.lower() not in STOPWORDS
                ]
                made.append(" ".join(words[:3]))
                continue
            paragraph = ""
            while len(paragraph) <= length:  # a document at a time, until past the length
                paragraph = f"{paragraph} {' '.join(next(pool).split())}".strip()
            made.append(paragraph[: length + 1].rsplit(" ", 1)[0])
        texts[str(length)] = made
    return texts


def percentile(values: list[float], share: float) -> float:
    """Return the `share` quantile (0 to 1) of `values`, interpolated as numpy's default."""
    ordered = sorted(values)
    at = (len(ordered) - 1) * share
    low = int(at)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (at - low)


def timed_search(client: httpx.Client, query: str, mode: str, errors: list[str]) -> float | None:
    """Send one search; return its seconds, or None (noting the error) if it fails."""
    for attempt in range(RETRIES + 1):
        started = time.perf_counter()
        try:
            response = client.get("/api/search/", params={"q": query, "mode": mode})
        except httpx.HTTPError as error:
            errors.append(f"{mode} {len(query)} chars: {error!r}")
        else:
            elapsed = time.perf_counter() - started
            if response.status_code == 200:
                return elapsed
            errors.append(
                f"{mode} {len(query)} chars: {response.status_code} {response.text[:300]}"
            )
            if response.status_code < 500:  # the request itself is refused: asking again won't do
                return None
        if attempt < RETRIES:
            print(f"  error, retrying in {RETRY_SECONDS} s: {errors[-1]}", flush=True)
            time.sleep(RETRY_SECONDS)
    return None


def measure(client: httpx.Client, texts: dict[str, list[str]], errors: list[str]) -> list[dict]:
    """Send every query in every mode, interleaved; return the latency rows."""
    for queries in texts.values():
        for mode in MODES:
            for query in queries[:WARM_UPS]:
                timed_search(client, query, mode, errors)
    latencies: dict[tuple[str, str], list[float]] = {(k, m): [] for k in texts for m in MODES}
    for n in range(WARM_UPS, max(map(len, texts.values()))):
        # Interleaved, so that a slower spell of the machine falls on every cell alike.
        for length, queries in texts.items():
            for mode in MODES:
                elapsed = timed_search(client, queries[n], mode, errors)
                if elapsed is not None:
                    latencies[(length, mode)].append(elapsed)
    return [
        {
            "length": length,
            "chars": round(statistics.fmean(len(q) for q in texts[length][WARM_UPS:])),
            "mode": mode,
            "requests": len(values),
            "p50_ms": round(percentile(values, 0.5) * 1000, 1) if values else None,
            "p99_ms": round(percentile(values, 0.99) * 1000, 1) if values else None,
            "max_ms": round(max(values) * 1000, 1) if values else None,
        }
        for (length, mode), values in latencies.items()
    ]


def table(rows: list[dict]) -> str:
    """Format the rows as a Markdown table."""
    lines = [
        "| query | mean chars | mode | requests | p50 ms | p99 ms | max ms |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        query = r["length"] if r["length"] == "3 words" else f"{int(r['length']):,} chars"
        cells = [query, r["chars"], r["mode"], r["requests"], r["p50_ms"], r["p99_ms"], r["max_ms"]]
        lines.append("| " + " | ".join("-" if c is None else str(c) for c in cells) + " |")
    return "\n".join(lines)


def index(env: dict[str, str], corpus: Path) -> float:
    """Migrate and reindex `corpus` with the real commands; return the reindex's seconds."""
    manage(env, "migrate", "-v", "0")
    started = time.perf_counter()
    try:
        manage(env, "reindex", str(corpus), "-v", "0")
    except subprocess.CalledProcessError as error:
        raise SystemExit(f"reindex failed ({error.returncode}):\n{error.stderr}") from None
    return time.perf_counter() - started


def main() -> None:
    """Index, serve, measure; print the table and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=50, help="timed per length and mode")
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    args = parser.parse_args()
    texts = query_texts(args.queries + WARM_UPS)
    scratch = Path(tempfile.mkdtemp(prefix="dizin-long-queries-"))
    env = bench_env(scratch, LOG_LEVEL="ERROR", SEARCH_CACHE_TTL="0")
    errors: list[str] = []
    try:
        written = write_corpus(scratch / "corpus", args.documents)
        seconds = index(env, scratch / "corpus")
        print(f"indexed {sum(written.values())} documents {written} in {seconds:.0f} s")
        token = demo_token(env, scratch / "corpus")
        server, base = start_server(env, args.workers, reuse_port=True)
        try:
            headers = {"Authorization": f"Token {token}"}
            with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
                rows = measure(client, texts, errors)
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(table(rows))
    for error in errors:
        print(f"error: {error}")
    output: dict[str, Any] = {
        "documents": written, "index_seconds": round(seconds, 1), "workers": args.workers,
        "paragraph_sources": PARAGRAPH_SOURCES, "rows": rows, "errors": errors,
    }  # fmt: skip
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(output, indent=1) + "\n", encoding="utf-8")
    print(f"\nwritten to {RESULTS}")


if __name__ == "__main__":
    main()
