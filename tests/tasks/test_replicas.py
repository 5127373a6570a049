"""Replicas: two serve processes, two workers and watch, sharing the database, Redis and INDEX_DIR.

Through a reindex and a watched change, no search on either server fails, and each moves to
the new generation within INDEX_CHECK_INTERVAL of its swap. Every process uses the model.
"""

import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from bench.reindex_runs import ROOT, add_files
from indexer.models import FileIndex
from search.engine import read_current
from tests.reliability.services import free_port
from tests.tasks.test_tasks_api import wait_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.model,
]
CHECK_INTERVAL = 1.0
# Searches leave the cores this long between them, so the runs they search through get on.
SEARCH_PAUSE = 0.05
FILES = 100
# A server looks for a new generation every CHECK_INTERVAL, then loads it.
SWITCH_SLACK = 2.0


@pytest.fixture
def tree(tmp_path: Path, settings) -> Path:
    root = tmp_path / "tree"
    add_files(root, FILES, random.Random(5), "first")
    settings.INDEX_ROOTS = [root]
    return root


def start_server(env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [sys.executable, "manage.py", "serve", "--port", str(port), "--workers", "1"]
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    return server, f"http://127.0.0.1:{port}"


def wait_until_up(base: str, seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/api/health/", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{base} did not come up")


class Generations(threading.Thread):
    """Note when each generation becomes the current one in INDEX_DIR."""

    def __init__(self, index_dir: Path) -> None:
        super().__init__(daemon=True)
        self.index_dir = index_dir
        self.appeared: dict[int, float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.02):
            current = read_current(self.index_dir)
            if current is not None:
                self.appeared.setdefault(current, time.monotonic())


class Searches(threading.Thread):
    """Search one server over and over, noting each answer's status and generation."""

    def __init__(self, base: str, token: str) -> None:
        super().__init__(daemon=True)
        self.base, self.token = base, token
        self.answers: list[tuple[float, int, int | None]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        with httpx.Client(headers={"Authorization": f"Token {self.token}"}, timeout=30) as client:
            for number in range(1_000_000):
                if self.stop.is_set():
                    return
                mode = ("keyword", "hybrid", "semantic")[number % 3]
                query = {"q": f"network printer {number}", "mode": mode}
                response = client.get(f"{self.base}/api/search/", params=query)
                body = response.json() if response.status_code == 200 else {}
                generation = body.get("metadata", {}).get("index_generation")
                self.answers.append((time.monotonic(), response.status_code, generation))
                time.sleep(SEARCH_PAUSE)

    def first_seen(self, generation: int) -> float | None:
        return next((at for at, _, seen in self.answers if seen == generation), None)


def test_two_servers_two_workers_and_watch_share_a_reindex_without_a_failed_search(
    tree: Path, env: dict[str, str], workers, settings, django_user_model, tmp_path: Path
):
    shared = {
        **env,
        "DIZIN_BENCH_ENCODER": "model",
        "SEMANTIC_ONNX_DIR": str(settings.SEMANTIC_ONNX_DIR),
        "INDEX_CHECK_INTERVAL": str(CHECK_INTERVAL),
        "SEARCH_THROTTLE_RATE": "1000000/hour",
    }
    for name in ("w1", "w2"):
        workers(name, **{key: shared[key] for key in ("DIZIN_BENCH_ENCODER", "SEMANTIC_ONNX_DIR")})
    staff = django_user_model.objects.create_user("admin", is_staff=True)
    token = Token.objects.create(user=staff).key
    watch = subprocess.Popen(
        [sys.executable, "manage.py", "watch", str(tree)], cwd=ROOT, env=shared,
        stdout=(tmp_path / "watch.log").open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    servers = [start_server(shared, tmp_path / f"serve{n}.log") for n in (1, 2)]
    searches = [Searches(base, token) for _, base in servers]
    generations = Generations(settings.INDEX_DIR)
    generations.start()
    try:
        for _, base in servers:
            wait_until_up(base)
        while read_current(settings.INDEX_DIR) is None:
            time.sleep(0.2)
        for thread in searches:
            thread.start()
        api = APIClient()
        api.force_authenticate(staff)
        task = api.post("/api/reindex/", {"full": True}, format="json").json()["data"]
        add_files(tree, 60, random.Random(9), "second")
        done = wait_for(api, task["url"], {"succeeded", "failed"}, seconds=300)
        deadline = time.monotonic() + 120
        while FileIndex.objects.count() < FILES + 60 and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(CHECK_INTERVAL + SWITCH_SLACK + 3)
    finally:
        for thread in [*searches, generations]:
            thread.stop.set()
        for server, _ in servers:
            server.send_signal(signal.SIGTERM)
        watch.send_signal(signal.SIGTERM)
        for process in [*(server for server, _ in servers), watch]:
            process.wait(timeout=60)

    assert done["status"] == "succeeded", done["error"]
    assert FileIndex.objects.count() == FILES + 60
    final = max(generations.appeared)
    assert final >= 2  # the watch's first run, then the task's or the watched change's
    for thread in searches:
        statuses = {status for _, status, _ in thread.answers}
        served = [generation for _, _, generation in thread.answers]
        assert statuses == {200}, thread.answers[-5:]
        assert served == sorted(served)
        assert (
            thread.first_seen(final) - generations.appeared[final] <= CHECK_INTERVAL + SWITCH_SLACK
        )
    assert len(searches[0].answers) > 20
