"""Serving workers' memory: `manage.py serve` with one worker, then two, on about 100,000 passages.

    python -m bench.worker_memory [--passages 100000] [--searches 40] [--hnsw] [--model]

Writes the five dev collections as text files (again, under other folders, until they make
about `--passages` passages), indexes them into a throwaway SQLite database and index folder
(flat, or HNSW with `--hnsw`), and exports the ONNX query encoder there. Without `--model` the
passages are embedded by a stand-in, hashed bags of words as 384-dim float32 unit vectors under
the real model's id (the model takes an hour for 100,000 passages on these CPUs): the served
FAISS index has the real index's shape and size, and queries encode on the real ONNX graph.
Then it starts `manage.py serve --workers 1`, then `--workers 2`, sends each worker about
`--searches` uncached searches, semantic and keyword in turn, and prints each worker's VmRSS
and PSS (from /proc/<pid>/smaps_rollup: a page that two processes map counts half in each, so
PSS adds up across processes and RSS does not), their totals, the supervisor's (not in the
totals), and two workers' total over one worker's. Below that: which index and model files a
worker maps, and the mappings that hold most of its private memory (from smaps).
"""

import argparse
import json
import secrets
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.live import ROOT, bench_env, demo_token, manage, start_server, write_corpus
from bench.soak import memory_mib, worker_pids

DATA = ROOT.parent / "shared/data"
COLLECTIONS = ["cranfield", "med", "cacm", "lisa", "npl"]
# smaps_rollup fields shown, in kB there.
FIELDS = {"PSS": "Pss", "private": ("Private_Clean", "Private_Dirty"), "PSS files": "Pss_File"}
# A worker is loaded once it stops using CPU for this long.
IDLE_SECONDS = 1.5


@dataclass(frozen=True)
class Part:
    """`documents` documents of one collection, written under a folder of their own."""

    collection: str
    copy: int
    documents: int


def plan(passages: int) -> list[Part]:
    """Choose the collections' copies that make about `passages` passages."""
    from bench.quality.collection import document_text, passage_spans

    parts, total, copy = [], 0, 0
    while total < passages:
        for name in COLLECTIONS:
            documents = 0
            with (DATA / name / "corpus.jsonl").open() as lines:
                for line in lines:
                    if total >= passages:
                        break
                    doc = json.loads(line)
                    # One passage for the file's name, then its text's.
                    total += 1 + len(passage_spans(document_text(doc["title"], doc["text"])))
                    documents += 1
            if documents:
                parts.append(Part(name, copy, documents))
        copy += 1
    return parts


def write_files(parts: list[Part], target: Path) -> list[str]:
    """Write the planned documents as text files; return every collection's queries."""
    queries: list[str] = []
    for part in parts:
        found = write_corpus(
            DATA / part.collection, target / f"{part.collection}-{part.copy}", part.documents
        )
        queries += found if part.copy == 0 else []
    return queries


def build(folder: str, *, model: bool) -> None:
    """Index `folder` (run inside Django, by `manage.py shell`), then export the query graph."""
    from django.core.management import call_command

    from search import factory
    from search.engine import HashingEncoder

    real = factory.get_encoder()
    if not model:
        stand_in = HashingEncoder(real.dimension)
        stand_in.model_id = real.model_id  # the served index must pass the model check
        factory.use_encoder(stand_in)
    call_command("reindex", folder, verbosity=0)
    factory.use_encoder(None)
    factory.prepare_query_encoder()  # exports the graph, as a reindex with the model does


def spawned_workers(server_pid: int) -> list[int]:
    """`manage.py serve`'s workers: its spawned children, not multiprocessing's tracker."""
    return [
        pid
        for pid in worker_pids(server_pid)
        if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime, stime in USER_HZ


def wait_until_idle(pids: list[int], timeout: float = 300) -> None:
    """Wait until no process in `pids` uses CPU for IDLE_SECONDS: each has loaded."""
    deadline = time.monotonic() + timeout
    last = [cpu_seconds(pid) for pid in pids]
    while time.monotonic() < deadline:
        time.sleep(IDLE_SECONDS)
        now = [cpu_seconds(pid) for pid in pids]
        if all(b - a < 0.02 for a, b in zip(last, now, strict=True)):
            return
        last = now
    raise SystemExit(f"workers {pids} still busy after {timeout:g} s")


def warm(base: str, token: str, queries: list[str], requests: int) -> Counter:
    """Send uncached searches, semantic and keyword in turn, each on a new connection."""
    # A new connection each time: SO_REUSEPORT hashes connections, not requests, to workers.
    limits = httpx.Limits(max_keepalive_connections=0)
    headers = {"Authorization": f"Token {token}"}
    statuses: Counter = Counter()
    salt = secrets.token_hex(3)
    with httpx.Client(base_url=base, headers=headers, limits=limits, timeout=60) as http:
        for n in range(requests):
            params = {"q": f"{queries[n % len(queries)]} {salt}{n}"}
            params["mode"] = "semantic" if n % 2 == 0 else "keyword"
            statuses[http.get("/api/search/", params=params).status_code] += 1
    return statuses


def rollup(pid: int) -> dict[str, float]:
    """VmRSS, PSS, private and file-backed PSS of a process, in MiB."""
    kb: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split()[:2]
        kb[name.rstrip(":")] = int(value)
    figures = {"VmRSS": memory_mib([pid])}
    for label, names in FIELDS.items():
        names = (names,) if isinstance(names, str) else names
        figures[label] = sum(kb[name] for name in names) / 1024
    return figures


def largest_mappings(pid: int, count: int) -> list[tuple[str, float, float, float]]:
    """The mappings holding most private memory, by name: private, of it dirty, and PSS MiB."""
    private: Counter = Counter()
    dirty: Counter = Counter()
    pss: Counter = Counter()
    name = ""
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        head = line.split()
        if not head[0].endswith(":"):  # a mapping's first line: address, ..., path
            name = " ".join(head[5:]) or "[anonymous]"
        elif head[0] in ("Private_Clean:", "Private_Dirty:"):
            private[name] += int(head[1])
            dirty[name] += int(head[1]) if head[0] == "Private_Dirty:" else 0
        elif head[0] == "Pss:":
            pss[name] += int(head[1])
    return [(n, kb / 1024, dirty[n] / 1024, pss[n] / 1024) for n, kb in private.most_common(count)]


@dataclass
class Served:
    """What one server's workers held once warmed up."""

    workers: int
    memory: list[dict[str, float]]
    warm_cpu: list[float]
    statuses: Counter
    mappings: list[tuple[str, float, float, float]]
    supervisor: dict[str, float]
    shared: list[str]


def serve_and_measure(
    env: dict[str, str], workers: int, token: str, queries: list[str], args: argparse.Namespace
) -> Served:
    """Start `manage.py serve --workers N`, warm every worker, and read their memory."""
    server, base = start_server(env, workers, reuse_port=True)
    try:
        pids = spawned_workers(server.pid)
        assert len(pids) == workers, f"expected {workers} workers, found {pids}"
        wait_until_idle(pids)
        before = [cpu_seconds(pid) for pid in pids]
        statuses = warm(base, token, queries, args.searches * workers)
        warm_cpu = [cpu_seconds(pid) - b for pid, b in zip(pids, before, strict=True)]
        wait_until_idle(pids)
        memory = [rollup(pid) for pid in pids]
        mappings = largest_mappings(pids[0], args.mappings)
        supervisor = rollup(server.pid)
        shared = mapped_model_and_vectors(pids[0])
    finally:
        server.terminate()
        server.wait(timeout=30)
    return Served(workers, memory, warm_cpu, statuses, mappings, supervisor, shared)


def mapped_model_and_vectors(pid: int) -> list[str]:
    """The FAISS index and ONNX files the worker maps, each with the mapping's permissions."""
    found = set()
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        fields = line.split()
        name = fields[-1] if len(fields) > 5 else ""
        if name.endswith((".faiss", ".onnx", ".onnx.data")):
            found.add(f"{Path(name).name} ({fields[1]})")
    return sorted(found)


def report(one: Served, two: Served) -> None:
    labels = ["VmRSS", *FIELDS]
    print(
        f"\n| server | process | {' | '.join(f'{label} MiB' for label in labels)} | warm-up CPU s |"
    )
    print("| --- | --- |" + " --- |" * (len(labels) + 1))
    totals = {}
    for served in (one, two):
        name = f"serve --workers {served.workers}"
        for n, (memory, cpu) in enumerate(zip(served.memory, served.warm_cpu, strict=True)):
            cells = " | ".join(f"{memory[label]:.1f}" for label in labels)
            print(f"| {name} | worker {n + 1} | {cells} | {cpu:.2f} |")
        totals[served.workers] = {label: sum(m[label] for m in served.memory) for label in labels}
        if served.workers > 1:
            cells = " | ".join(f"{totals[served.workers][label]:.1f}" for label in labels)
            print(f"| {name} | total | {cells} | |")
        cells = " | ".join(f"{served.supervisor[label]:.1f}" for label in labels)
        print(f"| {name} | supervisor (not in totals) | {cells} | |")
    ratios = " | ".join(f"{totals[2][label] / totals[1][label]:.2f}x" for label in labels)
    print(f"| 2 workers / 1 | total | {ratios} | |")
    print(f"\nstatuses: 1 worker {dict(one.statuses)}, 2 workers {dict(two.statuses)}")
    print(f"files mapped by worker 1 of 2: {', '.join(two.shared) or 'none'}")
    print("\nlargest private mappings, worker 1 of 2 (MiB: private, of it dirty, PSS):")
    for name, private, dirty, pss in two.mappings:
        print(f"  {private:8.1f} {dirty:8.1f} {pss:8.1f}  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=40, help="per worker")
    parser.add_argument("--model", action="store_true", help="embed passages with the model")
    parser.add_argument("--mappings", type=int, default=12, help="largest mappings shown")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--hnsw", action="store_true", help="build an HNSW index, not a flat one")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="dizin-memory-"))
    threshold = {"SEMANTIC_HNSW_THRESHOLD": "0"} if args.hnsw else {}
    env = bench_env(scratch, REDIS_URL=args.redis_url, **threshold)
    try:
        parts = plan(args.passages)
        queries = write_files(parts, scratch / "corpus")
        (scratch / "static").mkdir()  # STATIC_ROOT: whitenoise warns in every worker without it
        manage(env, "migrate", "-v", "0")
        started = time.perf_counter()
        corpus = str(scratch / "corpus")
        code = f"from bench.worker_memory import build; build({corpus!r}, model={args.model})"
        manage(env, "shell", "-c", code)
        manifest = index_manifest(scratch / "index")
        encoder = "the model" if args.model else "a hashing stand-in (384-d float32 unit vectors)"
        print(
            f"indexed {manifest['files']} files, {manifest['passages']} passages "
            f"({manifest['index_type']} FAISS index, {manifest['vectors']} vectors of "
            f"{manifest['dimension']} floats) in {time.perf_counter() - started:.1f} s; passages "
            f"embedded by {encoder}, queries by the ONNX graph"
        )
        token = demo_token(env, scratch / "corpus")
        one = serve_and_measure(env, 1, token, queries, args)
        two = serve_and_measure(env, 2, token, queries, args)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    report(one, two)
    if set(one.statuses) | set(two.statuses) != {200}:
        raise SystemExit("FAIL: a search did not answer 200")


def index_manifest(index_dir: Path) -> dict:
    """The served generation's manifest."""
    from search.engine import generation_dir, read_current

    generation = read_current(index_dir)
    if generation is None:
        raise SystemExit("the reindex built no index")
    return json.loads((generation_dir(index_dir, generation) / "manifest.json").read_text())


if __name__ == "__main__":
    main()
