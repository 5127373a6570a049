"""The tasks API: reindexing in the background, with real Celery workers on the run's broker."""

import os
import signal
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from rest_framework.test import APIClient

from bench.celery_workers import pool_children, stop_worker
from bench.reindex_runs import encoded_texts
from indexer.lease import reindex_lease
from indexer.models import FileIndex
from search.engine import generation_dir, read_current
from search.engine.store import peek_manifest
from search.models import PassageVector, ReindexTask
from tests.indexer.documents import docx

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis]
MODES = ("keyword", "semantic")
NO_WORKER = ["No worker is running: queued tasks wait until one starts (make worker)."]


def wait_for(
    api: APIClient, url: str, statuses: set[str], seconds: float = 90, phase: str | None = None
) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        task = api.get(url).json()["data"]
        if task["status"] in statuses and phase in (None, task["phase"]):
            return task
        time.sleep(0.2)
    raise AssertionError(f"task still {task['status']} after {seconds} s: {task}")


def test_staff_only(client: Client, django_user_model):
    user = django_user_model.objects.create_user("ayse", password="x")
    api = APIClient()
    api.force_authenticate(user)
    task = f"/api/tasks/{uuid.uuid4()}/"

    answers = [
        api.post("/api/reindex/").status_code,
        api.get("/api/tasks/").status_code,
        api.get(task).status_code,
        api.delete(task).status_code,
    ]

    assert answers == [403, 403, 403, 403]
    assert api.post("/api/reindex/").json() == {
        "success": False,
        "message": "You do not have permission to perform this action.",
        "errors": {"code": "permission_denied"},
    }


def test_without_workers_a_task_is_queued_with_a_warning_and_can_be_cancelled(
    api: APIClient, tree: Path
):
    response = api.post("/api/reindex/", {}, format="json")

    assert response.status_code == 202
    body = response.json()
    task = body["data"]
    assert response["Location"] == task["url"] == f"http://testserver/api/tasks/{task['id']}/"
    assert body["metadata"] == {"workers": 0, "warnings": NO_WORKER}
    assert {key: task[key] for key in ("status", "roots", "full", "attempts", "phase")} == {
        "status": "queued", "roots": [str(tree)], "full": False, "attempts": 0, "phase": None,
    }  # fmt: skip

    cancelled = api.delete(task["url"])

    assert cancelled.status_code == 202
    assert cancelled.json()["data"]["status"] == "cancelled"
    assert api.delete(task["url"]).json() == {
        "success": False,
        "message": f"Task {task['id']} has already cancelled.",
        "errors": {"code": "task_finished"},
    }


def test_a_second_reindex_while_one_is_unfinished_is_a_409_naming_it(api: APIClient, tree):
    first = api.post("/api/reindex/", {}, format="json").json()["data"]

    second = api.post("/api/reindex/", {"full": True}, format="json")

    assert second.status_code == 409
    assert second.json() == {
        "success": False,
        "message": f"Reindex task {first['id']} is already queued.",
        "errors": {"code": "reindex_in_progress"},
    }


def test_roots_outside_index_roots_are_refused(api: APIClient, tree: Path, tmp_path: Path):
    response = api.post("/api/reindex/", {"roots": [str(tmp_path / "elsewhere")]}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "roots": [f"Not under INDEX_ROOTS: {tmp_path / 'elsewhere'}."]
    }
    assert not ReindexTask.objects.exists()


def test_an_unknown_task_is_a_404(api: APIClient):
    response = api.get(f"/api/tasks/{uuid.uuid4()}/")

    assert response.status_code == 404
    assert response.json()["message"] == "No such task."


def test_a_worker_runs_the_reindex_and_the_task_reports_what_it_did(
    api: APIClient, tree: Path, workers, settings
):
    (tree / "office").mkdir()
    docx(tree / "office" / "rapor.docx", "Yıllık rapor: sunucu bakımı")
    workers("w1")
    task = api.post("/api/reindex/", {}, format="json").json()["data"]

    done = wait_for(api, task["url"], {"succeeded", "failed"})

    assert done["status"] == "succeeded", done["error"]
    assert done["attempts"] == 1
    assert done["worker"].startswith("w1@")
    sync, build = done["summary"]["sync"], done["summary"]["build"]
    assert {key: sync[key] for key in ("seen", "new", "changed", "deleted", "problems")} == {
        "seen": 301, "new": 301, "changed": 0, "deleted": 0, "problems": 0,
    }  # fmt: skip
    # More than a round of batches to embed: first a generation for keyword search, then all.
    assert {key: build[key] for key in ("generation", "files")} == {"generation": 2, "files": 301}
    report = FileIndex.objects.get(file_path__endswith="rapor.docx")
    assert (report.extraction_status, report.extractor) == ("ok", "docx/1")
    assert read_current(settings.INDEX_DIR) == 2
    listed = api.get("/api/tasks/").json()
    assert [item["id"] for item in listed["data"]] == [task["id"]]
    assert listed["metadata"] == {"workers": 1, "warnings": []}


def test_a_running_task_cancelled_stops_at_a_checkpoint_and_keeps_the_served_index(
    api: APIClient, tree: Path, workers, settings
):
    workers("w1", DIZIN_BENCH_ENCODE_SECONDS="0.2")
    task = api.post("/api/reindex/", {}, format="json").json()["data"]
    running = wait_for(api, task["url"], {"running"})
    while running["phase"] != "embed":
        running = wait_for(api, task["url"], {"running"})

    asked = api.delete(task["url"]).json()["data"]
    done = wait_for(api, task["url"], {"cancelled", "succeeded", "failed"}, seconds=30)

    assert asked["cancel_requested_at"] is not None
    assert done["status"] == "cancelled"
    served = read_current(settings.INDEX_DIR)
    assert served == 1  # the generation for keyword search, swapped in before the embedding
    assert peek_manifest(generation_dir(settings.INDEX_DIR, served))["deferred_passages"] > 0
    again = api.post("/api/reindex/", {}, format="json")
    assert again.status_code == 202


@pytest.mark.parametrize("killed", ["pool process", "whole worker"])
def test_a_worker_killed_mid_task_loses_nothing_committed_and_the_task_resumes(
    api: APIClient, tree: Path, workers, env, killed: str
):
    workers("w1", DIZIN_BENCH_ENCODE_SECONDS="0.5")
    task = api.post("/api/reindex/", {}, format="json").json()["data"]
    running = wait_for(api, task["url"], {"running"})
    while running["phase"] != "embed" or running["done"] < 128:
        running = wait_for(api, task["url"], {"running"})
    (process,) = workers.processes
    if killed == "pool process":
        (child,) = pool_children(process)
        os.kill(child, signal.SIGKILL)
    else:
        stop_worker(process, kill=True)
    kept = PassageVector.objects.count()
    encoded_texts(Path(env["DIZIN_BENCH_ENCODE_LOG"]))
    if killed == "whole worker":
        workers("w2", DIZIN_BENCH_ENCODE_SECONDS="0.5")

    done = wait_for(api, task["url"], {"succeeded", "failed"})

    assert done["status"] == "succeeded", done["error"]
    assert done["attempts"] == 2
    again = len(encoded_texts(Path(env["DIZIN_BENCH_ENCODE_LOG"])))
    assert again == PassageVector.objects.count() - kept == done["summary"]["build"]["embedded"]
    assert done["summary"]["sync"]["new"] == 0


def test_without_a_broker_reindex_tasks_are_a_503_and_nothing_is_recorded(
    api: APIClient, tree: Path, settings
):
    settings.CELERY_BROKER_URL = ""

    response = api.post("/api/reindex/", {}, format="json")

    assert (response.status_code, response.json()) == (
        503,
        {
            "success": False,
            "message": "Background tasks need a broker: set REDIS_URL or CELERY_BROKER_URL.",
            "errors": {"code": "unavailable"},
        },
    )
    assert not ReindexTask.objects.exists()


def test_the_worker_command_says_when_there_is_no_broker(settings):
    settings.CELERY_BROKER_URL = ""

    with pytest.raises(CommandError) as raised:
        call_command("worker")

    assert str(raised.value) == (
        "No task broker: set REDIS_URL (or CELERY_BROKER_URL) in the environment or .env."
    )


def test_keyword_search_finds_a_task_s_new_files_before_their_embedding_is_done(
    api: APIClient, tree: Path, workers
):
    workers("w1", DIZIN_BENCH_ENCODE_SECONDS="0.5")
    task = api.post("/api/reindex/", {}, format="json").json()["data"]
    # The keyword-only generation is swapped in before the embed phase starts.
    wait_for(api, task["url"], {"running"}, phase="embed")
    early = {mode: api.get("/api/search/", {"q": "printer", "mode": mode}).json() for mode in MODES}
    done = wait_for(api, task["url"], {"succeeded", "failed"})
    late = {mode: api.get("/api/search/", {"q": "printer", "mode": mode}).json() for mode in MODES}

    counts = {mode: answer["metadata"]["total_results"] for mode, answer in early.items()}
    assert counts["keyword"] > 0
    assert counts == {"keyword": counts["keyword"], "semantic": 0}
    assert done["status"] == "succeeded"
    assert {mode: answer["metadata"]["total_results"] > 0 for mode, answer in late.items()} == {
        "keyword": True, "semantic": True,
    }  # fmt: skip


def test_a_task_asked_for_while_another_run_holds_the_lease_waits_for_it(
    api: APIClient, tree: Path, workers
):
    workers("w1")
    with reindex_lease(timeout=60):
        response = api.post("/api/reindex/", {}, format="json")
        time.sleep(2)  # the worker tries, finds the lease held, and puts the task back
        waiting = api.get(response.json()["data"]["url"]).json()["data"]

    done = wait_for(api, response["Location"], {"succeeded", "failed"})

    assert response.status_code == 202
    assert (waiting["status"], waiting["finished_at"]) == ("queued", None)
    assert done["status"] == "succeeded"
    assert done["summary"]["sync"]["new"] == 300


def test_the_admin_lists_tasks_read_only(admin_client: Client):
    task = ReindexTask.objects.create(roots=["/srv/docs"], status="failed", active=None, error="x")

    listing = admin_client.get("/admin/search/reindextask/")
    page = admin_client.get(f"/admin/search/reindextask/{task.pk}/change/")

    assert listing.status_code == page.status_code == 200
    assert str(task.pk) in listing.content.decode()
    assert admin_client.get("/admin/search/reindextask/add/").status_code == 403
    assert admin_client.post(f"/admin/search/reindextask/{task.pk}/delete/").status_code == 403
