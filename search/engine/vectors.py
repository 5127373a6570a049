"""Where a build's passage vectors come from: an earlier index, a vector store, or the model.

Every vector the model computes goes to the store a batch at a time, as it is computed, so a
build that dies loses at most the batch in flight: the next build finds the rest there.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .encoder import Encoder
from .semantic import VectorIndex

# Vectors go into FAISS this many at a time, to bound the memory of assembling them.
ADD_CHUNK = 16_384

EmbedProgress = Callable[[int, int], None]
"""Told (passages embedded so far, passages to embed) after each batch."""
PassageSpan = Callable[[int], tuple[int, int]]
"""Where a passage's text lies in the texts file: (start byte, end byte)."""


class EmbedHelpers(Protocol):
    """Other processes that embed a build's batches alongside it, storing what they embed.

    Each batch is embedded once: by whoever claims it first, the build or a helper.
    """

    def offer(self, batches: list[tuple[np.ndarray, list[tuple[int, int]]]]) -> None:
        """Hand every batch (its keys, its passages' spans in the texts file) to the helpers."""
        ...

    def claim(self, number: int) -> bool:
        """Claim batch `number` for the build; False when a helper has it."""
        ...

    def finish(self, number: int) -> None:
        """Record that the build stored batch `number`."""
        ...

    def wait(self, number: int) -> bool:
        """Wait for the helper that has batch `number`: True once stored, False if it gave up."""
        ...


class VectorStore(Protocol):
    """Passage vectors of one model, by passage key, kept apart from any index."""

    def find(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the positions in `keys` the store has, and their vectors."""
        ...

    def add(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        """Keep these vectors, durably, before returning."""
        ...


class MemoryVectorStore:
    """A VectorStore in a dict: for tests, and for builds that need no checkpoints."""

    def __init__(self) -> None:
        self.vectors: dict[int, np.ndarray] = {}

    def find(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        positions = [i for i, key in enumerate(keys.tolist()) if key in self.vectors]
        found = [self.vectors[int(keys[i])] for i in positions]
        return np.array(positions, dtype=np.int64), np.array(found, dtype=np.float32)

    def add(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        self.vectors.update(zip(keys.tolist(), vectors, strict=True))


@dataclass(frozen=True, slots=True)
class Reusable:
    """Vectors of an earlier index built with the same model, by passage key."""

    keys: np.ndarray
    vectors: VectorIndex


class VectorSources:
    """Collect each passage's key, then find or compute a vector for every distinct one."""

    def __init__(
        self, encoder: Encoder, reusable: Reusable | None, store: VectorStore, batch: int
    ) -> None:
        self._encoder = encoder
        self._reusable = reusable
        self._store = store
        self._batch = batch
        self._slots: dict[int, int] = {}
        self._first_passage: list[int] = []  # of each distinct key: where to read its text
        self._passage_slots: list[int] = []
        self._keys = np.empty(0, dtype=np.uint64)
        self._from_previous = np.empty(0, dtype=np.int64)
        self._missing = np.empty(0, dtype=bool)
        # Vectors found in the store or encoded, by slot (rows stay untouched, unallocated,
        # for keys the earlier index has).
        self._new = np.empty((0, encoder.dimension), dtype=np.float32)
        self.encoded = 0
        # Passages other processes embedded for this build (see embed()'s helpers).
        self.helped = 0

    def add(self, key: int, passage: int) -> None:
        """Take the next passage's key; `passage` numbers it, to read its text back."""
        slot = self._slots.setdefault(key, len(self._slots))
        if slot == len(self._first_passage):
            self._first_passage.append(passage)
        self._passage_slots.append(slot)

    def to_embed(self) -> int:
        """Find what the earlier index and the store have; return how many must be embedded."""
        keys = self._keys = np.fromiter(self._slots, dtype=np.uint64, count=len(self._slots))
        self._from_previous = self._in_previous(keys)
        self._missing = self._from_previous < 0
        self._new = np.zeros((len(keys), self._encoder.dimension), dtype=np.float32)
        unknown = np.flatnonzero(self._missing)
        positions, vectors = self._store.find(keys[unknown])
        if len(positions):
            self._new[unknown[positions]] = vectors
            self._missing[unknown[positions]] = False
        return int(np.count_nonzero(self._missing))

    def embed(
        self,
        text: Callable[[int], str],
        progress: EmbedProgress,
        *,
        helpers: EmbedHelpers | None = None,
        span: PassageSpan | None = None,
    ) -> None:
        """Encode what to_embed() found nowhere, a batch at a time, keeping each in the store.

        With `helpers` (and `span`), they take batches from the front while this build takes
        them from the back; it then waits for theirs, embedding any a helper gave up on.
        """
        slots = np.flatnonzero(self._missing)
        batches = [
            slots[start : start + self._batch] for start in range(0, len(slots), self._batch)
        ]
        if helpers is None or span is None or len(batches) < 2:
            for batch in batches:
                self._encode(batch, text, progress, len(slots))
            return
        helpers.offer(
            [(self._keys[b], [span(self._first_passage[s]) for s in b.tolist()]) for b in batches]
        )

        def embed_if_free(number: int) -> bool:
            """Embed batch `number` here unless a helper has it; say whether it was embedded."""
            if not helpers.claim(number):
                return False
            self._encode(batches[number], text, progress, len(slots))
            helpers.finish(number)
            return True

        theirs = [number for number in reversed(range(len(batches))) if not embed_if_free(number)]
        for number in reversed(theirs):
            while not helpers.wait(number):
                if embed_if_free(number):  # its helper gave it up
                    break
            else:
                self._stored(batches[number], progress, len(slots))

    def _encode(
        self, batch: np.ndarray, text: Callable[[int], str], progress: EmbedProgress, total: int
    ) -> None:
        texts = [text(self._first_passage[slot]) for slot in batch.tolist()]
        vectors = self._encoder.encode_passages(texts)
        self._store.add(self._keys[batch], vectors)
        self._new[batch] = vectors
        self.encoded += len(batch)
        progress(self.encoded + self.helped, total)

    def _stored(self, batch: np.ndarray, progress: EmbedProgress, total: int) -> None:
        """Take a batch a helper embedded from the store."""
        positions, vectors = self._store.find(self._keys[batch])
        if len(positions) != len(batch):
            raise RuntimeError("a helper reported a batch stored that the store lacks")
        self._new[batch[positions]] = vectors
        self.helped += len(batch)
        progress(self.encoded + self.helped, total)

    def unembedded(self) -> np.ndarray:
        """Tell, for each passage, whether its vector was found nowhere and not embedded."""
        return self._missing[np.array(self._passage_slots, dtype=np.int64)]

    def fill(self, index: VectorIndex) -> None:
        """Add every passage's vector to `index`, in passage order."""
        passage_slots = np.array(self._passage_slots, dtype=np.int64)
        for start in range(0, len(passage_slots), ADD_CHUNK):
            slots = passage_slots[start : start + ADD_CHUNK]
            previous = self._from_previous[slots]
            reused = previous >= 0
            chunk = np.empty((len(slots), index.dimension), dtype=np.float32)
            if self._reusable is not None and reused.any():
                chunk[reused] = self._reusable.vectors.reconstruct(previous[reused])
            if not reused.all():
                chunk[~reused] = self._new[slots[~reused]]
            index.add(chunk)

    def _in_previous(self, keys: np.ndarray) -> np.ndarray:
        """Return the earlier index's vector id of each key, or -1 where it has none."""
        if self._reusable is None or not len(self._reusable.keys) or not len(keys):
            return np.full(len(keys), -1, dtype=np.int64)
        order = np.argsort(self._reusable.keys)
        known = self._reusable.keys[order]
        positions = np.searchsorted(known, keys).clip(max=len(known) - 1)
        return np.where(known[positions] == keys, order[positions], -1)
