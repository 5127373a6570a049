"""Reads for reindex tasks: their state, with a running one's live progress, and the workers."""

from typing import Any

from django.utils.translation import gettext as _

from core.exceptions import NotFound
from indexer.selectors import reindex_progress
from search.models import ReindexTask, TaskStatus

# Tasks GET /api/tasks/ lists, latest first.
LISTED_TASKS = 50


def task_label(task_id: Any) -> str:
    """Return the name a task's run carries in the reindex lease."""
    return f"task {task_id}"


def task_detail(*, task_id: Any) -> dict[str, Any]:
    task = ReindexTask.objects.filter(id=task_id).first()
    if task is None:
        raise NotFound(_("No such task."))
    return task_state(task)


def task_list() -> list[dict[str, Any]]:
    return [task_state(task) for task in ReindexTask.objects.all()[:LISTED_TASKS]]


def task_state(task: ReindexTask) -> dict[str, Any]:
    """Describe a task; a running one with the phase its lease publishes."""
    progress = (
        reindex_progress(label=task_label(task.id)) if task.status == TaskStatus.RUNNING else None
    )
    return {
        "id": task.id,
        "status": task.status,
        "phase": progress and progress["phase"],
        "done": progress and progress["done"],
        "total": progress and progress["total"],
        "roots": task.roots,
        "full": task.full,
        "created_at": task.created_at,
        "started_at": task.started_at,
        "finished_at": task.finished_at,
        "cancel_requested_at": task.cancel_requested_at,
        "attempts": task.attempts,
        "worker": task.worker or None,
        "summary": task.summary,
        "error": task.error or None,
    }
