import io

import pytest
from django.core.management import call_command

from search import sources
from tests.search.conftest import reindex

pytestmark = pytest.mark.django_db


def build_summary(*args: str) -> str:
    out = io.StringIO()
    call_command("reindex", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue().splitlines()[-1]


def test_no_change_reindex_embeds_nothing_and_keeps_the_generation(corpus, encoder, search):
    before = encoder.encoded_count

    assert build_summary(str(corpus)) == "search index  up to date"
    assert encoder.encoded_count == before
    assert search(q="printer").json()["metadata"]["index_generation"] == 1


def test_changed_file_is_the_only_one_embedded_again(corpus, encoder):
    (corpus / "src" / "billing.py").write_text("def refund(order):\n    return -order\n")
    before = encoder.encoded_count

    summary = build_summary(str(corpus))

    assert summary.startswith("search index  generation 2: 6 files, ")
    assert " passages (1 embedded) in " in summary
    assert encoder.encoded_count - before == 1


def test_copied_file_reuses_the_vectors_of_its_content(corpus, encoder):
    copy = corpus / "elsewhere" / "password_reset.md"
    copy.parent.mkdir()
    copy.write_bytes((corpus / "docs" / "password_reset.md").read_bytes())
    before = encoder.encoded_count

    build_summary(str(corpus))

    # Only the copy's name passage ("elsewhere password reset md") is new.
    assert encoder.encoded_count - before == 1


def test_semantic_only_rebuilds_from_stored_text_without_crawling(corpus, encoder):
    (corpus / "docs" / "new.txt").write_text("not crawled")

    summary = build_summary("--semantic-only")

    assert summary.startswith("search index  generation 2: 6 files, ")


def test_a_build_that_dies_leaves_the_old_index_serving(corpus, search, monkeypatch):
    real_documents = sources.index_documents

    def dying_documents():
        for number, document in enumerate(real_documents()):
            if number == 3:
                raise KeyboardInterrupt
            yield document

    monkeypatch.setattr("search.services.index_documents", dying_documents)
    (corpus / "docs" / "new.txt").write_text("printer manual")
    with pytest.raises(SystemExit) as stopped:
        reindex(str(corpus))

    assert stopped.value.code == 130
    body = search(q="printer", mode="keyword").json()
    assert body["metadata"]["index_generation"] == 1
    assert body["success"] is True


def test_filters_never_return_fewer_semantic_results_than_match(corpus, search, settings):
    settings.SEARCH_SEMANTIC_MIN_SIMILARITY = settings.SEARCH_SEMANTIC_FLOOR = 0  # keep them all
    body = search(q="anything at all", mode="semantic", path=f"{corpus}/src").json()

    assert body["metadata"]["total_results"] == 2
