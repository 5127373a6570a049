from pathlib import Path
from typing import Any, TextIO, cast

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.exceptions import ReindexInProgress
from core.interrupts import Interrupted, StopRequest, stop_on_signals
from indexer.crawler import RootError
from indexer.progress import RunProgress
from indexer.report import SyncReport
from indexer.services import sync_options
from indexer.summary import summary_lines
from search.management.crawl_arguments import add_crawl_arguments, crawl_choices
from search.reindex import ReindexRequest, reindex_run

# sysexits' EX_TEMPFAIL: busy now, try again later.
EXIT_BUSY = 75
EXIT_INTERRUPTED = 130


class Command(BaseCommand):
    help = "Index the files under the given directories (or INDEX_ROOTS), then the search index."

    def add_arguments(self, parser: CommandParser) -> None:
        add_crawl_arguments(parser)
        parser.add_argument("--full", action="store_true", help="re-read and re-hash every file")
        parser.add_argument("--dry-run", action="store_true", help="report, write nothing")
        parser.add_argument(
            "--progress-interval",
            type=float,
            default=10.0,
            metavar="SECONDS",
            help="off a terminal, print a progress line this often (0: never)",
        )
        steps = parser.add_mutually_exclusive_group()
        steps.add_argument("--no-semantic", action="store_true", help="skip the index build")
        steps.add_argument(
            "--semantic-only", action="store_true", help="rebuild the index from stored text only"
        )

    def handle(self, *args: Any, paths: list[Path], verbosity: int, **options: Any) -> None:
        request = _reindex_request(paths or settings.INDEX_ROOTS, options)
        with stop_on_signals() as stop:
            progress = self._progress(verbosity, options["progress_interval"], stop)
            try:
                outcome = reindex_run(
                    request=request, progress=progress, lock_timeout=settings.INDEX_LOCK_TIMEOUT
                )
            except (RootError, ReindexInProgress) as error:
                code = EXIT_BUSY if isinstance(error, ReindexInProgress) else 1
                raise CommandError(str(error), returncode=code) from None
            except (Interrupted, KeyboardInterrupt) as error:
                self.stderr.write(_interrupted(progress, error))
                raise SystemExit(_exit_status(error)) from None
            finally:
                progress.close()
        if outcome.sync is not None:
            self._report_sync(outcome.sync, verbosity)
        if outcome.build is not None and verbosity >= 1:
            self.stdout.write("\n".join(outcome.build.summary_lines()))

    def _progress(self, verbosity: int, interval: float, stop: StopRequest) -> RunProgress:
        """Show a bar on a terminal; elsewhere a line every `interval` seconds, if above 0."""
        terminal = verbosity >= 1 and self.stderr.isatty()
        lines = verbosity >= 1 and not terminal and interval > 0
        # The stream itself, not Django's wrapper, which would end tqdm's "\r" redraws with
        # newlines.
        stream = cast(TextIO, self.stderr._out)
        return RunProgress(
            stream=stream, terminal=terminal, interval=interval if lines else None, stop=stop
        )

    def _report_sync(self, report: SyncReport, verbosity: int) -> None:
        for problem in report.problems:
            self.stderr.write(f"{problem.reason}: {problem.path}: {problem.detail}")
        if len(report.problems) < report.errors:
            self.stderr.write(f"... and {report.errors - len(report.problems)} more problems")
        if verbosity >= 1:
            self.stdout.write("\n".join(summary_lines(report)))


def _reindex_request(roots: list[Path], options: dict[str, Any]) -> ReindexRequest:
    """Check the options and turn them into a ReindexRequest; raise CommandError if bad."""
    if not roots and not options["semantic_only"]:
        raise CommandError("No directories given and INDEX_ROOTS is empty.")
    if options["progress_interval"] < 0:
        raise CommandError("--progress-interval must be 0 or more.")
    return ReindexRequest(
        roots=roots,
        options=sync_options(
            full=options["full"], dry_run=options["dry_run"], **crawl_choices(options)
        ),
        crawl=not options["semantic_only"],
        build=not options["no_semantic"],
        force_build=options["semantic_only"],
    )


def _interrupted(progress: RunProgress, error: BaseException) -> str:
    """Say, in one line, where the run stopped and that what it did is kept."""
    signal = f" by {error}" if isinstance(error, Interrupted) else ""
    where = (
        f" in the {progress.phase.value} phase ({progress.counted()} done)"
        if progress.phase
        else ""
    )
    return (
        f"Interrupted{signal}{where}. Everything finished before is kept: "
        "run reindex again to go on from there."
    )


def _exit_status(error: BaseException) -> int:
    return error.exit_status if isinstance(error, Interrupted) else EXIT_INTERRUPTED
