"""Baselines over the same texts: plain bm25s, and the same model with one vector per document."""

import time
from collections.abc import Callable
from dataclasses import dataclass

import bm25s
import numpy as np

from search.engine import Encoder

from .collection import Collection
from .metrics import Run

DEPTH = 100
# Documents encoded per call, so the progress bar moves while the dense baseline builds.
ENCODE_CHUNK = 256


@dataclass(frozen=True, slots=True)
class Timed:
    """A system's ranked run, how long its index took, and each query's latency (seconds)."""

    run: Run
    index_seconds: float
    latencies: list[float]


Tick = Callable[[int], None]


def bm25_baseline(collection: Collection, tick: Tick) -> Timed:
    """Rank with bm25s as it comes: its tokenizer, English stopwords, BM25 defaults."""
    ids = list(collection.documents)
    started = time.perf_counter()
    tokens = bm25s.tokenize(
        list(collection.documents.values()), stopwords="en", show_progress=False
    )
    retriever = bm25s.BM25()
    retriever.index(tokens, show_progress=False)
    index_seconds = time.perf_counter() - started
    run, latencies = {}, []
    for query_id, query in collection.queries.items():
        started = time.perf_counter()
        terms = bm25s.tokenize([query], stopwords="en", return_ids=False, show_progress=False)
        found, scores = retriever.retrieve(
            terms, k=min(DEPTH, len(ids)), show_progress=False, n_threads=1
        )
        latencies.append(time.perf_counter() - started)
        # bm25s pads with zero-score documents; Dizin returns only documents that match.
        run[query_id] = [ids[i] for i, s in zip(found[0], scores[0], strict=True) if s > 0]
        tick(1)
    return Timed(run, index_seconds, latencies)


def dense_baseline(collection: Collection, encoder: Encoder, tick: Tick) -> Timed:
    """Rank by the cosine of one vector per whole document, by exact search."""
    ids = list(collection.documents)
    texts = list(collection.documents.values())
    started = time.perf_counter()
    chunks = []
    for start in range(0, len(texts), ENCODE_CHUNK):
        chunks.append(encoder.encode_passages(texts[start : start + ENCODE_CHUNK]))
        tick(len(chunks[-1]))
    vectors = np.concatenate(chunks) if chunks else np.empty((0, encoder.dimension), np.float32)
    index_seconds = time.perf_counter() - started
    run, latencies = {}, []
    for query_id, query in collection.queries.items():
        started = time.perf_counter()
        scores = vectors @ encoder.encode_queries([query])[0]
        top = np.argsort(-scores, kind="stable")[:DEPTH]
        latencies.append(time.perf_counter() - started)
        run[query_id] = [ids[i] for i in top.tolist()]
        tick(1)
    return Timed(run, index_seconds, latencies)
