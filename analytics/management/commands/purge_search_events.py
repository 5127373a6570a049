from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from analytics.services import search_events_purge


class Command(BaseCommand):
    help = "Delete recorded searches older than some days (SEARCH_EVENT_RETENTION_DAYS by default)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than", type=int, default=settings.SEARCH_EVENT_RETENTION_DAYS, metavar="DAYS"
        )

    def handle(self, *args, older_than: int, verbosity: int, **options) -> None:
        if older_than < 0:
            raise CommandError("--older-than must be 0 or more days.")
        deleted = search_events_purge(older_than_days=older_than)
        if verbosity >= 1:
            self.stdout.write(f"Deleted {deleted} search events older than {older_than} days.")
