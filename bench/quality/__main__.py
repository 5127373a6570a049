"""Measure search quality on a BEIR-layout collection: python -m bench.quality DIR."""

import argparse
import secrets
import shutil
import tempfile
import time
import warnings
from pathlib import Path

from bench.django_setup import throwaway_django

from .collection import load_collection

RESULTS = Path(__file__).resolve().parent.parent / "results"
RANKING_SETTINGS = (
    "SEARCH_SEMANTIC_WEIGHT",
    "SEARCH_SEMANTIC_FLOOR",
    "SEARCH_SEMANTIC_MIN_SIMILARITY",
    "SEARCH_SEMANTIC_DEPTH",
    "SEARCH_MAX_RESULTS",
    "SEMANTIC_PASSAGE_WORDS",
    "SEMANTIC_PASSAGE_OVERLAP",
    "SEMANTIC_MAX_PASSAGES_PER_FILE",
    "SEMANTIC_HNSW_THRESHOLD",
    "SEMANTIC_EF_SEARCH",
    "SEMANTIC_DTYPE",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "collection", type=Path, help="folder with corpus.jsonl, queries.jsonl, qrels.tsv"
    )
    parser.add_argument("--database-url", help="default: a throwaway SQLite database")
    parser.add_argument("--queries", type=int, metavar="N", help="only the first N judged queries")
    parser.add_argument(
        "--output", type=Path, help="default: bench/results/quality-<DIR name>.json"
    )
    args = parser.parse_args()
    collection = load_collection(args.collection, max_queries=args.queries)
    output = args.output or RESULTS / f"quality-{collection.name}.json"
    scratch = Path(tempfile.mkdtemp(prefix="dizin-quality-"))
    started = time.perf_counter()
    try:
        env = {"CACHE_KEY_PREFIX": f"dizin-quality-{secrets.token_hex(4)}"}
        with throwaway_django(args.database_url, **env):
            from django.conf import settings
            from django.test.utils import setup_test_environment

            from .report import format_table, write_json
            from .runner import evaluate

            setup_test_environment()  # lets the API test client's host in
            # Nothing here serves static files; whitenoise would only warn that there are none.
            warnings.filterwarnings("ignore", message="No directory at")
            rows = evaluate(collection, scratch)
            elapsed = time.perf_counter() - started
            print(
                f"\n{collection.name}: {len(collection.documents)} documents, "
                f"{len(collection.queries)} queries, {elapsed:.0f} s in all\n"
            )
            print(format_table(rows))
            write_json(output, collection, rows, _settings(settings, elapsed))
            print(f"\nwritten to {output}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _settings(settings, elapsed: float) -> dict:
    """Record the settings that shape ranking, so a table can be told apart from another."""
    from search.factory import get_encoder

    return {
        "total_seconds": round(elapsed, 1),
        "model": get_encoder().model_id,
        "settings": {name: getattr(settings, name) for name in RANKING_SETTINGS},
    }


if __name__ == "__main__":
    main()
