"""Test data builders."""

import hashlib
import itertools
from datetime import UTC, datetime

from indexer.models import FileIndex

_numbers = itertools.count(1)


def file_index(**fields) -> FileIndex:
    """Create a FileIndex row with plausible defaults for whatever `fields` leaves out."""
    number = next(_numbers)
    path = fields.pop("file_path", f"/data/file_{number}.txt")
    defaults = {
        "content_hash": hashlib.sha256(path.encode()).hexdigest(),
        "file_size": 100 + number,
        "content_type": "text/plain",
        "last_modified": datetime(2026, 1, 1, tzinfo=UTC),
    }
    return FileIndex.objects.create(file_path=path, **(defaults | fields))
