"""Queries on ONNX Runtime give the model's own vectors, and torch stands in when they cannot."""

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


def test_onnx_query_vectors_match_torch_on_a_thousand_texts(encoder):
    sample = texts()

    onnx = np.vstack([encoder.encode_queries([text]) for text in sample])
    torch = encoder.encode_passages(sample)

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
    assert "Queries encode on torch: the model is not exported (pooling" in caplog.text
    assert encoder.encode_queries(["a query"]).shape == (1, 384)


def test_when_onnx_runtime_fails_queries_go_to_torch(tmp_path, monkeypatch, caplog):
    from search.engine.onnx_queries import OnnxQueryEncoder

    def broken(self, texts):
        raise RuntimeError("no session")

    monkeypatch.setattr(OnnxQueryEncoder, "encode", broken)
    encoder = SentenceTransformerEncoder(engine_config().model_path, onnx_dir=tmp_path)

    vector = encoder.encode_queries(["a query"])

    assert vector.shape == (1, 384)
    assert "Queries encode on torch: ONNX Runtime failed: no session" in caplog.text
    assert encoder._onnx is None


@pytest.mark.django_db
def test_a_reindex_exports_the_query_encoder_so_servers_never_load_torch(tmp_path, settings):
    from search import factory
    from tests.search.conftest import reindex, write_corpus

    settings.SEMANTIC_ONNX_DIR = tmp_path / "onnx"
    factory.use_encoder(None)
    root = write_corpus(tmp_path / "kb", {"a.txt": ("some words", "2025-01-01")})

    reindex(str(root))

    assert [path.suffix for path in (tmp_path / "onnx").iterdir()] == [".onnx"]
