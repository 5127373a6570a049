"""The arguments reindex and watch share: which folders, what to skip, how much text to keep."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser


def add_crawl_arguments(parser: CommandParser) -> None:
    """Add the folders to crawl and the options that choose what the crawl reads."""
    parser.add_argument("paths", nargs="*", type=Path, help="directories (default INDEX_ROOTS)")
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="skip names or relative paths matching GLOB (repeatable; .git etc. always)",
    )
    parser.add_argument("--follow-symlinks", action="store_true")
    parser.add_argument(
        "--max-text-bytes",
        type=int,
        default=settings.INDEX_MAX_TEXT_BYTES,
        metavar="N",
        help="text kept per file (default INDEX_MAX_TEXT_BYTES)",
    )


def crawl_choices(options: dict[str, Any]) -> dict[str, Any]:
    """Check the crawl options and return them as sync_options() takes them."""
    if options["max_text_bytes"] < 0:
        raise CommandError("--max-text-bytes must be 0 or more.")
    return {
        "excludes": options["exclude"],
        "follow_symlinks": options["follow_symlinks"],
        "max_text_bytes": options["max_text_bytes"],
    }
