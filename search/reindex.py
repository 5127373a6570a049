"""A reindex run: crawl the roots into the file index, then build the search index from it."""

from dataclasses import dataclass, field
from pathlib import Path

from core.heap import existing_objects_frozen
from indexer.lease import reindex_lease
from indexer.progress import RunProgress
from indexer.report import SyncReport
from indexer.services import SyncOptions, file_index_sync
from search.factory import prepare_query_encoder
from search.services import BuildReport, search_index_build


@dataclass(frozen=True, slots=True)
class ReindexRequest:
    """What a run is asked to do: which roots, how to crawl them, whether to build."""

    roots: list[Path]
    options: SyncOptions = field(default_factory=SyncOptions)
    crawl: bool = True
    build: bool = True
    # Build even when the file index has not changed since the served generation.
    force_build: bool = False
    # Let other Celery workers read and embed some of the run's batches.
    share: bool = False
    # With much to embed, swap in a generation for keyword search first, then embed.
    keyword_first: bool = False


@dataclass(frozen=True, slots=True)
class ReindexOutcome:
    sync: SyncReport | None
    build: BuildReport | None


def reindex_run(
    *,
    request: ReindexRequest,
    progress: RunProgress,
    lock_timeout: float,
    label: str | None = None,
) -> ReindexOutcome:
    """Run a reindex holding the lease; `progress` shows it, publishes it, and may stop it.

    Raise ReindexInProgress when another run holds the lease (or takes it over), RootError
    for a bad root, and Interrupted when stopped at a checkpoint: what was done is kept.
    `label` names the run in the lease.
    """
    with existing_objects_frozen(), reindex_lease(timeout=lock_timeout, label=label) as lease:
        progress.lease = lease
        report = None
        if request.crawl:
            report = file_index_sync(
                roots=request.roots,
                options=request.options,
                progress=progress,
                total_crawl=progress.shown,
                share=request.share,
            )
        built = None
        if request.build and not request.options.dry_run:
            built = search_index_build(
                force=request.force_build,
                progress=progress,
                share=request.share,
                keyword_first=request.keyword_first,
            )
            prepare_query_encoder()
    return ReindexOutcome(report, built)
