"""How long-running work reports its progress and offers to stop: the interface services take."""

from enum import StrEnum
from typing import Protocol


class Phase(StrEnum):
    """The phases of a reindex, in the order a run goes through them."""

    CRAWL = "crawl"  # walking the tree and comparing it with the stored rows
    EXTRACT = "extract"  # reading, hashing and extracting new and changed files
    BUILD = "build"  # passages, term counts and the file table of the next index
    EMBED = "embed"  # encoding the passages no store or earlier index has a vector for
    SWAP = "swap"  # saving the new index generation and pointing CURRENT at it


def eta_seconds(done: int, total: int | None, elapsed: float) -> float | None:
    """Estimate the seconds left at the rate so far; None until there is a rate and a total."""
    if total is None or done <= 0 or elapsed <= 0:
        return None
    return max(total - done, 0) * elapsed / done


class Progress(Protocol):
    """Told what a run is doing; asked, at each batch boundary, whether it may go on."""

    def start(self, phase: Phase, total: int | None) -> None:
        """Begin a phase of `total` steps (None while unknown)."""

    def set_total(self, total: int | None) -> None:
        """Give the current phase's total once it is known; None when an estimate proved short."""

    def advance(self, steps: int = 1, *, size: int = 0) -> None:
        """Count `steps` more done (and `size` bytes, where bytes are counted)."""

    def checkpoint(self) -> None:
        """Raise to stop the run here, where everything done so far is committed."""


class NoProgress:
    """Report nowhere and never stop: for callers that need neither."""

    def start(self, phase: Phase, total: int | None) -> None:
        pass

    def set_total(self, total: int | None) -> None:
        pass

    def advance(self, steps: int = 1, *, size: int = 0) -> None:
        pass

    def checkpoint(self) -> None:
        pass
