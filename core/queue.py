"""The Celery app, made when a task is first sent: a process serving searches needs none."""

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from celery import Celery

_make_app: "Callable[[], Celery] | None" = None


def use_celery_app(make: "Callable[[], Celery]") -> None:
    """Have celery_app() return what `make` returns: the project's app (config does this)."""
    global _make_app
    _make_app = make


def celery_app() -> "Celery":
    """Return the project's Celery app, importing Celery on first use."""
    if _make_app is None:
        raise RuntimeError("No Celery app: Django has not been set up.")
    return _make_app()
