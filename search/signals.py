"""Signals the search app sends, for the apps above it to act on."""

from django.dispatch import Signal

# A search was answered: sent with `user`, `request` (SearchRequest), `total_results`,
# `latency_ms` and `cached`.
search_performed = Signal()
