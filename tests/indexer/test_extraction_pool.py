"""Extraction in worker processes: a hang, a crash or a blow-up costs one file, not the run."""

from pathlib import Path

import pytest

from indexer.extract import Extraction, Segment, Source, Status
from indexer.extract.pool import ExtractionPool, Job, PoolSettings

REGISTRY = "tests.indexer.misbehaving:MISBEHAVING"
SETTINGS = PoolSettings(workers=2, timeout=3, memory_bytes=1 << 30, registry=REGISTRY)


@pytest.fixture
def pool():
    started = ExtractionPool(SETTINGS)
    yield started
    started.close()


def job(path: Path, text: str = "") -> Job:
    path.write_text(text)
    kind = "text/plain" if path.suffix == ".txt" else "application/octet-stream"
    return Job(Source(str(path), kind, len(text), b""), str(path))


def test_each_file_fails_alone_with_the_reason(pool, tmp_path):
    jobs = [
        job(tmp_path / "a.hang"),
        job(tmp_path / "b.crash"),
        job(tmp_path / "c.eat"),
        job(tmp_path / "d.txt", "still read"),
    ]

    results = pool.extract(jobs)

    assert results[0] == Extraction(
        "hangs/1", Status.FAILED, detail="timed out after 3 s (INDEX_EXTRACT_TIMEOUT)"
    )
    assert (results[1].extractor, results[1].status) == ("crashes/1", Status.FAILED)
    assert results[1].detail.startswith("the extractor crashed: Worker exited prematurely")
    assert results[2] == Extraction(
        "eats/1", Status.FAILED, detail="out of memory (INDEX_EXTRACT_MEMORY_MB, 1024 MB)"
    )
    assert results[3] == Extraction("text/1", Status.OK, (Segment("still read"),), "", "utf-8")


def test_the_pool_goes_on_after_its_workers_were_killed(pool, tmp_path):
    pool.extract([job(tmp_path / "a.crash"), job(tmp_path / "b.hang")])

    assert pool.extract([job(tmp_path / "c.txt", "after")])[0].text == "after"
