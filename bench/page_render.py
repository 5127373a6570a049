"""The search page's server time: a cached search rendered as HTML, beside the same search
answered as JSON by the API, in one run.

    python -m bench.page_render [--collection cranfield] [--queries 50] [--repeats 5]
                                [--database-url URL] [--redis-url URL]

Indexes a BEIR collection from ../shared/data with the real model, signs a user in, asks the
page each query once (uncached: ranking, facets, explanations), then again --repeats times
(cached), and the API the same, with the facets and explanations the page asks for. Times
are in-process, around Django's test client: the server's time, without the network. Also
prints what the page's first load transfers: the HTML, its style sheet and its script.
"""

import argparse
import io
import secrets
import statistics
import tempfile
import time
from pathlib import Path

from bench.django_setup import throwaway_django
from bench.quality.collection import load_collection, write_documents

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
PAGE_EXTRAS = {"facets": "content_type,folder,year,extraction", "explain": "true"}


def timed(client, path: str, params: dict[str, str]) -> tuple[float, int]:
    """Return the milliseconds one GET took in the server and the bytes it answered."""
    started = time.perf_counter()
    response = client.get(path, params)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{path} {params}: {response.status_code} {response.content[:300]!r}")
    return elapsed, len(response.content)


def measure(client, queries: list[str], repeats: int) -> dict[str, list[float]]:
    """Time the page and the API for each query: first uncached, then cached."""
    samples: dict[str, list[float]] = {key: [] for key in ("page", "api", "page_hit", "api_hit")}
    for query in queries:
        page_params, api_params = {"q": query}, {"q": query, **PAGE_EXTRAS}
        samples["page"].append(timed(client, "/", page_params)[0])
        samples["api"].append(timed(client, "/api/search/", api_params)[0])
        for _ in range(repeats):
            samples["page_hit"].append(timed(client, "/", page_params)[0])
            samples["api_hit"].append(timed(client, "/api/search/", api_params)[0])
    return samples


def first_load_bytes(client, query: str) -> dict[str, int]:
    """Return the bytes of the page and of each asset it links to, uncompressed."""
    from django.contrib.staticfiles import finders

    _, html = timed(client, "/", {"q": query})
    assets = {
        name: Path(finders.find(f"search/{name}")).stat().st_size
        for name in ("dizin.css", "dizin.js")
    }
    return {"page": html, **assets}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(samples: dict[str, list[float]], sizes: dict[str, int]) -> str:
    labels = {
        "page_hit": "search page, cached",
        "api_hit": "API (same facets, explain), cached",
        "page": "search page, uncached",
        "api": "API (same facets, explain), uncached",
    }
    lines = ["| request | runs | p50 ms | p95 ms |", "| --- | --- | --- | --- |"]
    for key, label in labels.items():
        values = samples[key]
        lines.append(
            f"| {label} | {len(values)} | {statistics.median(values):.2f} "
            f"| {percentile(values, 0.95):.2f} |"
        )
    ratio = statistics.median(samples["page_hit"]) / statistics.median(samples["api_hit"])
    lines.append(f"\ncached page / cached API, p50: {ratio:.2f}x")
    total = sum(sizes.values())
    parts = ", ".join(f"{name} {size:,}" for name, size in sizes.items())
    lines.append(f"first load: {total:,} bytes uncompressed ({parts}); budget 150,000")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collection", default="cranfield")
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    collection = load_collection(DATA / args.collection, max_queries=args.queries)
    env = {
        "REDIS_URL": args.redis_url,
        "CACHE_KEY_PREFIX": f"bench-{secrets.token_hex(4)}",
        "SEARCH_THROTTLE_RATE": "1000000/hour",
    }
    with throwaway_django(args.database_url, SEARCH_EVENTS_IN_BACKGROUND="1", **env):
        from django.contrib.auth import get_user_model
        from django.core.management import call_command
        from django.test import Client
        from django.test.utils import setup_test_environment

        from indexer.access import access_grant

        setup_test_environment()  # lets the test client's host in
        with tempfile.TemporaryDirectory(prefix="dizin-page-") as scratch:
            write_documents(collection, Path(scratch))
            started = time.perf_counter()
            call_command("reindex", scratch, stdout=io.StringIO(), stderr=io.StringIO())
            indexed = time.perf_counter() - started
            user = get_user_model().objects.create_user("reader")
            access_grant(path=scratch, user=user)
            client = Client()
            client.force_login(user)
            queries = list(collection.queries.values())
            samples = measure(client, queries, args.repeats)
            sizes = first_load_bytes(client, queries[0])
        print(
            f"{collection.name}: {len(collection.documents)} documents indexed in "
            f"{indexed:.1f} s; {len(queries)} queries, hybrid, page size 20\n"
        )
        print(report(samples, sizes))


if __name__ == "__main__":
    main()
