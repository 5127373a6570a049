"""Terminal progress bars for reindex: the crawl (files, bytes, ETA)."""

import os
from collections.abc import Sequence
from types import TracebackType

from tqdm import tqdm

from indexer.selectors import file_index_under


class ProgressBar:
    def __init__(self, *, total: int | None, unit: str, enabled: bool) -> None:
        self.bar = tqdm(total=total or None, unit=unit, dynamic_ncols=True) if enabled else None

    def __enter__(self):
        return self

    def __exit__(
        self, kind: type | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self.bar is not None:
            self.bar.close()


class SyncProgress(ProgressBar):
    """Files and bytes read; the last run's file count under the roots stands in for a total."""

    def __init__(self, roots: Sequence[os.PathLike | str], *, enabled: bool) -> None:
        total = file_index_under(roots).count() if enabled else None
        super().__init__(total=total, unit="files", enabled=enabled)
        self._bytes = 0

    def update(self, files: int, size: int) -> None:
        if self.bar is None:
            return
        self._bytes += size
        self.bar.update(files)
        if size:
            self.bar.set_postfix_str(tqdm.format_sizeof(self._bytes, "B", 1024), refresh=False)
