"""Writes for search: build the next index generation from the file index."""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from search.engine import (
    IndexUnavailable,
    SearchIndex,
    generation_dir,
    read_current,
    write_generation,
)
from search.factory import engine_config, get_encoder
from search.sources import file_index_fingerprint, index_documents

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BuildReport:
    generation: int | None
    files: int = 0
    passages: int = 0
    encoded: int = 0
    elapsed: float = 0.0

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
    *, force: bool = False, on_progress: Callable[[int], None] | None = None
) -> BuildReport:
    """Build and swap in a new index generation, unless the current one is already up to date.

    Vectors of passages the current generation has are reused, so only new text is embedded.
    `on_progress(files)` hears how many files were taken so far (the caller renews its lease).
    """
    started = time.monotonic()
    config, encoder = engine_config(), get_encoder()
    previous = _current_index()
    fingerprint = file_index_fingerprint()
    if not force and previous and previous.manifest["metadata"].get("source") == fingerprint:
        return BuildReport(generation=None)

    built: list[SearchIndex] = []

    def build(workdir):
        built.append(
            SearchIndex.build(
                index_documents(),
                encoder=encoder,
                config=config,
                previous=previous,
                workdir=workdir,
                progress=on_progress,
                metadata={"source": fingerprint},
            )
        )
        return built[0]

    generation = write_generation(config.index_dir, build)
    manifest = built[0].manifest
    return BuildReport(
        generation=generation,
        files=manifest["files"],
        passages=manifest["passages"],
        encoded=manifest["encoded_passages"],
        elapsed=time.monotonic() - started,
    )


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
