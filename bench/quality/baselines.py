"""Baselines over the same texts: plain bm25s, one vector per document, txtai's hybrid index."""

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import bm25s
import numpy as np

from search.engine import Encoder

from .collection import Collection
from .metrics import Run

DEPTH = 100
# Documents encoded per call, so the progress bar moves while the dense baseline builds.
ENCODE_CHUNK = 256
# `hybrid` alone leaves ranking to txtai's defaults: BM25 (k1 1.2, b 0.75) on its Unicode word
# tokenizer (no stopwords, no stemming), each score divided by min(best + index average,
# 6 x index average) and capped at 1, then added to the cosine as 0.5 x dense + 0.5 x sparse
# over each side's top 10 x limit. Its vectors: its own mean pooling of the model. Faiss is
# txtai's default backend, pinned to the flat index txtai documents as its small-index
# default: exact inner products at any size, where txtai would switch to IVF past 5,000.
TXTAI_CONFIG: dict[str, Any] = {"hybrid": True, "backend": "faiss"}
TXTAI_FAISS = {"components": "IDMap,Flat"}


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


def txtai_baseline(collection: Collection, model_path: str, tick: Tick) -> Timed:
    """Rank with txtai's hybrid defaults over `model_path`, vectors by exact Faiss IDMap,Flat."""
    # The optional `bench` extra: the rest of the harness loads without it.
    from txtai import Embeddings

    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder: the hub is never asked
    started = time.perf_counter()
    # Loading the model is part of txtai's indexing, as it is of the reindex.
    embeddings = Embeddings({**TXTAI_CONFIG, "faiss": dict(TXTAI_FAISS), "path": model_path})
    embeddings.index(_ticked(collection.documents, tick))
    index_seconds = time.perf_counter() - started
    # txtai's model is its own copy: pay its one-off set-up per query length, as the runner
    # does for Dizin's encoder, so the timed searches do not.
    for query in collection.queries.values():
        embeddings.transform(query)
    run, latencies = {}, []
    for query_id, query in collection.queries.items():
        started = time.perf_counter()
        found = embeddings.search(query, DEPTH)
        latencies.append(time.perf_counter() - started)
        run[query_id] = [str(doc_id) for doc_id, _ in found]
        tick(1)
    embeddings.close()
    return Timed(run, index_seconds, latencies)


def _ticked(documents: dict[str, str], tick: Tick) -> Iterator[tuple[str, str, None]]:
    """Yield txtai's (id, text, tags) rows, ticking as it reads each one."""
    for doc_id, text in documents.items():
        yield doc_id, text, None
        tick(1)
