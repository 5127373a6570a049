import itertools
from pathlib import Path

import pytest

from search.engine.config import EngineConfig
from search.engine.documents import Document
from search.engine.encoder import HashingEncoder
from search.engine.index import SearchIndex


@pytest.fixture
def encoder() -> HashingEncoder:
    return HashingEncoder()


@pytest.fixture
def config(tmp_path: Path) -> EngineConfig:
    return EngineConfig(
        index_dir=tmp_path / "index",
        model_path="unused",
        passage_words=20,
        passage_overlap=5,
        max_passages_per_file=8,
        check_interval=0.0,
    )


@pytest.fixture
def build(tmp_path: Path, encoder: HashingEncoder, config: EngineConfig):
    """Build an index from documents, each build in its own work directory."""
    numbers = itertools.count()

    def build(
        documents: list[Document],
        *,
        previous: SearchIndex | None = None,
        config: EngineConfig = config,
        encoder: HashingEncoder = encoder,
        defer_over: int | None = None,
    ) -> SearchIndex:
        workdir = tmp_path / f"build-{next(numbers)}"
        workdir.mkdir()
        return SearchIndex.build(
            documents,
            encoder=encoder,
            config=config,
            previous=previous,
            workdir=workdir,
            defer_over=defer_over,
        )

    return build
