"""Signals the indexer sends, for the apps above it to act on."""

from django.dispatch import Signal

# The file index may have changed: a reindex run (other than a dry run) or an admin action
# wrote to it. Sent once per run or action, after its writes are committed.
file_index_changed = Signal()
