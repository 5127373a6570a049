"""The plain summary a reindex run prints."""

from django.template.defaultfilters import filesizeformat

from indexer.report import SyncReport


def summary_lines(report: SyncReport) -> list[str]:
    rows = [
        ("files seen", report.seen),
        ("new", report.new),
        ("changed", report.changed),
        ("unchanged", report.unchanged),
        ("deleted", report.deleted),
        ("restored", report.restored),
        ("errors", report.errors),
        ("bytes read", f"{report.bytes_read} ({filesizeformat(report.bytes_read)})"),
        ("elapsed", f"{report.elapsed:.2f} s"),
        ("files/second", f"{report.files_per_second:.0f}"),
    ]
    lines = [f"{label:<14}{value}" for label, value in rows]
    lines += [f"  {reason}: {count}" for reason, count in sorted(report.problem_counts.items())]
    if report.dry_run:
        lines.append("Dry run: nothing was written.")
    return lines
