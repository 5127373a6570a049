"""Two workers share a run's embedding, and the result is the single-process run's, exactly."""

import json
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from bench.reindex_runs import WORDS
from indexer.models import FileContent, FileIndex
from search.engine import HashingEncoder, SearchIndex, generation_dir, read_current
from search.models import PassageVector
from tests.search.conftest import reindex
from tests.tasks.test_tasks_api import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis]
# Manifest entries that tell builds apart, not what they hold: when, which, how long, from what.
PER_BUILD = {
    "build_id", "built_at", "build_seconds", "metadata", "files_sha256",
    "generation", "tokenized_files",
}  # fmt: skip


ROW_FIELDS = (
    "file_path", "content_hash", "file_size", "mtime_ns", "content_type",
    "extraction_status", "extractor", "deleted_at",
)  # fmt: skip


def snapshot(index_dir: Path) -> dict[str, Any]:
    """Everything a run leaves, by path: rows, texts, stored vectors, the generation's contents.

    Not by file id: the ids follow the order files were read in, which threads make vary.
    """
    directory = generation_dir(index_dir, read_current(index_dir))
    index = SearchIndex.load(directory, encoder=HashingEncoder())
    table, rows = index.table, range(len(index.table.paths))
    manifest = json.loads((directory / "manifest.json").read_text())
    return {
        "rows": list(FileIndex.all_objects.order_by("file_path").values_list(*ROW_FIELDS)),
        "texts": dict(FileContent.objects.values_list("content_hash", "text")),
        "stored": dict(PassageVector.objects.values_list("key", "vector")),
        "files": [
            (
                table.paths[row],
                table.content_hashes[row],
                int(table.sizes[row]),
                int(table.mtimes[row]),
            )
            for row in rows
        ],
        "passages": [
            [passage(index, number) for number in index.passages.of_file(row)] for row in rows
        ],
        "keyword": {word: index._keyword.scores([word]).tolist() for word in WORDS},
        "manifest": {key: value for key, value in manifest.items() if key not in PER_BUILD},
    }


def passage(index: SearchIndex, number: int) -> tuple:
    vector = index._vectors.reconstruct(np.array([number]))
    return (
        index.passage_text(number), index.passage_span(number), index.passage_location(number),
        int(index.passages.keys[number]), vector.tobytes(),
    )  # fmt: skip


def embedded_by(log: Path) -> int:
    return len(log.read_text().split()) if log.exists() else 0


def test_two_workers_share_a_run_and_leave_exactly_what_one_process_does(
    tree: Path, workers, settings, django_user_model, tmp_path: Path
):
    reindex(str(tree))
    alone = snapshot(settings.INDEX_DIR)
    call_command("flush", interactive=False)
    for path in sorted(settings.INDEX_DIR.iterdir()):
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    logs = [tmp_path / "w1-encoded.log", tmp_path / "w2-encoded.log"]
    worker_logs = [
        workers(
            name,
            DIZIN_BENCH_ENCODE_SECONDS="0.2",
            DIZIN_BENCH_ENCODE_LOG=str(log),
            INDEX_BATCH_FILES="50",
        )
        for name, log in zip(("w1", "w2"), logs, strict=True)
    ]
    api = APIClient()
    api.force_authenticate(django_user_model.objects.create_user("admin", is_staff=True))

    task = api.post("/api/reindex/", {}, format="json").json()["data"]
    done = wait_for(api, task["url"], {"succeeded", "failed"})

    assert done["status"] == "succeeded", done["error"]
    shared = snapshot(settings.INDEX_DIR)
    assert {key: shared[key] == alone[key] for key in alone} == dict.fromkeys(alone, True)
    counts = [embedded_by(log) for log in logs]
    assert sum(counts) == done["summary"]["build"]["embedded"] == len(alone["stored"])
    assert min(counts) > 0, counts
    read_by_helpers = re.findall(
        r"dizin.extract_batch\[[^]]+\] succeeded in [\d.]+s: \{'new': (\d+)",
        "".join(log.read_text() for log in worker_logs),
    )
    assert read_by_helpers, "no worker read a batch for the run"
    assert sum(map(int, read_by_helpers)) < 300, read_by_helpers
