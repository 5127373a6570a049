"""How soon does a change show in search while `manage.py watch` runs?

    python -m bench.watch_latency [--changes 100] [--burst 10000] [--fake-encoder]
                                  [--database-url postgres://...]

Starts `manage.py watch` on a temporary tree (the real model unless --fake-encoder), then
makes changes one at a time, each once the one before is visible: a new file, a rewritten
one or a deleted one, each with a word of its own and a sentence on a topic of its own. It
times from the write until the change shows in keyword results (the word) and in semantic
results (a paraphrase of the sentence finds the file first, or no longer finds it), searching
in this process through the search selectors against the served generation in INDEX_DIR,
read afresh on every search (INDEX_CHECK_INTERVAL 0; a server adds up to its interval, 1 s).
Then a burst of files at once: seconds until all are in keyword and in semantic results, and
how many runs the watch made for them. Prints Markdown.
"""

import argparse
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from bench.django_setup import throwaway_django
from bench.reindex_runs import ROOT, add_files, child_env

WATCH_LINE = re.compile(r"watch: (synced|caught up)")
# What a change's file says, and a question in other words that should find it by meaning.
TOPICS = [
    ("The sourdough starter needs flour and water every day before baking bread.",
     "how do I keep a bread yeast culture alive"),
    ("Tomato seedlings go into sunny garden beds after the last spring frost.",
     "when to move young vegetable plants outdoors"),
    ("Through the telescope we saw the rings of Saturn and four moons of Jupiter.",
     "looking at planets with an astronomy scope"),
    ("Change the engine oil and the oil filter of the car every ten thousand kilometres.",
     "car maintenance lubricant replacement schedule"),
    ("The football match ended in a draw after a penalty in the last minute.",
     "soccer game finished tied late on"),
    ("Our flight to Tokyo was delayed for hours by a snowstorm at the airport.",
     "plane trip to Japan postponed by winter weather"),
    ("The dentist recommends brushing twice a day and flossing before bed.",
     "advice for keeping teeth and gums healthy"),
    ("The city orchestra performed a violin concerto on Saturday evening.",
     "classical music concert with a string soloist"),
    ("Adopting a rescue dog takes a home visit and a small fee.",
     "getting a pet from an animal shelter"),
    ("The marathon runners drank water at every five kilometre station.",
     "staying hydrated during a long distance race"),
    ("The volcano erupted and covered the nearby villages in ash.",
     "a mountain spewing lava and dust over towns"),
    ("The bakery sells croissants, baguettes and chocolate eclairs every morning.",
     "a shop for French pastries"),
    ("Solar panels on the roof make electricity for the whole house.",
     "powering a home with sunlight"),
    ("The toddler learned to ride a bicycle without training wheels.",
     "a small child cycling on two wheels for the first time"),
    ("Knitting a wool scarf takes about a week of evenings.",
     "making warm clothes with yarn and needles"),
    ("The chess champion won the final game with a surprising knight sacrifice.",
     "winning a board game tournament with a bold move"),
    ("Bees collect nectar from flowers and turn it into honey in the hive.",
     "how insects make a sweet food"),
    ("The hikers reached the summit just before the thunderstorm broke.",
     "climbing to a mountain top ahead of bad weather"),
    ("Our wedding reception had a jazz band and a three-tier cake.",
     "a marriage celebration party with live music"),
    ("The surgeon repaired the torn knee ligament in a two hour operation.",
     "an operation on an injured leg joint"),
    ("Whales swim thousands of kilometres to warm waters to give birth.",
     "ocean mammals travelling far to breed"),
    ("The museum opened an exhibition of ancient Egyptian mummies and pottery.",
     "a display of artifacts from the time of the pharaohs"),
    ("Fresh snow made the ski slopes perfect for the weekend.",
     "good conditions for skiing in winter"),
    ("This lentil soup recipe uses onions, carrots, cumin and lemon.",
     "how to cook a bean and vegetable stew"),
]  # fmt: skip
BURST_TOPIC = (
    "The lighthouse keeper logged the passing ships and the weather every night.",
    "records kept by the guardian of a coastal beacon",
)
LETTERS = "bcdfghjklmnpqrstvwxz"
# How long one change may take to show before it counts as lost.
CHANGE_TIMEOUT = 120.0


class WatchProcess:
    """A running `manage.py watch`, its log lines gathered as they come."""

    def __init__(self, roots: list[Path], env: dict[str, str], *args: str) -> None:
        command = [sys.executable, "-m", "bench.watch_latency", "--child", *args]
        self.process = subprocess.Popen(
            [*command, *map(str, roots)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def runs(self, since: int = 0) -> list[str]:
        """Return the lines of the runs logged from line `since` on."""
        return [line for line in self.lines[since:] if WATCH_LINE.search(line)]

    def wait_for(self, pattern: str, *, since: int = 0, timeout: float = 60) -> str:
        """Return the first line from `since` on matching `pattern`; raise if none comes."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines[since:]:
                if re.search(pattern, line):
                    return line
            if self.process.poll() is not None and not self._reader.is_alive():
                break
            time.sleep(0.02)
        raise AssertionError(f"no line matching {pattern!r}; the log:\n" + "\n".join(self.lines))

    def wait_idle(self, quiet: float, timeout: float = 120) -> None:
        """Wait until no line has come for `quiet` seconds."""
        deadline = time.monotonic() + timeout
        seen, since = len(self.lines), time.monotonic()
        while time.monotonic() < deadline and time.monotonic() - since < quiet:
            if len(self.lines) != seen:
                seen, since = len(self.lines), time.monotonic()
            time.sleep(0.05)

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 30) -> int:
        """Ask the watch to stop; kill it if it has not within `timeout`. Return its status."""
        if self.process.poll() is None:
            self.process.send_signal(signum)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._reader.join(5)
        return self.process.returncode


def wait_until(check: Callable[[], bool], timeout: float, pause: float = 0.01) -> float | None:
    """Return the seconds `check()` took to hold, polling; None if it did not in `timeout`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if check():
            return time.monotonic() - started
        time.sleep(pause)
    return None


def child(argv: list[str]) -> None:
    """Run `manage.py watch ARGS...`, with the fake encoder unless DIZIN_BENCH_ENCODER=model."""
    import django

    django.setup()
    if os.environ.get("DIZIN_BENCH_ENCODER") != "model":
        from bench.reindex_runs import SlowHashingEncoder
        from search import factory

        factory.use_encoder(SlowHashingEncoder())
    from django.core.management import ManagementUtility

    ManagementUtility(["manage.py", "watch", *argv]).execute()


# --- the searches, in this process, against the served generation ----------------------


class Searcher:
    """Search as a superuser through the project's selectors; the served index read afresh."""

    def __init__(self, *, fake: bool) -> None:
        from django.contrib.auth import get_user_model

        self.fake = fake
        self.admin = get_user_model().objects.create_superuser("bench", password=None)

    def results(self, query: str, mode: str, folder: Path, page_size: int = 20):
        from search.request import Mode, SearchFilters, SearchRequest
        from search.selectors import search_context, search_page

        request = SearchRequest(
            query=query,
            mode=Mode(mode),
            filters=SearchFilters(path=str(folder)),
            page_size=page_size,
        )
        return search_page(context=search_context(user=self.admin), request=request)

    def keyword_finds(self, word: str, path: Path) -> bool:
        page = self.results(word, "keyword", path.parent)
        return any(result.file_path == str(path) for result in page.results)

    def meaning_finds(self, topic: int, word: str, path: Path) -> bool:
        """Tell whether the topic, asked in other words, finds this version of the file first."""
        sentence, question = TOPICS[topic]
        # The fake encoder hashes words: only the sentence itself is near it.
        page = self.results(sentence if self.fake else question, "semantic", path.parent)
        if not page.results:
            return False
        first = page.results[0]
        return first.file_path == str(path) and word in first.snippet

    def meaning_lost(self, topic: int, path: Path) -> bool:
        sentence, question = TOPICS[topic]
        page = self.results(sentence if self.fake else question, "semantic", path.parent)
        return all(result.file_path != str(path) for result in page.results)

    def keyword_count(self, word: str, folder: Path) -> int:
        return self.results(word, "keyword", folder, page_size=1).total_results

    def meaning_count(self, folder: Path, limit: int) -> int:
        """Count the folder's files the served index finds by meaning, with no relevance floor.

        A file whose passages are not embedded yet (a keyword-first generation's zero
        vectors) scores 0 against any query: only a positive similarity counts.
        """
        from search.engine import FileFilter
        from search.factory import get_encoder, get_index_holder

        index = get_index_holder().get()
        vector = get_encoder().encode_queries([BURST_TOPIC[1]])[0]
        mask = index.table.mask(FileFilter(path_prefix=str(folder)))
        return len(index.search_semantic(vector, mask=mask, limit=limit, min_score=1e-6))


# --- the changes ------------------------------------------------------------------------


def code_word(rng: random.Random) -> str:
    return "wq" + "".join(rng.choices(LETTERS, k=8))


def write_note(path: Path, topic: int, word: str) -> None:
    path.write_text(f"{TOPICS[topic][0]} Reference {word}.\n")


class Changes:
    """Create, rewrite and delete notes one at a time, each timed until search shows it."""

    def __init__(self, folder: Path, searcher: Searcher, rng: random.Random) -> None:
        self.folder, self.searcher, self.rng = folder, searcher, rng
        self.live: dict[Path, tuple[int, str]] = {}
        self.made = 0
        self.timings: dict[str, list[tuple[float | None, float | None]]] = {
            "create": [],
            "modify": [],
            "delete": [],
        }

    def next_kind(self) -> str:
        if len(self.live) < 3:
            return "create"
        if len(self.live) >= 12:
            return self.rng.choice(["modify", "delete"])
        return self.rng.choices(["create", "modify", "delete"], weights=[4, 3, 3])[0]

    def free_topic(self) -> int:
        held = {topic for topic, _ in self.live.values()}
        return self.rng.choice([topic for topic in range(len(TOPICS)) if topic not in held])

    def make(self) -> None:
        """Make one change and time it until both searches show it."""
        kind = self.next_kind()
        if kind == "create":
            path = self.folder / f"note{self.made:03}.txt"
        else:
            path = self.rng.choice(sorted(self.live))
        self.made += 1
        old = self.live.get(path)
        new = (self.free_topic(), code_word(self.rng))
        started = time.monotonic()
        if kind == "delete":
            path.unlink()
            del self.live[path]
        else:
            write_note(path, *new)
            self.live[path] = new
        self.timings[kind].append(timed_pair(started, *self.checks(path, old, new, kind)))

    def checks(
        self, path: Path, old: tuple[int, str] | None, new: tuple[int, str], kind: str
    ) -> tuple[Callable[[], bool], Callable[[], bool]]:
        """Return the keyword and the semantic test of whether search shows the change."""
        search = self.searcher
        if kind == "delete":
            assert old is not None
            return (
                lambda: not search.keyword_finds(old[1], path),
                lambda: search.meaning_lost(old[0], path),
            )
        return (
            lambda: (
                search.keyword_finds(new[1], path)
                and not (old is not None and search.keyword_finds(old[1], path))
            ),
            lambda: search.meaning_finds(new[0], new[1], path),
        )


def timed_pair(
    started: float, first: Callable[[], bool], second: Callable[[], bool]
) -> tuple[float | None, float | None]:
    """Poll both checks until each holds once; return the seconds since `started` of each."""
    seen: list[float | None] = [None, None]
    while time.monotonic() - started < CHANGE_TIMEOUT and None in seen:
        for slot, check in enumerate((first, second)):
            if seen[slot] is None and check():
                seen[slot] = time.monotonic() - started
        time.sleep(0.005)
    return seen[0], seen[1]


# --- the burst --------------------------------------------------------------------------


def burst(root: Path, watch: WatchProcess, searcher: Searcher, files: int) -> dict[str, object]:
    """Write `files` files at once; time until all are in keyword and in semantic results."""
    folder, word, per_folder = root / "burst", "lighthousebatch", 100
    watch.wait_idle(2.0)  # a deletion shows before its run ends: let the last run end
    since = len(watch.lines)
    started = time.monotonic()
    for number in range(files):
        path = folder / f"d{number // per_folder:03}" / f"f{number:05}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{BURST_TOPIC[0]} Entry {number}, {word}.\n")
    written = time.monotonic() - started
    keyword = wait_until(lambda: searcher.keyword_count(word, folder) == files, 1800, 0.2)
    keyword = None if keyword is None else keyword + written
    meaning = wait_until(lambda: searcher.meaning_count(folder, files + 1) == files, 1800, 0.2)
    meaning = None if meaning is None else time.monotonic() - started
    visible_runs = len(watch.runs(since))
    wait_until(lambda: False, 3.0)  # any run still to come
    return {
        "files": files,
        "folders": -(-files // per_folder),
        "written": written,
        "keyword": keyword,
        "semantic": meaning,
        "runs": visible_runs,
        "runs_after": len(watch.runs(since)) - visible_runs,
        "lines": watch.runs(since),
    }


# --- the report -------------------------------------------------------------------------


def seconds(value: float | None) -> str:
    return "lost" if value is None else f"{value:.2f} s"


def percentiles(values: list[float | None]) -> tuple[str, str]:
    import numpy as np

    kept = [value for value in values if value is not None]
    if not kept:
        return "-", "-"
    p50, p99 = np.percentile(kept, [50, 99])
    lost = len(values) - len(kept)
    suffix = f" ({lost} lost)" if lost else ""
    return f"{p50:.2f} s", f"{p99:.2f} s{suffix}"


def report(changes: Changes, result: dict[str, object], header: str) -> None:
    print(header)
    print()
    print("| change | n | keyword p50 | keyword p99 | semantic p50 | semantic p99 |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for kind, pairs in changes.timings.items():
        keyword = percentiles([pair[0] for pair in pairs])
        meaning = percentiles([pair[1] for pair in pairs])
        print(f"| {kind} | {len(pairs)} | {' | '.join(keyword)} | {' | '.join(meaning)} |")
    print()
    print(f"| burst: {result['files']} files in {result['folders']} folders | |")
    print("| --- | ---: |")
    print(f"| written in | {seconds(result['written'])} |")  # type: ignore[arg-type]
    print(f"| all in keyword results | {seconds(result['keyword'])} |")  # type: ignore[arg-type]
    print(f"| all in semantic results | {seconds(result['semantic'])} |")  # type: ignore[arg-type]
    print(f"| watch runs until then | {result['runs']} (+{result['runs_after']} after) |")
    print()
    for line in result["lines"]:  # type: ignore[attr-defined]
        print(f"    {line.split('search.watching: ')[-1]}")


def child_database_url(database_url: str | None) -> str:
    """Return the URL of the throwaway database this process made, for the watch process."""
    from django.db import connection

    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{name}"
    return urlsplit(database_url)._replace(path=f"/{name}").geturl()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=100)
    parser.add_argument("--burst", type=int, default=10_000)
    parser.add_argument("--base-files", type=int, default=300, help="files there before")
    parser.add_argument("--fake-encoder", action="store_true", help="not the real model")
    parser.add_argument("--database-url", help="default: SQLite in a temp dir")
    args = parser.parse_args()
    tree = Path(tempfile.mkdtemp(prefix="dizin-watch-"))
    limits = {"SEARCH_MAX_RESULTS": "100000", "INDEX_CHECK_INTERVAL": "0"}
    try:
        add_files(tree, args.base_files, random.Random(11), "base")
        (tree / "live").mkdir()
        with throwaway_django(args.database_url, **limits):
            run(tree, args)
    finally:
        shutil.rmtree(tree, ignore_errors=True)


def run(tree: Path, args: argparse.Namespace) -> None:
    from django.conf import settings
    from django.db import connection

    if args.fake_encoder:
        from search import factory
        from search.engine import HashingEncoder

        factory.use_encoder(HashingEncoder())
    url = child_database_url(args.database_url)
    env = child_env(
        url, settings.INDEX_DIR, model=not args.fake_encoder, LOG_LEVEL="INFO",
        VAR_DIR=str(settings.VAR_DIR),
    )  # fmt: skip
    searcher = Searcher(fake=args.fake_encoder)
    watch = WatchProcess([tree], env, "--skip-checks")
    try:
        started = time.monotonic()
        watch.wait_for("watch: caught up", timeout=600)
        caught_up = time.monotonic() - started
        changes = Changes(tree / "live", searcher, random.Random(12))
        for _ in range(args.changes):
            changes.make()
        result = burst(tree, watch, searcher, args.burst)
    finally:
        status = watch.stop()
    model = "fake encoder" if args.fake_encoder else "the real model"
    header = (
        f"{args.changes} changes one at a time, then a burst; {args.base_files} files before, "
        f"database {connection.vendor}, {model}; first sync and start {caught_up:.1f} s; "
        f"watch exited {status}"
    )
    report(changes, result, header)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2:])
    else:
        main()
