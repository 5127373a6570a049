import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.exceptions import ReindexInProgress
from indexer.crawler import RootError
from indexer.lease import Lease, reindex_lease
from indexer.progress import SyncProgress
from indexer.services import SyncOptions, file_index_sync
from indexer.summary import summary_lines
from search.progress import BuildProgress
from search.services import search_index_build

# sysexits' EX_TEMPFAIL: busy now, try again later.
EXIT_BUSY = 75


class Command(BaseCommand):
    help = "Index the files under the given directories (or INDEX_ROOTS), then the search index."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="*", type=Path, help="directories (default INDEX_ROOTS)")
        parser.add_argument("--full", action="store_true", help="re-read and re-hash every file")
        parser.add_argument("--dry-run", action="store_true", help="report, write nothing")
        parser.add_argument(
            "--exclude",
            action="append",
            default=[],
            metavar="GLOB",
            help="skip names or relative paths matching GLOB (repeatable; .git etc. always)",
        )
        parser.add_argument("--follow-symlinks", action="store_true")
        parser.add_argument(
            "--max-text-bytes",
            type=int,
            default=settings.INDEX_MAX_TEXT_BYTES,
            metavar="N",
            help="text kept per file (default INDEX_MAX_TEXT_BYTES)",
        )
        steps = parser.add_mutually_exclusive_group()
        steps.add_argument("--no-semantic", action="store_true", help="skip the index build")
        steps.add_argument(
            "--semantic-only", action="store_true", help="rebuild the index from stored text only"
        )

    def handle(self, *args, paths: list[Path], verbosity: int, **options) -> None:
        roots = paths or settings.INDEX_ROOTS
        if not roots and not options["semantic_only"]:
            raise CommandError("No directories given and INDEX_ROOTS is empty.")
        if options["max_text_bytes"] < 0:
            raise CommandError("--max-text-bytes must be 0 or more.")
        self.show_progress = verbosity >= 1 and sys.stderr.isatty()
        try:
            with reindex_lease(timeout=settings.INDEX_LOCK_TIMEOUT) as lease:
                if not options["semantic_only"]:
                    self._sync(roots, _sync_options(options), lease, verbosity)
                if not (options["no_semantic"] or options["dry_run"]):
                    self._build(lease, verbosity, force=options["semantic_only"])
        except (RootError, ReindexInProgress) as error:
            code = EXIT_BUSY if isinstance(error, ReindexInProgress) else 1
            raise CommandError(str(error), returncode=code) from None

    def _sync(self, roots: list[Path], options: SyncOptions, lease: Lease, verbosity: int) -> None:
        with SyncProgress(roots, enabled=self.show_progress) as progress:
            report = file_index_sync(
                roots=roots, options=options, on_progress=progress.update, on_batch=lease.renew
            )
        for problem in report.problems:
            self.stderr.write(f"{problem.reason}: {problem.path}: {problem.detail}")
        if len(report.problems) < report.errors:
            self.stderr.write(f"... and {report.errors - len(report.problems)} more problems")
        if verbosity >= 1:
            self.stdout.write("\n".join(summary_lines(report)))

    def _build(self, lease: Lease, verbosity: int, *, force: bool) -> None:
        with BuildProgress(enabled=self.show_progress, on_update=lease.renew) as progress:
            report = search_index_build(force=force, on_progress=progress.update)
        if verbosity >= 1:
            self.stdout.write("\n".join(report.summary_lines()))


def _sync_options(options: dict) -> SyncOptions:
    return SyncOptions(
        full=options["full"],
        dry_run=options["dry_run"],
        excludes=options["exclude"],
        follow_symlinks=options["follow_symlinks"],
        max_text_bytes=options["max_text_bytes"],
        read_concurrency=settings.INDEX_READ_CONCURRENCY,
    )
