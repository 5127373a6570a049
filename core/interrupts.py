"""Stop long-running work cleanly: a first Ctrl-C or SIGTERM asks it to stop at a safe point."""

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Protocol


class Interrupted(Exception):
    """The run was asked to stop (by `signum`) and stopped where its work was committed."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_status(self) -> int:
        """Return the shell's status for a process ended by the signal: 130, 143."""
        return 128 + self.signum


class Cancelled(Exception):
    """The run was cancelled by whoever asked for it, and stopped where its work was committed."""


class Stop(Protocol):
    """Something long-running work checks at each checkpoint, to stop there if asked to."""

    def check(self) -> None:
        """Raise Interrupted or Cancelled if the work should stop."""
        ...


class StopRequest:
    """Remembers the first SIGINT or SIGTERM; a second one stops at once (KeyboardInterrupt)."""

    def __init__(self) -> None:
        self.signum: int | None = None

    def check(self) -> None:
        """Raise Interrupted if a stop was asked for."""
        if self.signum is not None:
            raise Interrupted(self.signum)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is not None:
            raise KeyboardInterrupt
        self.signum = signum


@contextlib.contextmanager
def stop_on_signals() -> Iterator[StopRequest]:
    """Catch SIGINT and SIGTERM while the block runs, then restore the handlers there were.

    Outside the main thread signals cannot be caught; the request then never fires.
    """
    request = StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield request
        return
    previous = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    for signum in previous:
        signal.signal(signum, request._handle)
    try:
        yield request
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
