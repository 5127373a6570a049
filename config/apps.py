from typing import TYPE_CHECKING

from django.apps import AppConfig

from core.queue import use_celery_app

if TYPE_CHECKING:
    from celery import Celery


class ProjectConfig(AppConfig):
    """The project itself, as an app: so that `manage.py serve` is found, and tasks find Celery."""

    name = "config"
    verbose_name = "Dizin"

    def ready(self) -> None:
        # Celery and its transport cost a serving process 6.5 MiB, and it sends no task:
        # the app is imported when one is first sent.
        use_celery_app(_celery_app)


def _celery_app() -> "Celery":
    from config.celery import app

    return app
