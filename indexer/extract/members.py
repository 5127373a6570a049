"""What containers (archives, e-mail) share: their members extracted by type, within caps."""

import re
from collections import Counter

from indexer.extract.base import Extraction, Limits, Status, TextBudget

# "2 members skipped: 1 member failed: why" -> "why": the innermost reason.
_COUNTED = re.compile(r"^(\d+ members? )?((failed|skipped|truncated): )+")


class Members:
    """Extract a container's members into one budget, counting what the caps left out.

    Each member is extracted by the extractor for its own type (through the registry), its
    segments named by the member's path, nested names joined with "/".
    """

    def __init__(self, registry, limits: Limits) -> None:
        self.registry = registry
        self.limits = limits
        self.budget = TextBudget(limits.max_text_bytes)
        self.bytes_left = limits.archive_max_bytes
        self.taken = 0
        self.left_out: Counter[str] = Counter()

    def room(self) -> int:
        """Return how many more uncompressed bytes may be read."""
        return max(self.bytes_left, 0)

    def full(self) -> bool:
        """Tell whether no further member should be read, noting why."""
        if self.taken >= self.limits.archive_max_members:
            self.left_out["past the limit of members"] += 1
            return True
        if self.bytes_left <= 0:
            self.left_out["past the limit of uncompressed bytes"] += 1
            return True
        return False

    def leave_out(self, reason: str) -> None:
        self.left_out[reason] += 1

    def take(self, name: str, data: bytes, *, complete: bool = True) -> None:
        """Extract one member's bytes; raise Full when the text budget is spent."""
        self.taken += 1
        self.bytes_left -= len(data)
        if not complete:
            self.left_out["cut at the limit of uncompressed bytes"] += 1
        inner = self.registry.extract_member(name, data, limits=self.limits)
        if inner.status in (Status.FAILED, Status.SKIPPED, Status.TRUNCATED):
            # A nested container's detail already counts its members: keep its first reason.
            reason = _COUNTED.sub("", inner.detail.split("; ")[0])
            self.left_out[f"{inner.status.value}: {reason}" if reason else inner.status.value] += 1
        for segment in inner.segments:
            member = name if segment.member is None else f"{name}/{segment.member}"
            self.budget.add(segment.text, page=segment.page, member=member)

    def extraction(self, key: str, *, text_first: str = "") -> Extraction:
        """Say how it went: truncated when anything was left out, with what and why."""
        detail = "; ".join(
            f"{count} {'member' if count == 1 else 'members'} {reason}"
            for reason, count in sorted(self.left_out.items())
        )
        if self.left_out and self.budget.segments:
            self.budget.truncated = True
        result = self.budget.extraction(key, detail=detail[:255])
        if not result.segments and self.left_out:
            return Extraction(key, Status.SKIPPED, detail=detail[:255])
        return result


def read_capped(stream, room: int) -> tuple[bytes, bool]:
    """Read at most `room` bytes; also say whether that was all there was."""
    data = stream.read(room + 1)
    return data[:room], len(data) <= room
