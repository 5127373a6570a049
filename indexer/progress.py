"""A reindex run's progress: a bar per phase on a terminal, a line every few seconds in a log,
and the phase published through the lease for other processes to read."""

import time
from datetime import datetime
from typing import TextIO

from django.utils import timezone
from tqdm import tqdm

from core.interrupts import Stop
from core.progress import Phase, eta_seconds
from indexer.lease import Lease, RunState

# How often a phase's count reaches the bar, the log and the lease: advance() is called per file.
UPDATE_SECONDS = 0.2
UNITS = {
    Phase.CRAWL: "files",
    Phase.EXTRACT: "files",
    Phase.BUILD: "files",
    Phase.EMBED: "passages",
    Phase.SWAP: "steps",
}


class RunProgress:
    """Show and publish a run's progress; stop it at a checkpoint when asked to."""

    def __init__(
        self,
        *,
        stream: TextIO,
        terminal: bool,
        interval: float | None,
        lease: Lease | None = None,
        stop: Stop | None = None,
    ) -> None:
        self._stream = stream
        self._terminal = terminal
        self._interval = interval
        self.lease = lease
        self._stop = stop
        self._bar: tqdm | None = None
        self.phase: Phase | None = None
        self._total: int | None = None
        self._done = 0
        self._bytes = 0
        self._started = 0.0
        self._started_at: datetime | None = None
        self._next_update = 0.0
        self._next_line = 0.0

    @property
    def shown(self) -> bool:
        """Tell whether anyone sees the progress (so totals are worth counting)."""
        return self._terminal or self._interval is not None

    def start(self, phase: Phase, total: int | None) -> None:
        self.close()
        self.phase, self._total, self._done, self._bytes = phase, total, 0, 0
        self._started, self._started_at = time.monotonic(), timezone.now()
        self._next_update = 0.0
        if self._terminal:
            self._bar = tqdm(
                total=total, desc=phase.value, unit=UNITS[phase], file=self._stream,
                dynamic_ncols=True, leave=False,
            )  # fmt: skip
        elif self._interval is not None:
            self._next_line = self._started + self._interval
            count = "" if total is None else f": {total} {UNITS[phase]}"
            self._write(f"reindex: {phase.value} started{count}")
        self._publish()

    def set_total(self, total: int | None) -> None:
        # A count finished on another thread may land after the crawl has passed it.
        self._total = total if total is None else max(total, self._done)
        if self._bar is not None:
            self._bar.total = self._total
            self._bar.refresh()
        self._publish()

    def advance(self, steps: int = 1, *, size: int = 0) -> None:
        self._done += steps
        self._bytes += size
        if self._total is not None and self._done > self._total:
            self._total = self._done  # the crawl's total is an estimate, and may fall short
        now = time.monotonic()
        if now < self._next_update:
            return
        self._next_update = now + UPDATE_SECONDS
        self._show()
        if self._bar is None and self._interval is not None and now >= self._next_line:
            self._next_line = now + self._interval
            self._write(self.line())
        self._publish()

    def checkpoint(self) -> None:
        if self._stop is not None:
            self._stop.check()
        if self.lease is not None:
            self.lease.check()

    def line(self) -> str:
        """Describe the phase in one line: done of total, rate and time left."""
        if self.phase is None:
            return "reindex: starting"
        elapsed = time.monotonic() - self._started
        unit = UNITS[self.phase]
        share = f" ({100 * self._done / self._total:.1f}%)" if self._total else ""
        rate = f", {self._done / elapsed:.1f} {unit}/s" if elapsed > 0 else ""
        eta = eta_seconds(self._done, self._total, elapsed)
        left = "" if eta is None else f", ETA {eta:.0f} s"
        return f"reindex: {self.phase.value} {self.counted()}{share}{rate}{left}"

    def counted(self) -> str:
        """Say how much of the phase is done: "1200/4845 files", or "1200 files"."""
        unit = UNITS[self.phase] if self.phase else "files"
        done = f"{self._done}" if self._total is None else f"{self._done}/{self._total}"
        return f"{done} {unit}"

    def close(self) -> None:
        if self._bar is not None:
            self._show()
            self._bar.close()
            self._bar = None

    def _show(self) -> None:
        """Bring the bar up to the count."""
        if self._bar is not None:
            if self._bar.total != self._total:
                self._bar.total = self._total
            self._bar.update(self._done - self._bar.n)
            if self._bytes:
                self._bar.set_postfix_str(tqdm.format_sizeof(self._bytes, "B", 1024), False)

    def _publish(self) -> None:
        if self.lease is not None and self.phase is not None:
            self.lease.publish(
                RunState(self.phase.value, self._started_at, self._done, self._total)
            )

    def _write(self, line: str) -> None:
        self._stream.write(line + "\n")
        self._stream.flush()
