"""Print the results table and write it as JSON."""

import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .collection import Collection
from .metrics import METRICS
from .runner import Row

COLUMNS = (*METRICS, "index s", "query ms")


def format_table(rows: list[Row]) -> str:
    """Lay the rows out as a Markdown table, ready for the README."""
    lines = [
        "| system | " + " | ".join(COLUMNS) + " |",
        "| --- | " + " | ".join("---:" for _ in COLUMNS) + " |",
    ]
    for row in rows:
        cells = [f"{row.metrics[name]:.4f}" for name in METRICS]
        cells += [f"{row.index_seconds:.1f}", f"{row.mean_query_ms:.2f}"]
        lines.append(f"| {row.system} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_json(path: Path, collection: Collection, rows: list[Row], extra: dict[str, Any]) -> None:
    """Write the table with what it was measured on, so runs can be compared later."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "collection": collection.name,
        "documents": len(collection.documents),
        "queries": len(collection.queries),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        **extra,
        "rows": [row.as_dict() for row in rows],
    }
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
