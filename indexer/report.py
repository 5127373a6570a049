"""What one reindex run did, counted as it goes."""

from collections import Counter
from dataclasses import dataclass, field

from indexer.crawler import CrawlProblem

# Every problem is counted; this many are kept with their paths for the summary.
LISTED_PROBLEMS = 200


@dataclass
class SyncReport:
    seen: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    deleted: int = 0
    restored: int = 0
    bytes_read: int = 0
    elapsed: float = 0.0
    dry_run: bool = False
    problem_counts: Counter[str] = field(default_factory=Counter)
    problems: list[CrawlProblem] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(self.problem_counts.values())

    @property
    def files_per_second(self) -> float:
        return self.seen / self.elapsed if self.elapsed else 0.0

    @property
    def content_changed(self) -> bool:
        return bool(self.new or self.changed or self.deleted or self.restored)

    def add_problem(self, problem: CrawlProblem) -> None:
        self.problem_counts[problem.reason] += 1
        if len(self.problems) < LISTED_PROBLEMS:
            self.problems.append(problem)
