"""Facets: every result counted by type, folder, year and extraction, each facet without its
own filter so that its other values say what choosing them would give."""

import pytest

from tests.search.conftest import reindex, write_corpus

pytestmark = [pytest.mark.django_db, pytest.mark.redis]

FILES = {
    "docs/guide.md": ("Budget guide for the office.", "2024-03-01"),
    "docs/2025/plan.txt": ("Budget plan for next year.", "2025-02-01"),
    "docs/2025/plan copy.txt": ("Budget plan for next year.", "2025-02-02"),
    "docs/2025/minutes/jan.txt": ("Budget minutes of January.", "2025-01-20"),
    "reports/q1.csv": ("quarter,budget\nq1,10\n", "2025-04-01"),
    "reports/q2.csv": ("quarter,budget\nq2,12\n", "2025-07-01"),
    "src/app.py": ("def main():\n    return 'hello'\n", "2023-01-05"),
}


@pytest.fixture
def files(tmp_path):
    root = write_corpus(tmp_path / "files", FILES)
    reindex(str(root))
    return root


def counts(*pairs) -> list[dict]:
    return [{"value": value, "count": count} for value, count in pairs]


def test_facets_count_every_result_not_only_the_page(files, search):
    body = search(
        q="budget", mode="keyword", page_size=1, facets="content_type,year,extraction,folder"
    ).json()

    assert body["metadata"]["total_results"] == 5
    assert body["metadata"]["facets"] == {
        "content_type": counts(("text/csv", 2), ("text/plain", 2), ("text/markdown", 1)),
        "year": counts(("2025", 4), ("2024", 1)),
        "extraction": counts(("ok", 5)),
        "folder": counts((f"{files}/docs", 3), (f"{files}/reports", 2)),
    }


def test_a_facet_is_counted_without_its_own_filter_and_with_the_others(files, search):
    body = search(
        q="budget",
        mode="keyword",
        type="text/csv",
        date_from="2025-01-01",
        facets="content_type,year",
    ).json()

    assert body["metadata"]["total_results"] == 2
    assert body["metadata"]["facets"] == {
        "content_type": counts(("text/csv", 2), ("text/plain", 2)),
        "year": counts(("2025", 2)),
    }


def test_choosing_a_facet_value_gives_as_many_results_as_it_counted(files, search):
    facets = search(q="budget", mode="keyword", facets="year").json()["metadata"]["facets"]
    [*_, (year, count)] = [(value["value"], value["count"]) for value in facets["year"]]

    chosen = search(q="budget", mode="keyword", date_from=f"{year}-01-01", date_to=f"{year}-12-31")

    assert (year, chosen.json()["metadata"]["total_results"]) == ("2024", count)


def test_the_folder_facet_lists_the_subfolders_of_the_path_filter(files, search):
    body = search(q="budget", mode="keyword", path=f"{files}/docs", facets="folder").json()

    assert body["metadata"]["facets"] == {"folder": counts((f"{files}/docs/2025", 2))}


def test_facets_without_a_query_count_every_file_a_user_may_see(files, search):
    body = search(facets="content_type,folder").json()

    assert body["metadata"]["facets"] == {
        "content_type": counts(
            ("text/csv", 2), ("text/plain", 2), ("text/markdown", 1), ("text/x-python", 1)
        ),
        "folder": counts((f"{files}/docs", 3), (f"{files}/reports", 2), (f"{files}/src", 1)),
    }


def test_facets_are_null_unless_asked_for(files, search):
    assert search(q="budget").json()["metadata"]["facets"] is None


def test_an_unknown_facet_is_a_clear_error(files, search):
    response = search(q="budget", facets="year,colour")

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "facets": ["colour is not one of: content_type, folder, year, extraction."]
    }


def test_in_hybrid_search_each_type_counts_what_choosing_it_gives(files, search):
    facets = search(q="budget plans", type="text/csv", facets="content_type").json()

    counted = {v["value"]: v["count"] for v in facets["metadata"]["facets"]["content_type"]}
    chosen = {
        value: search(q="budget plans", type=value).json()["metadata"]["total_results"]
        for value in counted
    }
    assert chosen == counted
    assert counted["text/csv"] == facets["metadata"]["total_results"]
