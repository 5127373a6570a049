"""Celery tasks: a batch of files a sync offered to the workers."""

from typing import Any

from celery import shared_task

from indexer.services import extraction_settings
from indexer.sharing import EXTRACT_TASK, extract_batch_run


@shared_task(name=EXTRACT_TASK)
def extract_batch(**batch: Any) -> dict[str, Any] | None:
    """Read and extract a batch a sync offered, unless the sync or another worker has it."""
    return extract_batch_run(**batch, pool_settings=extraction_settings())
