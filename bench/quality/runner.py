"""Index a collection with the real reindex, search it through the real API, and score it."""

import io
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from tqdm import tqdm

from indexer.access import access_grant
from search.factory import engine_config, get_encoder, prepare_query_encoder, use_encoder
from search.request import MAX_QUERY_CHARS

from .baselines import DEPTH, Tick, Timed, bm25_baseline, dense_baseline, txtai_baseline
from .collection import Collection, write_documents
from .metrics import evaluate_run

MODES = ("keyword", "semantic", "hybrid")
BENCH_USER = "quality-bench"


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the table: a system's metrics and costs."""

    system: str
    metrics: dict[str, float]
    index_seconds: float
    mean_query_ms: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "system": self.system,
            **{name: round(value, 4) for name, value in self.metrics.items()},
            "index_seconds": round(self.index_seconds, 2),
            "mean_query_ms": round(self.mean_query_ms, 2),
        }


def evaluate(collection: Collection, scratch: Path, *, progress: bool = True) -> list[Row]:
    """Score the three baselines and Dizin's three modes on `collection`, working in `scratch`.

    Needs Django set up with a database and INDEX_DIR that may be written to freely.
    """
    names = write_documents(collection, scratch / "documents")
    index_seconds = _reindex(scratch / "documents", progress)
    # Each baseline and mode runs every query; the dense and txtai baselines also encode
    # every document.
    steps = len(collection.queries) * (3 + len(MODES)) + 2 * len(collection.documents)
    encoder = get_encoder()
    # The first encodes of each input length pay for one-off kernel set-up: pay it here, so
    # that whichever system is timed first is not charged for the others.
    for query in collection.queries.values():
        encoder.encode_queries([query])
    with tqdm(total=steps, unit="step", disable=not progress, dynamic_ncols=True) as bar:
        bm25 = bm25_baseline(collection, bar.update)
        dense = dense_baseline(collection, encoder, bar.update)
        # The model Dizin serves (the packaged one unless SEMANTIC_MODEL names another).
        txtai = txtai_baseline(collection, engine_config().model_path, bar.update)
        dizin = {mode: _search_all(collection, names, mode, bar.update) for mode in MODES}
    timed = {"BM25 baseline": bm25, "dense baseline": dense, "txtai hybrid": txtai}
    timed |= {
        f"Dizin {mode}": Timed(run.run, index_seconds, run.latencies) for mode, run in dizin.items()
    }
    return [_row(name, collection, result) for name, result in timed.items()]


def _reindex(root: Path, progress: bool) -> float:
    """Index `root` with the reindex command; return seconds. Only problems reach stderr."""
    # txtai is imported before its timing starts; so are the libraries the reindex loads the
    # model with (5 s here), else the index times would compare imports as well.
    import sentence_transformers  # noqa: F401

    # The query encoder's graph is exported once per installation, by its first reindex, and
    # found on disk by every reindex after it; it is timed on its own, not as indexing. The
    # encoder that exported it is dropped: the reindex loads its models as a later one would.
    started = time.perf_counter()
    prepare_query_encoder()
    use_encoder(None)
    print(f"query encoder exported in {time.perf_counter() - started:.1f} s, before indexing")
    started = time.perf_counter()
    problems = io.StringIO()
    call_command(
        "reindex",
        str(root),
        verbosity=int(progress),
        progress_interval=0,
        stdout=io.StringIO(),
        stderr=problems,
    )
    elapsed = time.perf_counter() - started
    if problems.getvalue():  # a file left out would lower every Dizin row unseen
        print(problems.getvalue(), file=sys.stderr)
    return elapsed


def _search_all(collection: Collection, names: dict[str, str], mode: str, tick: Tick) -> Timed:
    """Run every query through GET /api/search/ in `mode`; map result files to document ids."""
    client = _client()
    run, latencies = {}, []
    with override_settings(
        SEARCH_THROTTLE_RATE="100000000/hour", SEARCH_CACHE_TTL=0, INDEX_CHECK_INTERVAL=0
    ):
        _search(client, "warm up", mode)  # loads the index and the model outside the timing
        for query_id, query in collection.queries.items():
            started = time.perf_counter()
            results = _search(client, query, mode)
            latencies.append(time.perf_counter() - started)
            run[query_id] = [names[Path(r["file_path"]).name] for r in results]
            tick(1)
    return Timed(run, 0.0, latencies)


def _search(client: APIClient, query: str, mode: str) -> list[dict[str, Any]]:
    # Queries past the API's limit would be refused: they are sent cut, as a user would paste.
    params = {"q": query[:MAX_QUERY_CHARS], "mode": mode, "page_size": DEPTH}
    response = client.get("/api/search/", params)
    if response.status_code != 200:
        raise RuntimeError(
            f"{mode} search for {query!r} answered {response.status_code}: "
            f"{response.content[:500]!r}"
        )
    return response.json()["data"]


def _client() -> APIClient:
    """Return an API client logged in with a token, as a user of the service would be."""
    user, _ = get_user_model().objects.get_or_create(username=BENCH_USER)
    access_grant(path="/", user=user)  # searched as any user is: through an access rule
    token, _ = Token.objects.get_or_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _row(name: str, collection: Collection, result: Timed) -> Row:
    mean_ms = statistics.fmean(result.latencies) * 1000 if result.latencies else 0.0
    return Row(name, evaluate_run(collection.qrels, result.run), result.index_seconds, mean_ms)
