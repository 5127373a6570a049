import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from indexer.selectors import stored_files_in_path_order
from tests.factories import file_index

pytestmark = pytest.mark.django_db


def test_stored_files_come_in_code_point_order_across_pages_and_only_under_the_root():
    paths = ["/r/b.txt", "/r/a/z.txt", "/r/a.txt", "/r/é.txt", "/r/B.txt", "/r/a0.txt"]
    for path in [*paths, "/r", "/r0/x.txt", "/r.txt", "/q/r/x.txt"]:
        file_index(file_path=path)
    later = file_index(file_path="/r/later.txt")

    stored = stored_files_in_path_order("/r", max_id=later.id - 1, chunk=2)

    assert [row.path for row in stored] == sorted(paths)


def test_each_later_page_starts_after_the_last_path_instead_of_at_the_root():
    for name in "abcde":
        file_index(file_path=f"/r/{name}.txt")

    with CaptureQueriesContext(connection) as queries:
        list(stored_files_in_path_order("/r", max_id=10**9, chunk=2))

    lower_bounds = [
        [bound for bound in ("'/r/'", "'/r/b.txt'", "'/r/d.txt'") if bound in query["sql"]]
        for query in queries.captured_queries
    ]
    assert lower_bounds == [["'/r/'"], ["'/r/b.txt'"], ["'/r/d.txt'"]]
