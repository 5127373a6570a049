"""Terminal progress of the index build."""

from collections.abc import Callable

from indexer.models import FileIndex
from indexer.progress import ProgressBar


class BuildProgress(ProgressBar):
    """Files taken by the index build so far; `on_update` runs on every report."""

    def __init__(self, *, enabled: bool, on_update: Callable[[], None]) -> None:
        total = FileIndex.objects.count() if enabled else None
        super().__init__(total=total, unit="files", enabled=enabled)
        self._on_update = on_update

    def update(self, files: int) -> None:
        self._on_update()
        if self.bar is not None:
            self.bar.update(files - self.bar.n)
