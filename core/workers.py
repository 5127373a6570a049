"""The Celery workers: how many answer, and whether a run may hand work to others."""

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from core.queue import celery_app

# How long workers have to answer a ping, and how long their count is then reused.
PING_SECONDS = 0.5
WORKERS_CACHE_SECONDS = 5


def workers_alive() -> int:
    """Count the Celery workers that answer a ping (0 without a broker), briefly cached."""
    if not settings.CELERY_BROKER_URL:
        return 0
    count = cache.get("tasks:workers")
    if count is None:
        try:
            count = len(celery_app().control.ping(timeout=PING_SECONDS))
        except Exception:  # an unreachable broker: no worker can be reached either
            count = 0
        cache.set("tasks:workers", count, WORKERS_CACHE_SECONDS)
    return count


def others_can_help() -> bool:
    """Tell whether a run may hand batches to other workers: a shared cache and another worker."""
    return bool(settings.REDIS_URL and settings.CELERY_BROKER_URL) and workers_alive() >= 2


def workers_warnings(workers: int) -> list[str]:
    """Say what a client should know about the workers: none running means nothing progresses."""
    if workers:
        return []
    return [_("No worker is running: queued tasks wait until one starts (make worker).")]
