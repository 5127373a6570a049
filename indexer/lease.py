"""The reindex lease: one reindex at a time, across every machine sharing the database."""

import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.exceptions import ReindexInProgress
from indexer.models import ReindexLease

LEASE_NAME = "reindex"


class Lease:
    """A held lease; `renew()` often enough keeps it, a killed holder's lease just expires."""

    def __init__(self, owner: str, timeout: float) -> None:
        self.owner = owner
        self.timeout = timeout
        self._renewed = time.monotonic()

    def renew(self) -> None:
        if time.monotonic() - self._renewed < self.timeout / 3:
            return
        expires_at = timezone.now() + timedelta(seconds=self.timeout)
        kept = ReindexLease.objects.filter(name=LEASE_NAME, owner=self.owner).update(
            expires_at=expires_at
        )
        if not kept:
            raise ReindexInProgress("The reindex lock expired and another reindex took it over.")
        self._renewed = time.monotonic()


def lease_acquire(*, timeout: float) -> Lease:
    owner = f"{socket.gethostname()} pid {os.getpid()} ({uuid.uuid4().hex[:8]})"
    now = timezone.now()
    try:
        with transaction.atomic():
            current = ReindexLease.objects.select_for_update().filter(name=LEASE_NAME).first()
            if current is not None and current.expires_at > now:
                raise _busy(current)
            held = {
                "owner": owner,
                "acquired_at": now,
                "expires_at": now + timedelta(seconds=timeout),
            }
            if current is None:
                # Not update_or_create: on a clash it would take over the row another process
                # has just created, and both would run.
                ReindexLease.objects.create(name=LEASE_NAME, **held)
            else:
                ReindexLease.objects.filter(pk=current.pk).update(**held)
    except IntegrityError:
        # Another process created the row between our read and our insert.
        raise _busy(ReindexLease.objects.get(name=LEASE_NAME)) from None
    return Lease(owner, timeout)


def lease_release(lease: Lease) -> None:
    ReindexLease.objects.filter(name=LEASE_NAME, owner=lease.owner).delete()


@contextmanager
def reindex_lease(*, timeout: float) -> Iterator[Lease]:
    lease = lease_acquire(timeout=timeout)
    try:
        yield lease
    finally:
        lease_release(lease)


def _busy(current: ReindexLease) -> ReindexInProgress:
    started = timezone.localtime(current.acquired_at).strftime("%Y-%m-%d %H:%M:%S %Z")
    return ReindexInProgress(
        f"Another reindex is already running ({current.owner}, started {started}). "
        "Wait for it to finish; if it was killed, its lock expires by itself."
    )
