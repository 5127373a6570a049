from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from config.server import serve
from core.exceptions import ServerNotStarted


class Command(BaseCommand):
    help = (
        "Serve config.asgi:application with uvicorn: SERVER_WORKERS processes, each with its own "
        "listening socket (SO_REUSEPORT), so connections spread evenly across them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, help="processes (default SERVER_WORKERS)")
        parser.add_argument("--log-level", default="info", choices=["warning", "info", "debug"])

    def handle(self, *args, host: str, port: int, workers: int | None, log_level: str, **options):
        workers = settings.SERVER_WORKERS if workers is None else workers
        if workers < 1:
            raise CommandError("--workers must be 1 or more.")
        try:
            serve(host=host, port=port, workers=workers, log_level=log_level)
        except ServerNotStarted as error:
            raise CommandError(str(error)) from None
