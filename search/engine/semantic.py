"""Vector search over passage embeddings with FAISS, best passage per file."""

from functools import cached_property
from pathlib import Path

import faiss
import numpy as np

HNSW_NEIGHBORS = 32
# Below this many allowed passages, an exact scan of them beats filtered HNSW, which can
# miss allowed vectors when they are few.
EXACT_SCAN_LIMIT = 20_000
# A file has several passages, so ask for more passages than files wanted, then grow.
FIRST_DEPTH = 64
GROWTH = 4
# Passages read at a time to sum up the vectors' spread.
MOMENT_CHUNK = 65_536
# Fewer passages than this tell too little about how similar an unrelated text is.
FLOOR_MIN_PASSAGES = 500


class VectorIndex:
    """Inner-product search over unit vectors: exact when small, HNSW when large."""

    def __init__(
        self,
        index: faiss.Index,
        ef_search: int,
        *,
        mapped: bool = False,
        moments: np.ndarray | None = None,
    ) -> None:
        self._index = index
        self._saved_moments = moments
        self.ef_search = ef_search
        self.mapped = mapped
        self.kind = "hnsw" if isinstance(index, faiss.IndexHNSW) else "flat"
        # HNSW keeps the vectors in a flat index, which answers exactly when it must.
        # FAISS's own type stubs leave out IndexHNSW.storage and SearchParametersHNSW.
        self._exact = faiss.downcast_index(index.storage) if self.kind == "hnsw" else index  # type: ignore[attr-defined]

    @classmethod
    def create(cls, dimension: int, count: int, *, hnsw_threshold: int, ef_search: int):
        """Make an empty index of the kind that suits `count` vectors."""
        if count < hnsw_threshold:
            return cls(faiss.IndexFlatIP(dimension), ef_search)
        return cls(
            faiss.IndexHNSWFlat(dimension, HNSW_NEIGHBORS, faiss.METRIC_INNER_PRODUCT), ef_search
        )

    @classmethod
    def load(cls, path: Path, ef_search: int, moments: np.ndarray | None = None) -> "VectorIndex":
        """Map a saved index's vectors (and HNSW's links) read-only, with its saved `moments`."""
        # Processes serving the file then share one copy, in the page cache (147 MiB a worker
        # at 100,000 passages), and the mapping is read-only: nothing can write the file.
        index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC)
        return cls(index, ef_search, mapped=True, moments=moments)

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    @property
    def dimension(self) -> int:
        return self._index.d

    def __len__(self) -> int:
        return self._index.ntotal

    def add(self, vectors: np.ndarray) -> None:
        if self.mapped:
            # FAISS would abort the whole process, not raise, asked to grow mapped vectors.
            raise ValueError("an index loaded from disk is read-only")
        self._index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    def reconstruct(self, ids: np.ndarray) -> np.ndarray:
        return self._index.reconstruct_batch(np.ascontiguousarray(ids, dtype=np.int64))

    def similarity_floor(self, query: np.ndarray, deviations: float) -> float:
        """Return the similarity `deviations` standard deviations above the query's mean
        similarity to every passage; -1 when there are too few passages to tell."""
        if len(self) < FLOOR_MIN_PASSAGES:
            return -1.0
        moments = self.moments
        mean, covariance = moments[0], moments[1:]
        query = np.asarray(query, dtype=np.float64)
        spread = float(np.sqrt(max(query @ covariance @ query, 0.0)))
        return float(query @ mean) + deviations * spread

    @cached_property
    def moments(self) -> np.ndarray:
        """Return the passage vectors' mean, then their covariance: they give any query's spread."""
        # Saved with the index: summed in a serving process, they cost its first semantic
        # search the time to read every vector, and left it 5 MiB of BLAS and float64 buffers.
        if self._saved_moments is not None:
            return self._saved_moments
        count, dimension = len(self), self.dimension
        total = np.zeros(dimension)
        products = np.zeros((dimension, dimension))
        for start in range(0, count, MOMENT_CHUNK):
            block = self._exact.reconstruct_n(start, min(MOMENT_CHUNK, count - start))
            block = block.astype(np.float64)
            total += block.sum(axis=0)
            products += block.T @ block
        mean = total / max(count, 1)
        return np.vstack([mean, products / max(count, 1) - np.outer(mean, mean)])

    def search_files(
        self,
        query: np.ndarray,
        *,
        passage_rows: np.ndarray,
        allowed: np.ndarray | None,
        limit: int,
        min_score: float,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return the rows, best scores and best passages of the top `limit` files.

        `allowed` marks the passages that may match. The search goes deeper until it has
        `limit` files, has run out of allowed passages, or has passed below `min_score`.
        """
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        available = len(self) if allowed is None else int(np.count_nonzero(allowed))
        depth = min(available, max(FIRST_DEPTH, GROWTH * limit))
        while True:
            scores, ids = self._top(query, depth, allowed, available)
            keep = scores >= min_score
            scores, ids = scores[keep], ids[keep]
            rows = passage_rows[ids]
            _, firsts = np.unique(rows, return_index=True)
            firsts.sort()
            if len(firsts) >= limit or depth >= available or not keep.all():
                firsts = firsts[:limit]
                return rows[firsts], scores[firsts], ids[firsts]
            depth = min(available, depth * GROWTH)

    def _top(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None, available: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return the `k` best allowed passages, best first."""
        if k == 0:
            return np.empty(0, dtype=np.float32), np.empty(0, dtype=np.int64)
        if self.kind == "hnsw" and (allowed is None or available > EXACT_SCAN_LIMIT):
            params = faiss.SearchParametersHNSW(efSearch=max(self.ef_search, k))  # type: ignore[attr-defined]
            scores, ids = _search(self._index, query, k, allowed, params)
            # HNSW can run out of neighbours to visit before it finds k allowed passages.
            if len(ids) == k:
                return scores, ids
        return _search(self._exact, query, k, allowed, faiss.SearchParameters())


def _search(
    index: faiss.Index,
    query: np.ndarray,
    k: int,
    allowed: np.ndarray | None,
    params: faiss.SearchParameters,
) -> tuple[np.ndarray, np.ndarray]:
    if allowed is not None:
        # FAISS only points at the selector and its bitmap: both live until we return.
        bitmap = np.packbits(allowed, bitorder="little")
        selector = faiss.IDSelectorBitmap(len(allowed), faiss.swig_ptr(bitmap))
        params.sel = selector
    scores, ids = index.search(query, k, params=params)
    found = ids[0] >= 0
    return scores[0][found], ids[0][found]
