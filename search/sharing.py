"""A build's embedding shared with other Celery workers: each batch embedded once, by its claimer.

The build offers every batch as a task naming the passages' spans in its texts file (in the
shared INDEX_DIR) and works through the batches from the back; workers take them from the
front. A batch is done once its vectors are in the vector store, which the build then reads.
A helper that dies lets its claim expire, and the build embeds that batch itself.
"""

import logging
import uuid
from pathlib import Path

import numpy as np

from core.claims import BatchClaims
from core.queue import celery_app
from core.workers import others_can_help
from search.engine import Encoder
from search.factory import get_encoder
from search.vectors import DatabaseVectorStore

logger = logging.getLogger(__name__)
EMBED_TASK = "dizin.embed_batch"


def embed_helpers(*, texts: Path, model: Encoder, share: bool) -> "CeleryEmbedHelpers | None":
    """Return helpers for a build that would share, when other workers can help it."""
    if not share or not others_can_help():
        return None
    return CeleryEmbedHelpers(run=uuid.uuid4().hex, texts=texts, model_id=model.model_id)


class CeleryEmbedHelpers:
    """The engine's EmbedHelpers, as Celery tasks claiming batches in the shared cache."""

    def __init__(self, *, run: str, texts: Path, model_id: str) -> None:
        self._claims = BatchClaims(run)
        self._texts = texts
        self._model_id = model_id

    def offer(self, batches: list[tuple[np.ndarray, list[tuple[int, int]]]]) -> None:
        for number, (keys, spans) in enumerate(batches):
            arguments = {
                "run": self._claims.run, "number": number, "texts": str(self._texts),
                "spans": spans, "keys": keys.tolist(), "model_id": self._model_id,
            }  # fmt: skip
            celery_app().send_task(EMBED_TASK, kwargs=arguments, retry=False)

    def claim(self, number: int) -> bool:
        return self._claims.claim(number)

    def finish(self, number: int) -> None:
        self._claims.finish(number)

    def wait(self, number: int) -> bool:
        return self._claims.wait(number)[0]


def embed_batch_run(
    *, run: str, number: int, texts: str, spans: list[list[int]], keys: list[int], model_id: str
) -> bool:
    """Embed and store one offered batch unless another process claimed it; say if it did."""
    claims = BatchClaims(run)
    if not claims.claim(number):
        return False
    try:
        encoder = get_encoder()
        if encoder.model_id != model_id:
            raise LookupError(f"this worker's model is {encoder.model_id}, the build's {model_id}")
        with open(texts, "rb") as file:
            passages = [_read(file, start, end) for start, end in spans]
        vectors = encoder.encode_passages(passages)
        store = DatabaseVectorStore(model_id=model_id, dimension=encoder.dimension)
        store.add(np.array(keys, dtype=np.uint64), vectors)
    except (OSError, LookupError) as error:
        # The build has finished, or this worker cannot help it: the build embeds the batch.
        claims.abandon(number)
        logger.info("Left embedding batch %s of build %s to the build: %s", number, run, error)
        return False
    except BaseException:
        claims.abandon(number)
        raise
    claims.finish(number)
    return True


def _read(file, start: int, end: int) -> str:
    file.seek(start)
    return file.read(end - start).decode()
