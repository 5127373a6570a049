from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.queue import celery_app


class Command(BaseCommand):
    help = "Run a Celery worker: it carries out reindex tasks and helps other workers' runs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--concurrency",
            type=int,
            default=1,
            help="tasks at once (default 1: a run already uses every core)",
        )
        parser.add_argument("--name", default="dizin", help="the worker's name, before @host")
        parser.add_argument("--loglevel", default="INFO")

    def handle(
        self, *args: Any, concurrency: int, name: str, loglevel: str, **options: Any
    ) -> None:
        if not settings.CELERY_BROKER_URL:
            raise CommandError(
                "No task broker: set REDIS_URL (or CELERY_BROKER_URL) in the environment or .env."
            )
        if concurrency < 1:
            raise CommandError("--concurrency must be 1 or more.")
        celery_app().worker_main(
            ["worker", "--loglevel", loglevel, "--hostname", f"{name}@%h",
             "--concurrency", str(concurrency), "--without-gossip", "--without-mingle"]
        )  # fmt: skip
