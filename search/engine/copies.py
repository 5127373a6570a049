"""Which files share their content: groups of rows found once, when the index is built."""

import numpy as np

from .strings import PackedStrings


class CopyGroups:
    """Each row's group of files with the same content (-1 for none), and each group's rows."""

    # Found with the index and saved with it, so serving processes map one copy: grouped at
    # the first search, the hashes held 4 MiB in each (as a dict), or 12 (numpy's temporaries).

    def __init__(self, groups: np.ndarray, members: np.ndarray, starts: np.ndarray) -> None:
        self.groups = groups  # int32 per row: its group, -1 if no other file has its content
        self.members = members  # int64: the rows of group 0, then of group 1, each in path order
        self.starts = starts  # int64 per group, then one more: where its rows start in members
        # Memoryviews give Python ints, twice as fast as indexing the arrays.
        self._groups = groups.data
        self._starts = starts.data

    @classmethod
    def find(cls, hashes: PackedStrings, sizes: np.ndarray) -> "CopyGroups":
        """Group the rows by content hash; empty files copy nothing."""
        candidates = np.flatnonzero(sizes > 0)
        _, inverse, counts = np.unique(
            hashes.fixed_width()[candidates], return_inverse=True, return_counts=True
        )
        shared = counts[inverse] > 1
        order = np.argsort(inverse[shared], kind="stable")  # stable: rows stay in path order
        members = candidates[shared][order]
        changes = np.diff(inverse[shared][order], prepend=-1) != 0
        groups = np.full(len(sizes), -1, dtype=np.int32)
        groups[members] = np.cumsum(changes) - 1
        return cls(groups, members, np.append(np.flatnonzero(changes), len(changes)))

    def group(self, row: int) -> int:
        return self._groups[row]

    def others(self, row: int) -> tuple[int, ...]:
        """Return the rows of the other files in the row's group, in path order."""
        number = self._groups[row]
        if number < 0:
            return ()
        rows = self.members[self._starts[number] : self._starts[number + 1]].tolist()
        return tuple(other for other in rows if other != row)
