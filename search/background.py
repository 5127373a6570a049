"""Reindex tasks: ask the Celery workers for a reindex, carry it out there, cancel it."""

import logging
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import (
    InvalidInput,
    NotFound,
    ReindexInProgress,
    ServiceUnavailable,
    TaskFinished,
)
from core.interrupts import Cancelled
from core.queue import celery_app
from indexer.crawler import RootError
from indexer.lease import holder_label
from search.background_selectors import task_label
from search.models import ReindexTask, TaskStatus

if TYPE_CHECKING:
    from search.reindex import ReindexOutcome, ReindexRequest

logger = logging.getLogger(__name__)
# A running task looks for a cancellation at its checkpoints, at most this often.
CANCEL_CHECK_SECONDS = 1.0
# A worker's log gets a progress line this often.
PROGRESS_LOG_SECONDS = 30.0
REINDEX_TASK = "dizin.reindex"
SYNC_COUNTS = ("seen", "new", "changed", "unchanged", "deleted", "restored", "bytes_read")


def reindex_task_submit(*, roots: list[str], full: bool, user: Any) -> ReindexTask:
    """Record a reindex task and queue it for a worker; raise if one is already unfinished."""
    if not settings.CELERY_BROKER_URL:
        raise ServiceUnavailable(
            _("Background tasks need a broker: set REDIS_URL or CELERY_BROKER_URL.")
        )
    chosen = _checked_roots(roots)
    try:
        with transaction.atomic():
            task = ReindexTask.objects.create(roots=chosen, full=full, requested_by=user)
    except IntegrityError:
        unfinished = ReindexTask.objects.get(active=True)
        raise ReindexInProgress(
            _("Reindex task %(id)s is already %(status)s.")
            % {"id": unfinished.id, "status": unfinished.status}
        ) from None
    try:
        task_publish(task_id=task.id)
    except Exception as error:
        _finish(task.id, TaskStatus.FAILED, error=f"Could not queue the task: {error}")
        raise ServiceUnavailable(_("The task broker cannot be reached.")) from error
    return task


def task_publish(*, task_id: Any) -> None:
    """Put a task's message on the queue; a second message for it is harmless."""
    celery_app().send_task(REINDEX_TASK, args=[str(task_id)], task_id=str(task_id), retry=False)


def reindex_task_cancel(*, task_id: Any) -> ReindexTask:
    """Cancel a queued task now, or ask a running one to stop at its next checkpoint."""
    with transaction.atomic():
        task = ReindexTask.objects.select_for_update().filter(id=task_id).first()
        if task is None:
            raise NotFound(_("No such task."))
        if task.active is None:
            raise TaskFinished(
                _("Task %(id)s has already %(status)s.") % {"id": task.id, "status": task.status}
            )
        task.cancel_requested_at = timezone.now()
        task.save(update_fields=["cancel_requested_at"])
    if task.status == TaskStatus.QUEUED:
        _finish(task.id, TaskStatus.CANCELLED)
    task.refresh_from_db()
    return task


def reindex_task_execute(*, task_id: str, worker: str) -> None:
    """Carry out a task in a worker, resuming from the last checkpoint if it was cut off.

    A task already finished or cancelled is left alone; ReindexInProgress means another run
    (this task's other delivery, maybe) holds the lease: the caller retries later.
    """
    # Here, not at the top: a process serving searches only queues tasks, and the reindex
    # modules bring the crawler, the readers, every extractor and tqdm (5 MiB).
    from indexer.progress import RunProgress
    from search.reindex import reindex_run

    label = task_label(task_id)
    task = _started(task_id, label=label, worker=worker)
    if task is None:
        return
    progress = RunProgress(
        stream=sys.stderr, terminal=False, interval=PROGRESS_LOG_SECONDS, stop=CancelCheck(task_id)
    )
    try:
        outcome = reindex_run(
            request=_request_of(task), progress=progress,
            lock_timeout=settings.INDEX_LOCK_TIMEOUT, label=label,
        )  # fmt: skip
    except ReindexInProgress:
        if holder_label() != label:  # not this task's other delivery: wait for the lease
            ReindexTask.objects.filter(id=task_id).update(status=TaskStatus.QUEUED)
        raise
    except Cancelled:
        _finish(task_id, TaskStatus.CANCELLED)
    except RootError as error:
        _finish(task_id, TaskStatus.FAILED, error=str(error))
    except Exception as error:
        logger.exception("Reindex task %s failed.", task_id)
        _finish(task_id, TaskStatus.FAILED, error=f"{type(error).__name__}: {error}")
    else:
        _finish(task_id, TaskStatus.SUCCEEDED, summary=outcome_summary(outcome))
    finally:
        progress.close()


def _started(task_id: str, *, label: str, worker: str) -> ReindexTask | None:
    """Mark a task running for this delivery; None when there is nothing left to run."""
    task = ReindexTask.objects.filter(id=task_id, active=True).first()
    if task is None:
        return None
    if holder_label() == label:
        # Another delivery runs it, or ran it and died elsewhere: look again once its lease
        # is renewed or expired.
        raise ReindexInProgress(f"Task {task_id} is being run by another delivery.")
    if task.cancel_requested_at is not None:
        _finish(task.id, TaskStatus.CANCELLED)
        return None
    ReindexTask.objects.filter(id=task_id).update(
        status=TaskStatus.RUNNING, started_at=Coalesce(F("started_at"), timezone.now()),
        attempts=F("attempts") + 1, worker=worker,
    )  # fmt: skip
    return task


class CancelCheck:
    """Stop a task's run at a checkpoint once its cancellation was asked for."""

    def __init__(self, task_id: Any) -> None:
        self._task_id = task_id
        self._next = 0.0

    def check(self) -> None:
        now = time.monotonic()
        if now < self._next:
            return
        self._next = now + CANCEL_CHECK_SECONDS
        tasks = ReindexTask.objects.filter(id=self._task_id, cancel_requested_at__isnull=False)
        if tasks.exists():
            raise Cancelled()


def outcome_summary(outcome: "ReindexOutcome") -> dict[str, Any]:
    """Count what a run did, as a task's summary."""
    sync, build = outcome.sync, outcome.build
    return {
        "sync": sync
        and {
            **{name: getattr(sync, name) for name in SYNC_COUNTS},
            "problems": sync.errors,
            "elapsed_seconds": round(sync.elapsed, 3),
        },
        "build": build
        and {
            **{name: getattr(build, name) for name in ("generation", "files", "passages")},
            "embedded": build.encoded,
            "elapsed_seconds": round(build.elapsed, 3),
        },
    }


def _finish(task_id: Any, status: TaskStatus, **fields: Any) -> None:
    ReindexTask.objects.filter(id=task_id).update(
        status=status, active=None, finished_at=timezone.now(), **fields
    )


def _request_of(task: ReindexTask) -> "ReindexRequest":
    from indexer.services import sync_options
    from search.reindex import ReindexRequest

    options = sync_options(full=task.full)
    return ReindexRequest(
        roots=[Path(root) for root in task.roots], options=options, share=True, keyword_first=True
    )


def _checked_roots(roots: list[str]) -> list[str]:
    """Return the roots to index (INDEX_ROOTS by default); each must be one or lie under one."""
    allowed = [Path(root).resolve() for root in settings.INDEX_ROOTS]
    if not roots:
        if not allowed:
            raise InvalidInput(errors={"roots": [_("No roots given and INDEX_ROOTS is empty.")]})
        return [str(root) for root in allowed]
    chosen = [Path(root).resolve() for root in roots]
    outside = [str(root) for root in chosen if not any(root.is_relative_to(a) for a in allowed)]
    if outside:
        message = _("Not under INDEX_ROOTS: %(roots)s.") % {"roots": ", ".join(outside)}
        raise InvalidInput(errors={"roots": [message]})
    return [str(root) for root in chosen]
