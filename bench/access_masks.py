"""Access masks: search latency within a user's folders against the same search unrestricted.

    python -m bench.access_masks [--files 100000] [--rules 50] [--queries 200]

Builds one index of `--files` files in `--rules` department folders (one rule each), with a
hashing encoder of the real model's dimension, so FAISS and BM25 do the real work and the
query encoding, which a mask does not touch, costs almost nothing: the ratios are the worst a
mask can do. Then times the same queries, in every mode, for staff (no mask) and for users
whose rules grant one, five, all but five or all of the folders, interleaved, and prints each
median beside the unrestricted one. Goal: every ratio at most 1.2.
"""

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from bench.django_setup import throwaway_django

VOCABULARY = [f"w{n}" for n in range(5000)] + (
    "budget plan rapor toplantı memo pension roadmap network printer invoice şifre".split()
)


def documents(files: int, folders: int):
    from search.engine import Document

    chance = random.Random(7)
    for number in range(files):
        folder = f"/srv/dept{number % folders:02}/team{number // folders % 20:02}"
        text = " ".join(chance.choices(VOCABULARY, k=chance.randint(20, 60)))
        yield Document(
            number + 1, f"{folder}/f{number:06}.txt", "text/plain", len(text), number, "", text
        )


def build(files: int, folders: int, workdir: Path):
    from django.conf import settings

    from search.engine import EngineConfig, HashingEncoder, SearchIndex

    encoder = HashingEncoder(dimension=384)
    config = EngineConfig(
        index_dir=workdir / "index",
        model_path="unused",
        hnsw_threshold=settings.SEMANTIC_HNSW_THRESHOLD,
        ef_search=settings.SEMANTIC_EF_SEARCH,
    )
    started = time.perf_counter()
    index = SearchIndex.build(
        documents(files, folders), encoder=encoder, config=config, previous=None, workdir=workdir
    )
    kind = index.manifest.get("index_type", "?")
    print(
        f"built {len(index.table)} files, {index.manifest['passages']} passages ({kind}) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return index, encoder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--rules", type=int, default=50)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    with throwaway_django(None), tempfile.TemporaryDirectory() as scratch:
        from indexer.access import AccessScope
        from search import factory
        from search.freshness import Lag
        from search.request import Mode, SearchRequest
        from search.selectors import SearchContext, search_page

        index, encoder = build(args.files, args.rules, Path(scratch))
        factory.use_encoder(encoder)
        folders = [f"/srv/dept{n:02}" for n in range(args.rules)]
        scopes = {
            "no mask (staff)": AccessScope(None),
            "1 folder": AccessScope(tuple(folders[:1])),
            "5 folders": AccessScope(tuple(folders[:5])),
            f"{args.rules - 5} folders": AccessScope(tuple(folders[5:])),
            f"{args.rules} folders": AccessScope(tuple(folders)),
        }
        chance = random.Random(11)
        queries = [
            " ".join(chance.choices(VOCABULARY, k=chance.randint(1, 3)))
            for _ in range(args.queries)
        ]
        print(f"{args.queries} queries a mode; median ms, and the ratio to no mask\n")
        print(f"{'mode':9}" + "".join(f"{name:>22}" for name in scopes))
        for mode in Mode:
            times: dict[str, list[float]] = {name: [] for name in scopes}
            for query in queries:
                request = SearchRequest(query=query, mode=mode, page_size=20)
                for name, scope in scopes.items():  # interleaved: drift hits all alike
                    context = SearchContext(index, Lag(frozenset(), 0), scope, 0)
                    started = time.perf_counter()
                    search_page(context=context, request=request)
                    times[name].append((time.perf_counter() - started) * 1000)
            base = statistics.median(times["no mask (staff)"])
            cells = []
            for name in scopes:
                median = statistics.median(times[name])
                cells.append(f"{median:9.2f} ms ({median / base:4.2f}x)")
            print(f"{mode.value:9}" + "".join(f"{cell:>22}" for cell in cells))


if __name__ == "__main__":
    main()
