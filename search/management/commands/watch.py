import logging
import signal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.interrupts import stop_on_signals
from indexer.crawler import RootError
from indexer.services import sync_options
from search.management.commands.reindex import EXIT_INTERRUPTED
from search.management.crawl_arguments import add_crawl_arguments, crawl_choices
from search.watching import DEBOUNCE_SECONDS, WatchRequest, WatchUnavailable, watch_run


class Command(BaseCommand):
    help = (
        "Sync the given directories (or INDEX_ROOTS), then keep the index up to date as files "
        "change under them, until stopped (Ctrl-C, SIGTERM). One log line per run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_crawl_arguments(parser)
        parser.add_argument(
            "--debounce",
            type=float,
            default=DEBOUNCE_SECONDS,
            metavar="SECONDS",
            help="a run starts when changes pause, or after this long if they keep coming "
            f"(default {DEBOUNCE_SECONDS:g})",
        )
        parser.add_argument(
            "--poll",
            action="store_true",
            help="poll the tree instead of asking the kernel (network filesystems); "
            "WATCHFILES_FORCE_POLLING=1 does the same, WATCHFILES_POLL_DELAY_MS sets the pace",
        )

    def handle(self, *args: Any, paths: list[Path], **options: Any) -> None:
        request = _watch_request(paths or settings.INDEX_ROOTS, options)
        # watchfiles logs each batch at INFO; the watch's own line per run says more.
        quieter = logging.getLogger("watchfiles")
        if not quieter.isEnabledFor(logging.DEBUG):
            quieter.setLevel(logging.WARNING)
        # A shell starts a background job with SIGINT ignored, so that Ctrl-C stops only the
        # foreground one (`make run` stops its watch with SIGTERM after): keep it ignored.
        ignored = [
            signum
            for signum in (signal.SIGINT, signal.SIGTERM)
            if signal.getsignal(signum) == signal.SIG_IGN
        ]
        with stop_on_signals() as stop:
            for signum in ignored:
                signal.signal(signum, signal.SIG_IGN)
            try:
                watch_run(request=request, stop=stop, lock_timeout=settings.INDEX_LOCK_TIMEOUT)
            except (RootError, WatchUnavailable) as error:
                raise CommandError(str(error)) from None
            except KeyboardInterrupt:
                self.stderr.write("Stopped at once by a second signal; the next start catches up.")
                raise SystemExit(EXIT_INTERRUPTED) from None


def _watch_request(roots: list[Path], options: dict[str, Any]) -> WatchRequest:
    """Check the options and turn them into a WatchRequest; raise CommandError if bad."""
    if not roots:
        raise CommandError("No directories given and INDEX_ROOTS is empty.")
    if options["debounce"] <= 0:
        raise CommandError("--debounce must be more than 0.")
    return WatchRequest(
        roots=roots,
        options=sync_options(**crawl_choices(options)),
        debounce=options["debounce"],
        poll=options["poll"],
    )
