import random
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection
from rest_framework.test import APIClient

from bench.celery_workers import start_worker, stop_worker, wait_until_ready
from bench.reindex_runs import add_files, child_env
from tests.environment import POSTGRES_URL

# Workers, tasks and the test share the run's broker prefix (CACHE_KEY_PREFIX), not another run's.
pytestmark = pytest.mark.redis


@pytest.fixture
def tree(tmp_path: Path, settings) -> Path:
    root = tmp_path / "tree"
    add_files(root, 300, random.Random(5), "first")
    settings.INDEX_ROOTS = [root]
    return root


@pytest.fixture
def env(settings, tree: Path, tmp_path: Path) -> dict[str, str]:
    name = connection.settings_dict["NAME"]
    url = f"sqlite:///{name}" if connection.vendor == "sqlite" else f"{POSTGRES_URL}/{name}"
    return child_env(
        url,
        settings.INDEX_DIR,
        INDEX_ROOTS=str(tree),
        SEMANTIC_BATCH_SIZE="4",
        DIZIN_BENCH_ENCODE_LOG=str(tmp_path / "encoded.log"),
        LOG_LEVEL="INFO",
    )


@pytest.fixture
def workers(env: dict[str, str], tmp_path: Path) -> Iterator[Callable[..., Path]]:
    """Start workers on demand: workers("w1", DIZIN_BENCH_ENCODE_SECONDS="0.1") -> its log."""
    started = []

    def start(name: str, **overrides: str) -> Path:
        log = tmp_path / f"{name}.log"
        process = start_worker(name, {**env, **overrides}, log)
        started.append(process)
        wait_until_ready(log)
        return log

    start.processes = started  # type: ignore[attr-defined]
    yield start
    for process in started:
        stop_worker(process, kill=True)


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("admin", password="x", is_staff=True)


@pytest.fixture
def api(staff) -> APIClient:
    client = APIClient()
    client.force_authenticate(staff)
    return client
