"""Celery tasks: the reindex a worker carries out for the tasks API."""

from typing import Any

from celery import Task, shared_task
from celery.signals import worker_ready

from core.exceptions import ReindexInProgress
from search.background import REINDEX_TASK, reindex_task_execute, task_publish
from search.models import ReindexTask
from search.sharing import EMBED_TASK, embed_batch_run

# While a run outside the task holds the lease, the task tries again this often.
LEASE_RETRY_SECONDS = 10


@shared_task(name=REINDEX_TASK, bind=True, max_retries=None)
def reindex(self: Task, task_id: str) -> None:
    """Carry out a reindex task; while another run holds the lease, try again later."""
    try:
        reindex_task_execute(task_id=task_id, worker=self.request.hostname or "")
    except ReindexInProgress as error:
        raise self.retry(countdown=LEASE_RETRY_SECONDS) from error


@worker_ready.connect
def requeue_unfinished(**kwargs: Any) -> None:
    """Queue every unfinished task again as a worker starts: one whose worker died resumes.

    A task still queued, or running elsewhere, meets its second message harmlessly.
    """
    for task_id in ReindexTask.objects.filter(active=True).values_list("id", flat=True):
        task_publish(task_id=task_id)


@shared_task(name=EMBED_TASK)
def embed_batch(**batch: Any) -> bool:
    """Embed a batch a build offered, unless the build or another worker already has it."""
    return embed_batch_run(**batch)
