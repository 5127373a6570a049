import pytest
from rest_framework.test import APIClient

from indexer.models import FileIndex
from tests.search.conftest import reindex, write_corpus

pytestmark = [pytest.mark.django_db, pytest.mark.redis]


def paths(response) -> list[str]:
    return paths_of(response.json())


def test_keyword_search_returns_the_whole_envelope(search, corpus):
    response = search(q="forgotten password", mode="keyword")

    body = response.json()
    assert response.status_code == 200
    assert body["success"] is True
    assert body["message"] == "Search completed"
    [result] = body["data"]
    row = FileIndex.objects.get(file_path=f"{corpus}/docs/password_reset.md")
    assert result == {
        "id": row.id,
        "file_path": row.file_path,
        "content_type": "text/markdown",
        "file_size": 49,
        "last_modified": "2025-01-10T12:00:00+00:00",
        "score": result["score"],
        "snippet": "Reset a <mark>forgotten</mark> <mark>password</mark> from the sign-in page.",
        "match": "keyword",
        "location": {"page": None, "member": None},
        "extraction": {"status": "ok", "extractor": "text/1", "detail": ""},
        "duplicates": [],
        "explain": None,
    }
    assert result["score"] > 0
    metadata = body["metadata"]
    assert metadata == metadata | {
        "total_results": 1,
        "page": 1,
        "page_size": 20,
        "pages": 1,
        "next": None,
        "previous": None,
        "cached": False,
        "mode": "keyword",
        "index_generation": 1,
        "semantic": "ok",
        "corrected_query": None,
    }
    assert metadata["search_time_ms"] >= 0


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("turkce", ["docs/türkçe_notlar.txt"]),
        ("ISTANBUL", ["docs/türkçe_notlar.txt"]),
        ("istanbul", ["docs/türkçe_notlar.txt"]),
        ("isi", ["docs/türkçe_notlar.txt"]),
        ("ısı", ["docs/türkçe_notlar.txt"]),
        ("olcumleri", ["docs/türkçe_notlar.txt"]),
    ],
)
def test_keyword_search_folds_turkish_and_accents(search, corpus, query, expected):
    assert paths(search(q=query, mode="keyword")) == expected


def test_camel_case_file_names_match_their_words(search, corpus):
    assert paths(search(q="http response", mode="keyword")) == ["src/parseHttpResponse.py"]


def test_semantic_mode_finds_only_files_that_resemble_the_query(search, corpus):
    body = search(q="printer network", mode="semantic").json()

    assert paths_of(body) == ["docs/network/printer.md"]
    assert body["data"][0]["match"] == "semantic"
    assert body["metadata"]["total_results"] == 1


def paths_of(body: dict) -> list[str]:
    return [result["file_path"].split("/corpus/")[1] for result in body["data"]]


def test_hybrid_mode_marks_files_found_both_ways(search, corpus):
    body = search(q="printer network").json()

    top = body["data"][0]
    assert (paths_of(body)[0], top["match"], body["metadata"]["mode"]) == (
        "docs/network/printer.md",
        "both",
        "hybrid",
    )


@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
def test_filters_apply_in_every_mode(search, corpus, mode):
    response = search(q="network printer password", mode=mode, path=f"{corpus}/docs", type="text")

    assert set(paths(response)) <= {
        "docs/password_reset.md",
        "docs/network/printer.md",
        "docs/türkçe_notlar.txt",
    }
    assert "docs/network/printer.md" in paths(response)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"type": "text/x-python"}, ["src/billing.py", "src/parseHttpResponse.py"]),
        (
            {"date_from": "2025-07-01", "date_to": "2025-09-15"},
            ["src/billing.py", "src/parseHttpResponse.py"],
        ),
        ({"date_to": "2025-01-10T12:00:00Z"}, ["docs/password_reset.md"]),
        ({"min_size": 49, "max_size": 49}, ["docs/password_reset.md"]),
        ({"path": "/nowhere"}, []),
    ],
)
def test_filters_without_a_query_list_matching_files(search, corpus, params, expected):
    response = search(ordering="file_path", **params)

    assert paths(response) == expected
    assert {result["score"] for result in response.json()["data"]} <= {None}


def test_path_filter_is_a_directory_not_a_string_prefix(search, corpus, tmp_path):
    write_corpus(tmp_path / "corpus", {"docsextra/x.txt": ("network", "2025-01-01")})
    reindex(str(corpus))

    assert paths(search(q="network", mode="keyword", path=f"{corpus}/docs")) == [
        "docs/network/printer.md"
    ]


@pytest.mark.parametrize(
    ("ordering", "first"),
    [
        ("-last_modified", "reports/quarterly_sales.csv"),
        ("last_modified", "docs/password_reset.md"),
        ("file_size", "reports/quarterly_sales.csv"),
        ("-file_size", "docs/türkçe_notlar.txt"),
        ("file_path", "docs/network/printer.md"),
    ],
)
def test_orderings(search, corpus, ordering, first):
    assert paths(search(ordering=ordering))[0] == first


def test_pages_agree_with_the_total(search, corpus):
    first = search(ordering="file_path", page_size=4).json()
    second = search(ordering="file_path", page_size=4, page=2).json()

    assert first["metadata"]["total_results"] == second["metadata"]["total_results"] == 6
    assert (first["metadata"]["pages"], len(first["data"]), len(second["data"])) == (2, 4, 2)
    assert {r["id"] for r in first["data"]}.isdisjoint({r["id"] for r in second["data"]})
    assert first["metadata"]["next"].endswith("page=2")
    assert (first["metadata"]["previous"], second["metadata"]["next"]) == (None, None)
    assert second["metadata"]["previous"].endswith("page=1")


def test_soft_deleted_files_never_appear_in_results(search, corpus):
    FileIndex.objects.get(file_path=f"{corpus}/docs/password_reset.md").soft_delete()

    assert paths(search(q="forgotten password", mode="keyword")) == []
    assert "docs/password_reset.md" not in paths(search(q="password", mode="semantic"))


def test_second_equal_search_is_cached_and_reindex_invalidates_it(search, corpus):
    first = search(q="printer", mode="keyword").json()["metadata"]
    second = search(q="  printer ", mode="keyword").json()["metadata"]
    (corpus / "docs" / "printer2.md").write_text("another printer")
    reindex(str(corpus))
    third = search(q="printer", mode="keyword").json()

    assert (first["cached"], second["cached"], third["metadata"]["cached"]) == (False, True, False)
    assert (third["metadata"]["index_generation"], third["metadata"]["total_results"]) == (2, 2)


def test_search_answers_uncached_when_redis_is_unreachable(search, corpus, settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.1, "SOCKET_TIMEOUT": 0.1},
        }
    }

    responses = [search(q="printer", mode="keyword") for _ in range(3)]

    assert [r.status_code for r in responses] == [200, 200, 200]
    assert [r.json()["metadata"]["cached"] for r in responses] == [False, False, False]
    assert len([r for r in caplog.records if "Cache unavailable" in r.message]) <= 1


def test_turkish_clients_get_turkish_messages(search, corpus):
    assert search(q="printer", headers={"accept-language": "tr"}).json()["message"] == (
        "Arama başarılı"
    )
    assert search(page=0, headers={"accept-language": "tr"}).json()["message"] == ("Geçersiz istek")


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({"mode": "fuzzy"}, {"mode": ['"fuzzy" is not a valid choice.']}),
        ({"q": "x" * 10_001}, {"q": ["Ensure this field has no more than 10000 characters."]}),
        ({"page_size": 101}, {"page_size": ["Ensure this value is less than or equal to 100."]}),
        ({"page": 0}, {"page": ["Ensure this value is greater than or equal to 1."]}),
        ({"min_size": -1}, {"min_size": ["Ensure this value is greater than or equal to 0."]}),
        (
            {"min_size": 5, "max_size": 4},
            {"min_size": ["min_size must not be larger than max_size."]},
        ),
        ({"date_from": "yesterday"}, {"date_from": ["Enter an ISO 8601 date or datetime."]}),
        (
            {"date_from": "2025-02-01", "date_to": "2025-01-01"},
            {"date_from": ["date_from must not be later than date_to."]},
        ),
        ({"min_score": 1.5}, {"min_score": ["Ensure this value is less than or equal to 1.0."]}),
        ({"type": "text/../x"}, {"type": ["Enter a MIME type such as text/x-python, or text."]}),
        ({"path": "docs"}, {"path": ["Enter an absolute path prefix, such as /docs."]}),
        ({"ordering": "size"}, {"ordering": ['"size" is not a valid choice.']}),
        ({"ordering": "relevance"}, {"q": ["A query is required to order by relevance."]}),
        ({"q": "printer", "page": 2}, {"page": ["Page 2 is past the last page, 1."]}),
    ],
)
def test_malformed_parameters_are_field_errors(search, corpus, params, errors):
    response = search(**params)

    assert (response.status_code, response.json()) == (
        400,
        {"success": False, "message": "Invalid request", "errors": errors},
    )


def test_unknown_parameters_are_ignored(search, corpus):
    assert search(q="printer", mode="keyword", colour="blue").status_code == 200


def test_anonymous_requests_are_refused(corpus):
    response = APIClient().get("/api/search/", {"q": "printer"})

    assert (response.status_code, response.json()) == (
        401,
        {
            "success": False,
            "message": "Authentication credentials were not provided.",
            "errors": {"code": "not_authenticated"},
        },
    )
    assert response.headers["WWW-Authenticate"] == "Token"


def test_only_get_is_allowed(api, corpus):
    response = api.post("/api/search/", {"q": "printer"})

    assert (response.status_code, response.json()["errors"]) == (
        405,
        {"code": "method_not_allowed"},
    )


def test_throttled_searches_get_429_with_retry_after(api, corpus, settings):
    settings.SEARCH_THROTTLE_RATE = "2/minute"

    statuses = [api.get("/api/search/", {"q": "printer"}).status_code for _ in range(3)]
    limited = api.get("/api/search/", {"q": "printer"})

    assert statuses == [200, 200, 429]
    assert int(limited.headers["Retry-After"]) > 0
    assert limited.json()["errors"] == {"code": "throttled"}


def test_unexpected_errors_are_a_bare_500(search, corpus, monkeypatch):
    from search import caching

    def broken(**params):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(caching, "search_page_cached", broken)
    response = search(q="printer")

    assert (response.status_code, response.json()) == (
        500,
        {"success": False, "message": "Internal server error", "errors": {"code": "server_error"}},
    )


def test_no_index_yet_is_a_503_that_says_so(search, db):
    response = search(q="printer")

    assert (response.status_code, response.json()) == (
        503,
        {
            "success": False,
            "message": "The search index is unavailable: no index has been built yet.",
            "errors": {"code": "unavailable"},
        },
    )
