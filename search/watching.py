"""Keep the index up to date as files change: sync, and rebuild from, where they changed.

A first run over every root catches what changed while nothing watched. After that, each
batch of changes watchfiles reports becomes one reindex run (crawl, then build) over the
fewest folders that cover it, and changes made during a run go to the next. Changes come
from inotify; `poll` (or WATCHFILES_FORCE_POLLING=1, which watchfiles reads itself) polls
the tree instead, for network filesystems, where inotify sees only this machine's writes.
"""

import logging
import os
import signal
import sys
import time
from collections.abc import Generator, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import watchfiles
from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection
from watchfiles.main import FileChange

from core.exceptions import ReindexInProgress
from core.interrupts import Interrupted, StopRequest
from indexer.crawler import RootError, checked_roots
from indexer.progress import RunProgress
from indexer.services import SyncOptions
from indexer.watch import ChangeFilter, fewest_folders, folders_covering
from search.reindex import ReindexOutcome, ReindexRequest, reindex_run

logger = logging.getLogger(__name__)

# How long changes that keep coming are gathered before a run starts anyway.
DEBOUNCE_SECONDS = 2.0
# A run starts once no change has come for this long (watchfiles' step).
QUIET_MS = 100
# Idle, the loop still wakes this often: for the first run and to retry a busy one.
WAKE_MS = 1000
# How long to wait before trying again while another reindex holds the lock (a Celery task,
# a manual reindex) or the database is unreachable.
RETRY_SECONDS = 5.0
# Runs in a row whose folder vanished before the crawl reached it, before waiting instead.
VANISHED_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class WatchRequest:
    """What to watch and how to sync it; `debounce` in seconds, `poll` to force polling."""

    roots: list[Path]
    options: SyncOptions = field(default_factory=SyncOptions)
    debounce: float = DEBOUNCE_SECONDS
    poll: bool = False


class WatchUnavailable(Exception):
    """The kernel would not watch the roots (too many folders for inotify, no permission)."""


def watch_run(*, request: WatchRequest, stop: StopRequest, lock_timeout: float) -> None:
    """Sync the roots, then every folder where files change, until `stop` is asked for.

    Raise RootError for a root that is missing or vanishes, WatchUnavailable if the roots
    cannot be watched. A stop during a run ends it at a checkpoint: what was synced is kept,
    and the next start syncs the rest.
    """
    roots = checked_roots([os.fspath(root) for root in request.roots])
    pending = PendingSync(
        roots=roots, options=request.options, stop=stop, lock_timeout=lock_timeout
    )
    batches = _batches(roots, request, stop)
    how = "polling" if request.poll else f"debounce {request.debounce:g} s"
    logger.info("watch: watching %s (%s); syncing all of it first", ", ".join(roots), how)
    try:
        for batch in batches:
            pending.add(path for _, path in batch)
            if pending.due() and stop.signum is None:
                pending.run()
    except Interrupted:
        return  # PendingSync.run said where
    finally:
        batches.close()
    if stop.signum is not None:
        logger.info("watch: stopped by %s", signal.Signals(stop.signum).name)


def _batches(
    roots: list[str], request: WatchRequest, stop: StopRequest
) -> Generator[set[FileChange], None, None]:
    """Yield each batch of changes the sync would see, and an empty one when idle a while."""
    try:
        yield from watchfiles.watch(
            *roots,
            watch_filter=ChangeFilter(roots, request.options.excludes, own_paths()),
            debounce=round(request.debounce * 1000),
            step=QUIET_MS,
            rust_timeout=WAKE_MS,
            yield_on_timeout=True,
            stop_event=_Stopping(stop),
            force_polling=True if request.poll else None,
        )
    except OSError as error:  # only the watcher's: a run's errors are not raised in here
        raise WatchUnavailable(
            f"Cannot watch {', '.join(roots)}: {error}. With many folders, raise "
            "fs.inotify.max_user_watches; on a network filesystem, use --poll."
        ) from error


class PendingSync:
    """The folders waiting for a sync, and the runs that sync them; a busy run is retried."""

    def __init__(
        self,
        *,
        roots: list[str],
        options: SyncOptions,
        stop: StopRequest | None,
        lock_timeout: float,
    ) -> None:
        self.roots = roots
        self.options = replace(options, within=tuple(roots))
        self.stop = stop
        self.lock_timeout = lock_timeout
        # The first run syncs every root: what changed while nothing watched.
        self.folders: set[str] = set(roots)
        self.changes = 0
        self.caught_up = False
        self.retry_at = 0.0
        self.waiting: type[Exception] | None = None
        self.vanished = 0

    def add(self, paths: Iterable[str]) -> None:
        """Note the folders of changed paths for the next run."""
        paths = list(paths)
        self.changes += len(paths)
        self.folders |= folders_covering(paths, self.roots)

    def due(self) -> bool:
        return bool(self.folders) and time.monotonic() >= self.retry_at

    def run(self) -> ReindexOutcome | None:
        """Sync the pending folders in one run; keep them for a later one if it cannot run."""
        folders = fewest_folders(folders_covering(self.folders, self.roots), self.roots)
        logger.debug("watch: syncing %s", folders)
        request = ReindexRequest(
            roots=[Path(folder) for folder in folders], options=self.options, keyword_first=True
        )
        progress = RunProgress(stream=sys.stderr, terminal=False, interval=None, stop=self.stop)
        started = time.monotonic()
        try:
            if not connection.in_atomic_block:  # a test's transaction must stay open
                close_old_connections()  # a long wait may have outlived the connection
            outcome = reindex_run(
                request=request, progress=progress, lock_timeout=self.lock_timeout
            )
        except RootError:
            self._vanished()
            return None
        except (ReindexInProgress, DatabaseError) as error:
            self._wait(error)
            return None
        except Interrupted as error:
            logger.info("watch: %s", _stopped(error, progress))
            raise
        logger.info(self._summary(outcome, len(folders), time.monotonic() - started))
        _log_problems(outcome)
        self.folders, self.changes, self.caught_up = set(), 0, True
        self.retry_at, self.waiting, self.vanished = 0.0, None, 0
        return outcome

    def _vanished(self) -> None:
        """Sync a vanished folder's nearest ancestor next, unless a root itself is gone."""
        checked_roots(self.roots)  # raises RootError for a missing root
        self.vanished += 1
        if self.vanished >= VANISHED_ATTEMPTS:
            self.retry_at, self.vanished = time.monotonic() + RETRY_SECONDS, 0

    def _wait(self, error: Exception) -> None:
        """Try again after a while; say so once per wait, not at every try."""
        self.retry_at = time.monotonic() + RETRY_SECONDS
        if self.waiting is not type(error):
            reason = str(error).partition(". ")[0]
            count = len(self.folders)
            logger.warning(
                "watch: %s; keeping %d folder%s to sync, trying again every %g s",
                reason, count, "" if count == 1 else "s", RETRY_SECONDS,
            )  # fmt: skip
        self.waiting = type(error)

    def _summary(self, outcome: ReindexOutcome, folders: int, elapsed: float) -> str:
        """Describe a run in one line: where, what changed, which generation serves it."""
        sync, build = outcome.sync, outcome.build
        counts = "nothing synced"
        if sync is not None:
            counts = f"{sync.new} new, {sync.changed} changed, {sync.deleted} deleted"
            counts += f", {sync.restored} restored" if sync.restored else ""
            counts += f", {sync.errors} problems" if sync.errors else ""
        index = "search index up to date"
        if build is not None and not build.skipped:
            embedded = _counted(build.encoded, "passage")
            index = f"search index generation {build.generation}, {embedded} embedded"
        if not self.caught_up:
            where = f"caught up with {_counted(folders, 'root')}"
        else:
            where = f"synced {_counted(folders, 'folder')} ({_counted(self.changes, 'change')})"
        return f"watch: {where}: {counts}; {index} ({elapsed:.2f} s)"


def own_paths() -> list[str]:
    """Return where Dizin itself writes: a change there is no one's edit, and would loop."""
    folders = (settings.VAR_DIR, settings.INDEX_DIR, settings.SEMANTIC_ONNX_DIR)
    paths = [os.fspath(folder) for folder in folders]
    if connection.vendor == "sqlite":
        name = os.fspath(connection.settings_dict["NAME"])
        paths += [f"{name}{suffix}" for suffix in ("", "-wal", "-shm", "-journal")]
    if metrics := os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        paths.append(metrics)
    return paths


class _Stopping:
    """A StopRequest as the event watchfiles checks between its steps."""

    def __init__(self, stop: StopRequest) -> None:
        self._stop = stop

    def is_set(self) -> bool:
        return self._stop.signum is not None


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _stopped(error: Interrupted, progress: RunProgress) -> str:
    where = (
        f" in the {progress.phase.value} phase ({progress.counted()} done)"
        if progress.phase
        else ""
    )
    return f"stopped by {error}{where}; what was synced is kept, the next start syncs the rest"


def _log_problems(outcome: ReindexOutcome) -> None:
    if outcome.sync is not None:
        for problem in outcome.sync.problems:
            logger.warning("watch: %s: %s: %s", problem.reason, problem.path, problem.detail)
