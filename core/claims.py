"""Claims on a run's numbered batches, in the cache every worker shares: each batch done once.

Whoever adds a batch's key first does it, then replaces the claim with its result; a claim
left by a process that died expires, and the batch is free again.
"""

import os
import socket
import time
from collections.abc import Callable
from typing import Any

from django.core.cache import cache

# A claim not finished by then is taken for a dead process's: the batch is free again.
CLAIM_SECONDS = 600
WAIT_SECONDS = 0.1


class BatchClaims:
    """The claims on one run's batches."""

    def __init__(self, run: str, *, seconds: int = CLAIM_SECONDS) -> None:
        self.run = run
        self._seconds = seconds

    def claim(self, number: int) -> bool:
        """Claim batch `number` for this process; False when another process has it."""
        owner = {"claimed_by": f"{socket.gethostname()} pid {os.getpid()}"}
        return cache.add(self._key(number), owner, self._seconds)

    def finish(self, number: int, result: Any = None) -> None:
        """Record batch `number` done, with what it did."""
        cache.set(self._key(number), {"done": result}, self._seconds)

    def abandon(self, number: int) -> None:
        """Free batch `number` for someone else."""
        cache.delete(self._key(number))

    def wait(self, number: int, *, tick: Callable[[], None] | None = None) -> tuple[bool, Any]:
        """Wait for whoever has batch `number`: (True, its result), or (False, None) if freed.

        `tick` runs between looks (a checkpoint, say).
        """
        while True:
            state = cache.get(self._key(number))
            if state is None:
                return False, None
            if "done" in state:
                return True, state["done"]
            if tick is not None:
                tick()
            time.sleep(WAIT_SECONDS)

    def _key(self, number: int) -> str:
        return f"batch:{self.run}:{number}"
