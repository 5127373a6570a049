"""Writes for search: build the next index generation from the file index."""

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.utils import timezone

from core.progress import NoProgress, Phase, Progress
from search.engine import (
    IndexUnavailable,
    SearchIndex,
    generation_dir,
    read_current,
    write_generation,
)
from search.engine.builder import ENCODE_BATCHES, TEXTS_FILE
from search.factory import engine_config, get_encoder
from search.sharing import embed_helpers
from search.sources import SourceState, file_index_state, index_documents
from search.vectors import DatabaseVectorStore

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BuildReport:
    generation: int | None
    files: int = 0
    passages: int = 0
    encoded: int = 0
    elapsed: float = 0.0

    @classmethod
    def of(cls, generation: int, manifest: dict[str, Any], *, elapsed: float) -> "BuildReport":
        return cls(
            generation=generation,
            files=manifest["files"],
            passages=manifest["passages"],
            encoded=manifest["encoded_passages"],
            elapsed=elapsed,
        )

    @property
    def skipped(self) -> bool:
        return self.generation is None

    def summary_lines(self) -> list[str]:
        if self.skipped:
            return ["search index  up to date"]
        return [
            f"search index  generation {self.generation}: {self.files} files, "
            f"{self.passages} passages ({self.encoded} embedded) in {self.elapsed:.2f} s"
        ]


def search_index_build(
    *,
    force: bool = False,
    progress: Progress | None = None,
    share: bool = False,
    keyword_first: bool = False,
) -> BuildReport:
    """Build and swap in a new index generation, unless the current one is already up to date.

    Vectors the current generation or the store has are reused, and each batch embedded is
    stored at once. `progress` hears of the phases and may stop the build at a checkpoint (the
    served generation stays). With `share`, other Celery workers embed some batches. With
    `keyword_first`, a build with much to embed is swapped in first without it, for keyword
    search, then built again with it.
    """
    started, snapshot_at = time.monotonic(), timezone.now()
    previous = _current_index()
    source = file_index_state()
    if not force and previous and _up_to_date(previous, source.fingerprint):
        return BuildReport(generation=None)
    progress = progress or NoProgress()
    # Deferred past one encoding round of batches: more than a few seconds of embedding.
    defer_over = engine_config().batch_size * ENCODE_BATCHES if keyword_first else None
    generation, index = _write(previous, source, snapshot_at, progress, share, defer_over)
    if index.manifest["deferred_passages"]:
        generation, index = _write(index, source, snapshot_at, progress, share, None)
    return BuildReport.of(generation, index.manifest, elapsed=time.monotonic() - started)


def _up_to_date(index: SearchIndex, fingerprint: str) -> bool:
    """Tell whether `index` was built from the file index as it is, with every vector."""
    manifest = index.manifest
    return manifest["metadata"].get("source") == fingerprint and not manifest.get(
        "deferred_passages"
    )


def _write(
    previous: SearchIndex | None, source: SourceState, snapshot_at: datetime, progress: Progress,
    share: bool, defer_over: int | None,
) -> tuple[int, SearchIndex]:  # fmt: skip
    """Build the next generation, swap it in, and keep only the vectors it uses."""
    encoder = get_encoder()
    store = DatabaseVectorStore(model_id=encoder.model_id, dimension=encoder.dimension)
    metadata = {"source": source.fingerprint, "snapshot_at": snapshot_at.isoformat()}
    built: list[SearchIndex] = []

    def build(workdir: Path) -> SearchIndex:
        built.append(
            SearchIndex.build(
                index_documents(),
                encoder=encoder,
                config=engine_config(),
                previous=previous,
                workdir=workdir,
                store=store,
                progress=_EngineProgress(progress, files=source.alive),
                metadata=metadata,
                helpers=embed_helpers(texts=workdir / TEXTS_FILE, model=encoder, share=share),
                defer_over=defer_over,
            )
        )
        progress.start(Phase.SWAP, None)
        return built[0]

    generation = write_generation(engine_config().index_dir, build)
    store.prune(keep=built[0].passages.keys)
    return generation, built[0]


class _EngineProgress:
    """Pass the engine's (phase, done, total) reports on as phases, with a checkpoint each."""

    def __init__(self, progress: Progress, *, files: int) -> None:
        self._progress = progress
        self._files = files
        self._phase: Phase | None = None
        self._done = 0

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        if phase != self._phase:
            self._phase = Phase(phase)
            self._progress.start(self._phase, self._files if self._phase == Phase.BUILD else total)
            self._done = 0
        self._progress.advance(done - self._done)
        self._done = done
        self._progress.checkpoint()


def _current_index() -> SearchIndex | None:
    """Load the served generation to reuse its vectors; without one, everything is embedded."""
    config = engine_config()
    generation = read_current(config.index_dir)
    if generation is None:
        return None
    try:
        return SearchIndex.load(generation_dir(config.index_dir, generation), encoder=get_encoder())
    except IndexUnavailable as error:
        logger.warning("Building from scratch: the current index is unusable (%s).", error.reason)
        return None
