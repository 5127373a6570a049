"""Typo tolerance: do short queries with one typo still find their document?

    python -m bench.typos [--per-collection 100] [--seed 0]

Indexes each language's documents in one reindex, then asks the API (keyword mode) for 2 or 3
of a sampled document's most distinctive words, with and without one typo: an edit that
leaves a word of 5+ letters (shorter ones are not corrected) spelling nothing in the corpus.
"""

import argparse
import functools
import io
import itertools
import json
import math
import random
import secrets
import shutil
import sys
import tempfile
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.test import override_settings
from django.test.utils import setup_test_environment

from bench.django_setup import throwaway_django
from bench.quality.collection import Collection, load_collection, write_documents
from core import analysis
from core.analysis import LANGUAGES, TURKISH, Language, term_candidates, words_of
from core.text import fold
from search.engine.builder import LANGUAGE_SAMPLE_CHARS
from search.engine.encoder import HashingEncoder

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "typos.json"
DATA = ROOT.parent / "shared" / "data"
ENGLISH = ("cranfield", "med", "cacm", "lisa", "npl")
TURKISH_MEANING = ROOT / "bench" / "data" / "turkish-meaning"
DEMO = ROOT / "indexer" / "demo"
ALPHABETS = {"english": "abcdefghijklmnopqrstuvwxyz", "turkish": "abcçdefgğhıijklmnoöprsştuüvyz"}
MIN_LETTERS = 5  # the engine corrects words of this many letters and more
TOP = 3
Query = dict[str, Any]


def corpora() -> dict[str, list[Collection]]:
    """Return each language's collections (documents only)."""
    english = [load_collection(DATA / name) for name in ENGLISH]
    turkish = [load_collection(TURKISH_MEANING)] if TURKISH_MEANING.exists() else []
    files = [path for path in DEMO.rglob("*") if path.suffix in {".txt", ".md"}]
    texts = {str(path.relative_to(DEMO)): path.read_text(encoding="utf-8") for path in files}
    demo = {k: t for k, t in texts.items() if analysis.detect_language(words_of(t)) == TURKISH}
    turkish += [Collection("indexer-demo", demo, {}, {})] if demo else []
    return {"english": english, "turkish": turkish}


@functools.lru_cache(maxsize=2**20)
def term_of(word: str, language: Language) -> str | None:
    """Return the term a word is indexed under in `language`, None for a stopword."""
    terms = analysis.index_terms([word], language)
    return terms[0] if terms else None


class Statistics:
    """A language's documents as the index sees them: terms, frequencies, spellings."""

    def __init__(self, collections: list[Collection]) -> None:
        self.words: set[str] = {c.name for c in collections}  # folded; folders are indexed
        self.terms: set[str] = set()
        self.document_frequency: Counter[str] = Counter()
        self.spellings: dict[tuple[str, str], Counter[tuple[str, str]]] = {}
        for collection in collections:
            for doc_id, text in collection.documents.items():
                language = analysis.detect_language(words_of(text[:LANGUAGE_SAMPLE_CHARS]))
                lower = analysis.turkish_lower if language == TURKISH else str.lower
                spellings = self.spellings[(collection.name, doc_id)] = Counter()
                words = words_of(f"{doc_id} {text}")
                self.words.update(map(fold, words))
                terms = {word: term for word in words if (term := term_of(word, language))}
                self.terms |= set(terms.values())
                self.document_frequency.update(set(terms.values()))
                spellings.update(
                    (term, lower(word))
                    for word in words
                    if (term := terms.get(word)) and word.isalpha() and len(word) >= MIN_LETTERS
                )

    def distinctive(self, name: str, doc_id: str) -> list[str]:
        """Return a document's words of 5+ letters, one per term, highest tf·idf first."""
        counts: Counter[str] = Counter()
        spelled: dict[str, tuple[int, str]] = {}
        for (term, word), count in sorted(self.spellings[(name, doc_id)].items()):
            counts[term] += count
            spelled[term] = max(spelled.get(term, (0, word)), (count, word))
        documents = len(self.spellings)
        idf = {t: math.log(documents / self.document_frequency[t]) for t in counts}
        return [spelled[t][1] for t in sorted(counts, key=lambda t: (-counts[t] * idf[t], t))]

    def is_known(self, word: str) -> bool:
        """Tell whether a word, or a term it may be searched by, is in the corpus."""
        candidates = term_candidates(word, LANGUAGES)
        return fold(word) in self.words or any(term in self.terms for term in candidates)


def edit(word: str, rng: random.Random, alphabet: str) -> tuple[str, str]:
    """Apply one random edit to `word`; return the edit's name and the new word."""
    kind = rng.choice(("deletion", "insertion", "substitution", "transposition"))
    at, letter = rng.randrange(len(word)), rng.choice(alphabet)
    if kind == "transposition":
        at = min(at, len(word) - 2)
        return kind, word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    tail = word[at:] if kind == "insertion" else word[at + 1 :]
    return kind, word[:at] + ("" if kind == "deletion" else letter) + tail


def make_query(
    name: str, doc_id: str, stats: Statistics, rng: random.Random, language: str
) -> Query | None:
    """Build a 2- or 3-word query for a document and a copy with one typo."""
    words = stats.distinctive(name, doc_id)[: rng.choice((2, 3))]
    for position in rng.sample(range(len(words)), len(words) if len(words) >= 2 else 0):
        for _ in range(200):
            kind, wrong = edit(words[position], rng, ALPHABETS[language])
            unchanged = fold(wrong) == fold(words[position])
            if len(wrong) < MIN_LETTERS or unchanged or stats.is_known(wrong):
                continue
            typo_query = " ".join([*words[:position], wrong, *words[position + 1 :]])
            return {
                "collection": name, "document": doc_id, "query": " ".join(words),
                "typo_query": typo_query, "word": words[position], "typo": wrong, "edit": kind,
            }  # fmt: skip
    return None


def sample_queries(
    collections: list[Collection], stats: Statistics, per: int, seed: int, language: str
) -> list[Query]:
    """Sample up to `per` documents of each collection and make their queries."""
    queries: list[Query] = []
    for c in collections:
        rng = random.Random(f"{seed}:{c.name}")
        ids = rng.sample(sorted(c.documents), len(c.documents))
        made = (make_query(c.name, doc_id, stats, rng, language) for doc_id in ids)
        queries += itertools.islice(filter(None, made), per)
    return queries


def search(client: Any, query: str, errors: list[str]) -> dict[str, Any]:
    """Search in keyword mode for the top 3; on an error note it, wait and retry."""
    for attempt in range(4):
        response = client.get("/api/search/", {"q": query, "mode": "keyword", "page_size": TOP})
        if response.status_code == 200:
            return response.json()
        errors.append(f"{query!r}: {response.status_code} {response.content[:500]!r}")
        print(f"API error (retrying in 2 min): {errors[-1]}", file=sys.stderr)
        time.sleep(120 * (attempt < 3))
    raise RuntimeError(errors[-1])


def note_terms(query: Query) -> None:
    """Note the index terms the typo'd word and its original were searched by."""
    from search.factory import get_index_holder

    # The served index's own analysis: corrected_query may spell the original word over a
    # wrong term (a stem corrected, then given back the suffix the stemmer cut off).
    index = get_index_holder().get()
    for key, text, word in (("term", "query", "word"), ("typo_term", "typo_query", "typo")):
        terms = {w.word: w.term for w in index.keyword_query(query[text]).words}
        query[key] = terms.get(fold(query[word]))
    query["restored"] = query["typo_term"] is not None and query["typo_term"] == query["term"]


def run_queries(queries: list[Query], names: dict[str, dict[str, str]], errors: list[str]) -> None:
    """Search each query with and without its typo; note hits and corrections in place."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from indexer.access import access_grant

    user, _ = get_user_model().objects.get_or_create(username="typos-bench")
    access_grant(path="/", user=user)  # searched as any user is: through an access rule
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0]}")
    # Every query searched afresh, and the index reloaded as soon as a reindex swaps one in.
    with override_settings(
        SEARCH_THROTTLE_RATE="100000000/hour", SEARCH_CACHE_TTL=0, INDEX_CHECK_INTERVAL=0
    ):
        for query in queries:
            files = names[query["collection"]]
            for prefix, text in (("clean_", query["query"]), ("", query["typo_query"])):
                answer = search(client, text, errors)
                found = [files.get(Path(r["file_path"]).name) for r in answer["data"]]
                query[f"{prefix}hit"] = query["document"] in found
                query[f"{prefix}corrected_query"] = answer["metadata"].get("corrected_query")
            note_terms(query)


def summary(language: str, name: str, queries: list[Query]) -> dict[str, Any]:
    """Count one collection's queries, hits and corrections."""
    mine = [q for q in queries if q["collection"] == name]
    clean, wrong = sum(q["clean_hit"] for q in mine), sum(q["hit"] for q in mine)
    return {
        "language": language, "collection": name, "queries": len(mine),
        "top3_clean": round(clean / len(mine), 3) if mine else None,
        "top3_typo": round(wrong / len(mine), 3) if mine else None,
        "ratio": round(wrong / clean, 3) if clean else None,
        "corrected": sum(q["corrected_query"] is not None for q in mine),
        "restored": sum(q["restored"] for q in mine),
        "clean_corrected": sum(q["clean_corrected_query"] is not None for q in mine),
    }  # fmt: skip


def table(rows: list[dict[str, Any]]) -> str:
    """Format the summaries as a Markdown table."""
    lines = [
        "| language | collection | queries | top-3 no typo | top-3 typo | ratio (goal ≥ 0.95) "
        "| typo'd queries corrected | corrected to the original term |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        cells = [r["language"], r["collection"], r["queries"], r["top3_clean"], r["top3_typo"]]
        cells += [r["ratio"], r["corrected"], r["restored"]]
        lines.append("| " + " | ".join("-" if c is None else str(c) for c in cells) + " |")
    return "\n".join(lines)


def examples(queries: list[Query], count: int = 4) -> list[str]:
    """Return a few corrections to the original term, then to others, then misses."""
    odd = [q for q in queries if q["corrected_query"] is not None and not q["restored"]]
    lost = [q for q in queries if q["corrected_query"] is None]
    shown = [*[q for q in queries if q["restored"]][:count], *odd[: 2 * count], *lost[:count]]
    return [
        f"- `{q['typo_query']}` → `{q['corrected_query']}` (typed for `{q['query']}`, "
        f"{q['edit']}; term `{q['typo_term']}` for `{q['term']}`; in top 3: {q['hit']})"
        for q in shown
    ]


def run_language(
    language: str, collections: list[Collection], scratch: Path, args: argparse.Namespace
) -> tuple[list[dict[str, Any]], list[Query], float]:
    """Index one language's documents alone, then search its sampled queries."""
    for root in scratch.iterdir():  # an emptied root takes the last language out of the index
        shutil.rmtree(root)
        root.mkdir()
    names = {c.name: write_documents(c, scratch / language / c.name) for c in collections}
    started, problems = time.perf_counter(), io.StringIO()
    roots = [str(root) for root in sorted(scratch.iterdir())]
    call_command("reindex", *roots, verbosity=0, stdout=io.StringIO(), stderr=problems)
    seconds = time.perf_counter() - started
    print(problems.getvalue(), end="", file=sys.stderr)  # a file left out would lower every row
    stats = Statistics(collections)
    queries = sample_queries(collections, stats, args.per_collection, args.seed, language)
    run_queries(queries, names, args.errors)
    return [summary(language, c.name, queries) for c in collections], queries, seconds


def main() -> None:
    """Run the bench for each language; print the table and examples, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-collection", type=int, default=100, metavar="N")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    args.errors = []
    scratch = Path(tempfile.mkdtemp(prefix="dizin-typos-"))
    try:
        with throwaway_django(None, CACHE_KEY_PREFIX=f"dizin-typos-{secrets.token_hex(4)}"):
            from search import factory

            setup_test_environment()  # lets the API test client's host in
            warnings.filterwarnings("ignore", message="No directory at")
            # `reindex --no-semantic` builds no index at all, so keyword search would have none
            # to serve: a full build with the hashing stand-in for the model is as fast.
            factory.use_encoder(HashingEncoder())
            runs = {lang: run_language(lang, cs, scratch, args) for lang, cs in corpora().items()}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    rows = [row for run in runs.values() for row in run[0]]
    print(table(rows))
    for language, (_, queries, seconds) in runs.items():
        print(f"\n{language} (indexed in {seconds:.0f} s): typo'd query → corrected_query")
        print("\n".join(examples(queries)))
    output = {
        "per_collection": args.per_collection, "seed": args.seed, "summary": rows,
        "index_seconds": {language: round(run[2], 1) for language, run in runs.items()},
        "errors": args.errors, "queries": [query for run in runs.values() for query in run[1]],
    }  # fmt: skip
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(output, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"\nwritten to {RESULTS}")


if __name__ == "__main__":
    main()
