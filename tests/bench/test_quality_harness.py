import json

import pytest

from bench.quality.collection import load_collection, write_documents
from bench.quality.report import format_table, write_json
from bench.quality.runner import evaluate

DOCUMENTS = {
    "volcano": ("Volcanoes", "Lava from erupting volcanoes cools into basalt rock."),
    "glacier": ("Glaciers", "Glaciers carve valleys as the ice slowly moves downhill."),
    "bees": ("Honey bees", "Worker bees collect nectar and pollen to make honey."),
    "chess": ("Chess openings", "The Sicilian defence answers the king's pawn opening."),
    "bread": ("Sourdough", "A sourdough starter leavens bread with wild yeast."),
    "tides": ("Tides", "The moon's gravity raises the ocean tides twice a day."),
    "violin": ("Violins", "A violin bow of horsehair makes the strings vibrate."),
    "coral": ("Coral reefs", "Coral reefs bleach when the ocean water grows too warm."),
    "rust": ("Rust", "Iron rusts when oxygen and water oxidise its surface."),
    "comet": ("Comets", "A comet's icy nucleus grows a tail near the sun."),
    "maple": ("Maple syrup", "Maple sap is boiled down into a syrup as sweet as honey."),
    "tango": ("Tango", "Tango is a dance born in Buenos Aires."),
}
QUERIES = {
    "1": ("basalt lava", {"volcano": 2}),
    "2": ("honey nectar", {"bees": 2, "maple": 1}),
    "3": ("ocean tides moon", {"tides": 2, "coral": 1}),
    "4": ("sourdough yeast", {"bread": 1}),
}


def write_collection(directory):
    directory.mkdir()
    with (directory / "corpus.jsonl").open("w") as corpus:
        for doc_id, (title, text) in DOCUMENTS.items():
            corpus.write(json.dumps({"_id": doc_id, "title": title, "text": text}) + "\n")
    with (directory / "queries.jsonl").open("w") as queries:
        for query_id, (text, _) in QUERIES.items():
            queries.write(json.dumps({"_id": query_id, "text": text}) + "\n")
        queries.write(json.dumps({"_id": "unjudged", "text": "tango"}) + "\n")
    lines = ["query-id\tcorpus-id\tscore"]
    lines += [f"{q}\t{d}\t{g}" for q, (_, judged) in QUERIES.items() for d, g in judged.items()]
    (directory / "qrels.tsv").write_text("\n".join(lines) + "\n")
    return directory


def test_collection_keeps_judged_queries_and_titles(tmp_path):
    collection = load_collection(write_collection(tmp_path / "tiny"))
    assert collection.name == "tiny"
    assert list(collection.queries) == ["1", "2", "3", "4"]
    assert collection.qrels["2"] == {"bees": 2, "maple": 1}
    assert collection.documents["tango"] == "Tango\nTango is a dance born in Buenos Aires.\n"
    names = write_documents(collection, tmp_path / "files")
    assert names["bees.txt"] == "bees"
    assert (tmp_path / "files" / "bees.txt").read_text().startswith("Honey bees\n")


def test_odd_document_ids_make_distinct_file_names(tmp_path):
    collection = load_collection(write_collection(tmp_path / "tiny"))
    odd = type(collection)("odd", {"a/b": "x\n", "a:b": "y\n", "": "z\n"}, {}, {})
    names = write_documents(odd, tmp_path / "files")
    assert sorted(names.values()) == ["", "a/b", "a:b"]
    assert len({p.name for p in (tmp_path / "files").iterdir()}) == 3


@pytest.mark.django_db
@pytest.mark.model  # txtai loads the packaged model itself
def test_harness_end_to_end(tmp_path, settings):
    # A dozen one-line documents tell the relevance floor nothing: every system lists them all.
    settings.SEARCH_SEMANTIC_MIN_SIMILARITY = settings.SEARCH_SEMANTIC_FLOOR = 0
    collection = load_collection(write_collection(tmp_path / "tiny"))
    rows = evaluate(collection, tmp_path / "scratch", progress=False)
    assert [row.system for row in rows] == [
        "BM25 baseline",
        "dense baseline",
        "txtai hybrid",
        "Dizin keyword",
        "Dizin semantic",
        "Dizin hybrid",
    ]
    by_system = {row.system: row for row in rows}
    # Every query's words pick out its best answer, so every system ranks it first.
    for row in rows:
        assert row.metrics["mrr@10"] == pytest.approx(1.0), row
        assert row.metrics["recall@100"] == pytest.approx(1.0), row
        assert row.mean_query_ms > 0
    assert by_system["Dizin keyword"].index_seconds > 0
    assert by_system["Dizin hybrid"].index_seconds == by_system["Dizin keyword"].index_seconds
    table = format_table(rows)
    assert table.splitlines()[2].startswith("| BM25 baseline | 1.0000 |")
    output = tmp_path / "results" / "quality-tiny.json"
    write_json(output, collection, rows, {"total_seconds": 1.0})
    written = json.loads(output.read_text())
    assert (written["documents"], written["queries"]) == (12, 4)
    assert written["rows"][5]["system"] == "Dizin hybrid"
