"""Read a test collection in the BEIR layout, and write its documents as text files."""

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path

from search.engine.config import engine_default
from search.engine.passages import split_passages

# Characters a document id may keep in its file name; others become "_".
_UNSAFE = re.compile(r"[^\w.-]")


@dataclass(frozen=True, slots=True)
class Collection:
    """Documents (title, then text), judged queries and their graded judgments."""

    name: str
    documents: dict[str, str]
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]


def document_text(title: str, text: str) -> str:
    """Join a document's title and text the way both Dizin and the baselines see it."""
    return f"{title}\n{text}\n" if title else f"{text}\n"


def passage_spans(text: str) -> list[tuple[int, int]]:
    """Split a text into passages as the index splits a file's text, with its default settings.

    The index keeps one passage fewer for a file that also has a name passage.
    """
    return split_passages(
        text,
        words=engine_default("passage_words"),
        overlap=engine_default("passage_overlap"),
        max_passages=engine_default("max_passages_per_file"),
    )


def load_collection(directory: Path, *, max_queries: int | None = None) -> Collection:
    """Load corpus.jsonl, queries.jsonl and qrels.tsv; keep only the judged queries."""
    documents = {
        str(row["_id"]): document_text(row.get("title") or "", row.get("text") or "")
        for row in _json_lines(directory / "corpus.jsonl")
    }
    qrels = _read_qrels(_qrels_path(directory))
    queries = {
        str(row["_id"]): row["text"]
        for row in _json_lines(directory / "queries.jsonl")
        if str(row["_id"]) in qrels
    }
    if max_queries is not None:
        queries = dict(list(queries.items())[:max_queries])
    qrels = {qid: judged for qid, judged in qrels.items() if qid in queries}
    return Collection(directory.resolve().name, documents, queries, qrels)


def write_documents(collection: Collection, root: Path) -> dict[str, str]:
    """Write one text file per document under `root`; return each file name's document id."""
    root.mkdir(parents=True, exist_ok=True)
    names: dict[str, str] = {}
    for doc_id, text in collection.documents.items():
        stem = _UNSAFE.sub("_", doc_id)[:200] or "_"
        name = f"{stem}.txt"
        if name in names:  # two ids that differ only in unsafe characters
            name = f"{stem}-{len(names)}.txt"
        names[name] = doc_id
        (root / name).write_text(text, encoding="utf-8")
    return names


def _qrels_path(directory: Path) -> Path:
    """Find the judgments: qrels.tsv, or BEIR's own qrels/test.tsv."""
    for candidate in (directory / "qrels.tsv", directory / "qrels" / "test.tsv"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"no qrels.tsv (or qrels/test.tsv) in {directory}")


def _read_qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    with path.open(newline="", encoding="utf-8") as stream:
        for row in csv.DictReader(stream, delimiter="\t"):
            qrels.setdefault(row["query-id"], {})[row["corpus-id"]] = int(row["score"])
    return qrels


def _json_lines(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as stream:
        return [json.loads(line) for line in stream if line.strip()]
