"""One Celery worker against two on the same corpus: embedding passages per second, one run.

    python -m bench.workers [--collection cranfield] [--documents 1400]

Writes a BEIR collection's documents as files, then reindexes them through the tasks API's
service twice from scratch (empty database, vector store and index): once with one worker
(the model using every core), once with two sharing the run (the cores split between them,
so the machine's total is the same). Both workers run on this machine: on one machine a
second worker can only show that the run is shared and what sharing costs; on two machines
each brings its own cores.
"""

import argparse
import json
import os
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from bench.celery_workers import start_worker, stop_worker, wait_until_ready
from bench.django_setup import throwaway_django
from bench.reindex_runs import ROOT, child_env

DATA = ROOT.parent / "shared" / "data"


def write_corpus(collection: str, documents: int, target: Path) -> int:
    """Write up to `documents` of a collection as text files; return how many."""
    count = 0
    with (DATA / collection / "corpus.jsonl").open() as corpus:
        for line in corpus:
            if count == documents:
                break
            document = json.loads(line)
            path = target / f"{count // 500:03}" / f"{document['_id']}.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"{document.get('title', '')}\n{document['text']}\n")
            count += 1
    return count


def reset() -> None:
    """Empty the file index, the vector store and the index folder, for a run from scratch."""
    import shutil

    from django.conf import settings
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(settings.INDEX_DIR, ignore_errors=True)


def timed_run(workers: int, env: dict[str, str], logs: Path) -> dict:
    """Start `workers` workers, reindex through a task, stop them; return the task's state."""
    from search.background import reindex_task_submit
    from search.background_selectors import task_detail

    threads = str(max(1, len(os.sched_getaffinity(0)) // workers))
    processes = []
    for number in range(workers):
        log = logs / f"{workers}-{number}.log"
        processes.append(start_worker(f"bench{number}", {**env, "SEMANTIC_THREADS": threads}, log))
        wait_until_ready(log, seconds=180)
    try:
        time.sleep(1.5)  # let every worker be counted before the run asks who can help
        started = time.monotonic()
        task = reindex_task_submit(roots=[], full=False, user=None)
        while (state := task_detail(task_id=task.id))["status"] in {"queued", "running"}:
            time.sleep(0.5)
        state["wall_seconds"] = time.monotonic() - started
        return state
    finally:
        for process in processes:
            stop_worker(process)


def row(workers: int, state: dict) -> tuple[str, float]:
    build = state["summary"]["build"]
    rate = build["embedded"] / build["elapsed_seconds"]
    cells = [
        workers, state["summary"]["sync"]["seen"], build["passages"], build["embedded"],
        f"{build['elapsed_seconds']:.2f}", f"{rate:.1f}", f"{state['wall_seconds']:.2f}",
    ]  # fmt: skip
    line = "| " + " | ".join(map(str, cells)) + " |"
    return line, rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collection", default="cranfield")
    parser.add_argument("--documents", type=int, default=1400)
    parser.add_argument(
        "--database-url",
        default=f"postgres://postgres@127.0.0.1:5432/dizin_workers_{uuid.uuid4().hex[:8]}",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument(
        "--fake-encoder", action="store_true", help="the fake encoder, for a dry run"
    )
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="dizin-workers-"))
    corpus = scratch / "corpus"
    files = write_corpus(args.collection, args.documents, corpus)
    prefix = f"dizin-bench-workers-{uuid.uuid4().hex[:8]}"
    extra = {"REDIS_URL": args.redis_url, "CACHE_KEY_PREFIX": prefix, "INDEX_ROOTS": str(corpus)}
    with throwaway_django(args.database_url, **extra):
        from django.conf import settings
        from django.db import connection

        database = f"{args.database_url.rsplit('/', 1)[0]}/{connection.settings_dict['NAME']}"
        env = child_env(database, settings.INDEX_DIR, model=not args.fake_encoder, **extra)
        results = []
        for workers in (1, 2):
            reset()
            results.append(row(workers, timed_run(workers, env, scratch)))
    cores = len(os.sched_getaffinity(0))
    print(f"{args.collection}: {files} documents; {cores} cores, split among the workers")
    print("| workers | files | passages | embedded | build s | embedded/s | task wall s |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for line, _ in results:
        print(line)
    print(f"\ntwo workers / one, embedded/s: {results[1][1] / results[0][1]:.2f}x")
    subprocess.run(["rm", "-rf", str(scratch)], check=False)


if __name__ == "__main__":
    main()
