"""Random rules over a tree of awkward folder names, random queries and filters: a search within
a scope finds exactly what the same search finds everywhere, narrowed to the scope."""

import random
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.access import AccessScope, is_within, outermost
from search.engine import Document, EngineConfig, HashingEncoder, SearchIndex
from search.freshness import Lag
from search.request import Mode, Ordering, SearchFilters, SearchRequest
from search.selectors import SearchContext, SearchPage, search_page

# Siblings that sort right around "/t/a" and "/t/a/": " " and "-" come before "/", "b" after.
FOLDERS = ["/t", "/t/a", "/t/a/b", "/t/a b", "/t/a-b", "/t/ab", "/t/ab/c", "/t/ç", "/t/ç/d", "/u"]
ELSEWHERE = ["/", "/t/a/b/zz", "/v", "/t/"]
VOCABULARY = ["budget", "plan", "rapor", "toplantı", "memo", "pension", "roadmap", "ısı"]


def _documents() -> list[Document]:
    chance = random.Random(17)
    documents = []
    for folder in FOLDERS:
        for n in range(3):
            text = " ".join(chance.choices(VOCABULARY, k=chance.randint(1, 6)))
            path = f"{folder}/f{n}.txt"
            size = chance.randint(10, 1000)
            documents.append(Document(len(documents) + 1, path, "text/plain", size, n, path, text))
    return documents


DOCUMENTS = _documents()
WORDS_OF = {d.path: {*(d.text or "").split(), *re.findall(r"\w+", d.path)} for d in DOCUMENTS}


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> SearchIndex:
    workdir: Path = tmp_path_factory.mktemp("scope-index")
    config = EngineConfig(index_dir=workdir / "index", model_path="unused", check_interval=0.0)
    return SearchIndex.build(
        DOCUMENTS, encoder=HashingEncoder(), config=config, previous=None, workdir=workdir
    )


def search(index: SearchIndex, scope: AccessScope, request: SearchRequest) -> SearchPage:
    return search_page(context=SearchContext(index, Lag(frozenset(), 0), scope, 0), request=request)


requests = st.builds(
    lambda query, mode, path, max_size: SearchRequest(
        query=query,
        mode=mode if query else Mode.KEYWORD,
        filters=SearchFilters(path=path, max_size=max_size),
        ordering=Ordering.RELEVANCE if query else Ordering.LAST_MODIFIED_DESC,
        page_size=100,
    ),
    query=st.sampled_from(["", *VOCABULARY, "budget plan", "toplanti"]),
    mode=st.sampled_from(list(Mode)),
    path=st.none() | st.sampled_from(FOLDERS),
    max_size=st.none() | st.integers(10, 1000),
)


@settings(
    max_examples=300,
    deadline=None,
    # The per-test fixtures (cache prefix, language) need no reset between examples.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(rules=st.lists(st.sampled_from(FOLDERS + ELSEWHERE), max_size=4), request=requests)
def test_a_scoped_search_is_the_whole_search_narrowed_to_the_scope(index, rules, request):
    scope = AccessScope(outermost({rule.rstrip("/") or "/" for rule in rules}))

    within = search(index, scope, request)
    everywhere = search(index, AccessScope(None), request)

    def allowed(path: str) -> bool:
        return any(is_within(path, rule.rstrip("/") or "/") for rule in rules)

    expected = [r.file_path for r in everywhere.results if allowed(r.file_path)]
    found = [r.file_path for r in within.results]
    assert all(allowed(path) for path in found)
    assert within.total_results == len(found) == len(expected)
    if request.mode == Mode.HYBRID:  # fused ranks are ranks among the files searched
        assert sorted(found) == sorted(expected)
    else:
        assert found == expected
    for result in within.results:
        snippet = re.sub(r"</?mark>|…", " ", result.snippet)
        assert set(snippet.split()) <= WORDS_OF[result.file_path], result
