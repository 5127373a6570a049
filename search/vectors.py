"""The engine's vector store, in the database: every machine sharing it shares the vectors.

A row per passage vector, written a batch per transaction as the model computes them, so a
build that is killed, interrupted or out of memory loses at most the batch in flight, and the
next build (on this machine or another) embeds only what the table lacks.
"""

import numpy as np
from django.db import transaction

from core.iterables import batched
from indexer.bulk import insert_rows
from search.models import PassageVector

# Keys per lookup query: well under every database's limit on query parameters.
LOOKUP_CHUNK = 2000
_FIELDS = ["model_id", "key", "vector"]
_FLOAT = np.dtype("<f4")


class DatabaseVectorStore:
    """Vectors made by one model, in the PassageVector table."""

    def __init__(self, *, model_id: str, dimension: int) -> None:
        self.model_id = model_id
        self.dimension = dimension

    def find(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the positions in `keys` (uint64) the table has, and their vectors."""
        position = {key: i for i, key in enumerate(_signed(keys).tolist())}
        positions: list[int] = []
        vectors: list[np.ndarray] = []
        for chunk in batched(position, LOOKUP_CHUNK):
            rows = self._rows().filter(key__in=chunk).values_list("key", "vector")
            for key, vector in rows:
                positions.append(position[key])
                vectors.append(np.frombuffer(bytes(vector), dtype=_FLOAT))
        found = np.array(vectors, dtype=np.float32).reshape(len(vectors), self.dimension)
        return np.array(positions, dtype=np.int64), found

    @transaction.atomic
    def add(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        """Keep a batch of vectors in one transaction; ones already kept stay as they are."""
        data = np.ascontiguousarray(vectors, dtype=_FLOAT)
        rows = [
            (self.model_id, key, data[i].tobytes()) for i, key in enumerate(_signed(keys).tolist())
        ]
        insert_rows(PassageVector, _FIELDS, rows, ignore_conflicts=True)

    def prune(self, *, keep: np.ndarray) -> int:
        """Drop the vectors of other models and those of this model not in `keep`; say how many."""
        dropped = PassageVector.objects.exclude(model_id=self.model_id).delete()[0]
        rows = np.array(self._rows().values_list("id", "key"), dtype=np.int64).reshape(-1, 2)
        unused = rows[~np.isin(rows[:, 1], _signed(keep)), 0]
        for chunk in batched(unused.tolist(), LOOKUP_CHUNK):
            dropped += PassageVector.objects.filter(id__in=chunk).delete()[0]
        return dropped

    def count(self) -> int:
        return self._rows().count()

    def _rows(self):
        return PassageVector.objects.filter(model_id=self.model_id)


def _signed(keys: np.ndarray) -> np.ndarray:
    """Return uint64 passage keys as the int64 a BIGINT column holds (the same bits)."""
    return np.ascontiguousarray(keys, dtype=np.uint64).view(np.int64)
