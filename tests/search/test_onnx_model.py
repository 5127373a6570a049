"""Queries and passages on ONNX Runtime give the model's own vectors, and torch stands in when
they cannot.

The graph served is ONNX Runtime's own optimization of the export, with its weights (prepacked
too) in a file the processes serving queries map, and so share.
"""

import json
import logging
import shutil
from itertools import islice
from pathlib import Path

import numpy as np
import pytest

from search.engine import SentenceTransformerEncoder
from search.factory import engine_config

pytestmark = pytest.mark.model
DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
COLLECTIONS = ["cranfield", "med", "cacm", "lisa", "npl"]


def texts(count: int = 1000) -> list[str]:
    """Every dev collection's queries, then the first lines of their documents, to `count`."""
    queries, lines = [], []
    for name in COLLECTIONS:
        with (DATA / name / "queries.jsonl").open() as rows:
            queries += [json.loads(row)["text"] for row in rows]
        with (DATA / name / "corpus.jsonl").open() as rows:
            lines += [json.loads(row)["text"].split(".")[0] for row in islice(rows, 200)]
    return [text for text in queries + lines if text.strip()][:count]


@pytest.fixture(scope="module")
def encoder(tmp_path_factory) -> SentenceTransformerEncoder:
    model_path = engine_config().model_path
    onnx_dir = tmp_path_factory.mktemp("onnx")
    return SentenceTransformerEncoder(model_path, dtype="float32", threads=1, onnx_dir=onnx_dir)


@pytest.fixture(scope="module")
def torch_encoder() -> SentenceTransformerEncoder:
    return SentenceTransformerEncoder(engine_config().model_path, dtype="float32", threads=1)


def passages(count: int = 1000) -> list[str]:
    """Passage-sized texts from every dev collection: up to 200 words of each document."""
    found = []
    for name in COLLECTIONS:
        with (DATA / name / "corpus.jsonl").open() as rows:
            for row in islice(rows, count // len(COLLECTIONS)):
                found.append(" ".join(json.loads(row)["text"].split()[:200]))
    return found


def test_onnx_query_vectors_match_torch_on_a_thousand_texts(encoder, torch_encoder):
    sample = texts()

    onnx = np.vstack([encoder.encode_queries([text]) for text in sample])
    torch = torch_encoder.encode_passages(sample)

    cosines = (onnx * torch).sum(axis=1)
    assert (len(sample), onnx.shape, onnx.dtype) == (1000, (1000, 384), np.float32)
    assert cosines.min() >= 0.99
    assert encoder._onnx is not None


def test_onnx_passage_vectors_match_torch_on_a_thousand_passages(encoder, torch_encoder):
    sample = passages()

    onnx = encoder.encode_passages(sample)
    torch = torch_encoder.encode_passages(sample)

    cosines = (onnx * torch).sum(axis=1)
    assert (len(sample), onnx.shape, onnx.dtype) == (1000, (1000, 384), np.float32)
    assert cosines.min() >= 0.99
    assert encoder._onnx is not None


def test_a_model_the_export_would_not_reproduce_encodes_queries_on_torch(tmp_path, caplog):
    model = Path(shutil.copytree(engine_config().model_path, tmp_path / "model"))
    pooling = model / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text()) | {
        "pooling_mode_mean_tokens": False,
        "pooling_mode_cls_token": True,
    }
    pooling.write_text(json.dumps(config))
    caplog.set_level(logging.INFO)

    encoder = SentenceTransformerEncoder(str(model), onnx_dir=tmp_path / "onnx")

    assert encoder._onnx is None
    assert "Encoding on torch: the model is not exported (pooling" in caplog.text
    assert encoder.encode_queries(["a query"]).shape == (1, 384)


def test_when_onnx_runtime_fails_queries_go_to_torch(tmp_path, monkeypatch, caplog):
    from search.engine.onnx_model import OnnxEncoder

    def broken(self, texts):
        raise RuntimeError("no session")

    monkeypatch.setattr(OnnxEncoder, "encode", broken)
    encoder = SentenceTransformerEncoder(engine_config().model_path, onnx_dir=tmp_path)

    vector = encoder.encode_queries(["a query"])

    assert vector.shape == (1, 384)
    assert "Encoding on torch: ONNX Runtime failed: no session" in caplog.text
    assert encoder._onnx is None


@pytest.mark.django_db
def test_a_reindex_exports_the_query_encoder_so_servers_never_load_torch(tmp_path, settings):
    from search import factory
    from tests.search.conftest import reindex, write_corpus

    settings.SEMANTIC_ONNX_DIR = tmp_path / "onnx"
    factory.use_encoder(None)
    root = write_corpus(tmp_path / "kb", {"a.txt": ("some words", "2025-01-01")})

    reindex(str(root))

    names = sorted(path.name for path in (tmp_path / "onnx").iterdir())
    exported = [name for name in names if name.endswith("-v1.onnx")]
    prepared = [name for name in names if "-p1-ort" in name]
    assert len(exported) == 1
    assert [Path(name).suffix for name in prepared] == [".onnx", ".data"]
    assert set(names) == {*exported, *prepared, ".prepare.lock"}


def mapped(name: str) -> list[str]:
    """Return the permissions of this process's mappings of files called `name`."""
    lines = Path("/proc/self/maps").read_text().splitlines()
    return sorted({line.split()[1] for line in lines if line.endswith(f"/{name}")})


def test_queries_run_on_the_prepared_graph_with_mapped_weights_and_the_exports_vectors(
    encoder,
):
    import onnxruntime

    sample = texts(50)
    served = np.vstack([encoder.encode_queries([text]) for text in sample])

    graph = encoder._onnx.graph_path
    [prepared] = graph.parent.glob(f"{graph.stem}-p1-ort*.onnx")
    # Private copy-on-write pages of the file: nothing ONNX Runtime writes reaches it.
    assert mapped(f"{prepared.name}.data") == ["rw-p"]
    export = onnxruntime.InferenceSession(str(graph), providers=["CPUExecutionProvider"])
    _, tokenizer = encoder._onnx._loaded()

    def run(text: str) -> np.ndarray:
        [encoded] = tokenizer.encode_batch([text])
        ids = np.array([encoded.ids], dtype=np.int64)
        mask = np.array([encoded.attention_mask], dtype=np.int64)
        return export.run(None, {"input_ids": ids, "attention_mask": mask})[0]

    np.testing.assert_allclose(served, np.vstack([run(text) for text in sample]), atol=1e-6)


def test_a_graph_that_cannot_be_prepared_leaves_nothing_behind(tmp_path):
    from search.engine.onnx_model import prepare

    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a graph")

    with pytest.raises(OSError, match="preparing the graph failed"):
        prepare(broken, tmp_path / "prepared.onnx")

    assert sorted(path.name for path in tmp_path.iterdir()) == [".prepare.lock", "broken.onnx"]


def test_without_a_prepared_graph_queries_run_on_the_export(encoder, tmp_path, monkeypatch, caplog):
    from search.engine import onnx_model

    def fails(source, target):
        raise OSError("no room")

    monkeypatch.setattr(onnx_model, "prepare", fails)
    shutil.copy(encoder._onnx.graph_path, tmp_path)
    model_path = engine_config().model_path
    fallback = SentenceTransformerEncoder(model_path, threads=1, onnx_dir=tmp_path)

    vector = fallback.encode_queries(["a query"])

    assert vector.shape == (1, 384)
    assert "Encoding on the export, a copy in every process: no room" in caplog.text
    assert fallback._onnx is not None  # still ONNX Runtime, not torch
