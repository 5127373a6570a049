"""The reindex lease: one reindex at a time across every machine sharing the database.

The holder's heartbeat thread renews the lease and publishes the run's progress, on a
connection of its own, so neither a long batch nor a busy database starves it. A lease whose
holder is dead is taken over at once when it ran on this machine; one from another machine
expires after the timeout.
"""

import dataclasses
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from core.exceptions import ReindexInProgress
from indexer.models import ReindexLease

logger = logging.getLogger(__name__)
LEASE_NAME = "reindex"
# How often the heartbeat publishes progress; the lease itself is renewed at least every
# third of its timeout.
HEARTBEAT_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class RunState:
    """Where a run is, as published with its lease."""

    phase: str = ""
    phase_started_at: datetime | None = None
    done: int = 0
    total: int | None = None


class Lease:
    """A held lease, renewed by a heartbeat thread while `running()`."""

    def __init__(self, owner: str, timeout: float) -> None:
        self.owner = owner
        self.timeout = timeout
        self._state = RunState()
        self._published: RunState | None = None
        self._renewed = time.monotonic()
        self._stop = False
        self._wake = threading.Event()
        self._lost: str | None = None
        self._inline = False

    def publish(self, state: RunState) -> None:
        """Record the run's progress; the heartbeat writes it, at once for a new phase."""
        new_phase = state.phase != self._state.phase
        self._state = state
        if self._inline:
            if new_phase or time.monotonic() - self._renewed >= HEARTBEAT_SECONDS:
                self.renew()
        elif new_phase:
            self._wake.set()

    def check(self) -> None:
        """Raise ReindexInProgress if the lease was lost to another run."""
        if self._lost:
            raise ReindexInProgress(self._lost)

    def renew(self) -> None:
        """Extend the lease and write the latest progress; raise if another run took it."""
        state = self._state
        expires_at = timezone.now() + timedelta(seconds=self.timeout)
        kept = ReindexLease.objects.filter(name=LEASE_NAME, owner=self.owner).update(
            expires_at=expires_at,
            phase=state.phase,
            phase_started_at=state.phase_started_at,
            done=state.done,
            total=state.total,
        )
        if not kept:
            self._lost = "The reindex lock expired and another reindex took it over."
            raise ReindexInProgress(self._lost)
        self._renewed, self._published = time.monotonic(), state

    @contextmanager
    def running(self) -> Iterator["Lease"]:
        """Keep the lease renewed from a heartbeat thread while the block runs.

        A lease taken inside a transaction (a test's) is invisible to any other connection,
        so it is renewed on publish(), from the holder's own connection, instead.
        """
        if connection.in_atomic_block:
            self._inline = True
            yield self
            return
        heartbeat = threading.Thread(target=self._beat, name="reindex-lease", daemon=True)
        heartbeat.start()
        try:
            yield self
        finally:
            self._stop = True
            self._wake.set()
            heartbeat.join()

    def _beat(self) -> None:
        try:
            while not self._lost:
                self._wake.wait(HEARTBEAT_SECONDS)
                self._wake.clear()
                if self._stop:
                    return
                due = time.monotonic() - self._renewed >= self.timeout / 3
                if not due and self._state == self._published:
                    continue
                try:
                    self.renew()
                except ReindexInProgress:
                    return
                except DatabaseError as error:  # busy or briefly unreachable: try next beat
                    logger.warning("Could not renew the reindex lock, retrying: %s", error)
        finally:
            connection.close()


def lease_acquire(*, timeout: float, label: str | None = None) -> Lease:
    """Take the lease, or raise ReindexInProgress naming the run that holds it.

    `label` names the run in the lease's owner (a random tag by default), for holder_label().
    """
    host, pid = socket.gethostname(), os.getpid()
    owner = f"{host} pid {pid} ({label or uuid.uuid4().hex[:8]})"
    now = timezone.now()
    try:
        with transaction.atomic():
            current = ReindexLease.objects.select_for_update().filter(name=LEASE_NAME).first()
            if current is not None and current.expires_at > now and not _dead_here(current):
                raise _busy(current, timeout)
            if current is not None and current.expires_at > now:
                logger.warning("Taking over the lock of a dead reindex (%s).", current.owner)
            held = {
                "owner": owner,
                "host": host,
                "pid": pid,
                "acquired_at": now,
                "expires_at": now + timedelta(seconds=timeout),
                **dataclasses.asdict(RunState()),
            }
            if current is None:
                # Not update_or_create: on a clash it would take over the row another process
                # has just created, and both would run.
                ReindexLease.objects.create(name=LEASE_NAME, **held)
            else:
                ReindexLease.objects.filter(pk=current.pk).update(**held)
    except IntegrityError:
        # Another process created the row between our read and our insert.
        raise _busy(ReindexLease.objects.get(name=LEASE_NAME), timeout) from None
    return Lease(owner, timeout)


def lease_release(lease: Lease) -> None:
    ReindexLease.objects.filter(name=LEASE_NAME, owner=lease.owner).delete()


@contextmanager
def reindex_lease(*, timeout: float, label: str | None = None) -> Iterator[Lease]:
    """Hold the lease, renewed by its heartbeat, while the block runs; release it after."""
    lease = lease_acquire(timeout=timeout, label=label)
    try:
        with lease.running():
            yield lease
    finally:
        lease_release(lease)


def holder_label() -> str | None:
    """Return the label of the run holding the lease now, or None when none holds it."""
    now = timezone.now()
    current = ReindexLease.objects.filter(name=LEASE_NAME, expires_at__gt=now).first()
    if current is None or _dead_here(current):
        return None
    return current.owner.rpartition(" (")[2].removesuffix(")")


def _dead_here(lease: ReindexLease) -> bool:
    """Tell whether the lease's holder ran on this machine and is gone."""
    if lease.host != socket.gethostname() or lease.pid is None:
        return False
    try:
        os.kill(lease.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, but another user's
        return False
    return _zombie(lease.pid)


def _zombie(pid: int) -> bool:
    """Tell whether `pid` has exited but not been reaped: its parent was killed with it, say."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # no /proc: take it for alive, as os.kill did
        return False
    return stat.rpartition(")")[2].split()[0] == "Z"


def _busy(current: ReindexLease, timeout: float) -> ReindexInProgress:
    started = timezone.localtime(current.acquired_at).strftime("%Y-%m-%d %H:%M:%S %Z")
    return ReindexInProgress(
        f"Another reindex is already running ({current.owner}, started {started}). "
        "Wait for it to finish; if it was killed on another machine, its lock expires "
        f"{timeout:.0f} s after its last renewal."
    )
