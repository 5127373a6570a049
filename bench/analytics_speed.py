"""Analytics at scale: a million files and a million search events on PostgreSQL.

    python -m bench.analytics_speed [--rows 1000000] [--database-url postgres://...]

Fills a throwaway database with generate_series (fast; the rollup triggers count the rows as
they go in), then times GET /api/analytics/'s payload uncached, whole and by part: the file
figures, the search figures as staff (every event) and as one user (their own), next to a
plain COUNT(*) of each table as the baseline.
"""

import argparse
import statistics
import time

from bench.django_setup import throwaway_django

FILES_SQL = """
INSERT INTO file_index (file_path, content_hash, file_size, content_type, search_keywords,
    last_modified, mtime_ns, deleted_at, created_at, updated_at)
SELECT '/data/d' || (n / 1000) || '/file_' || n || '.txt', md5(n::text) || md5(n::text),
    (n::bigint * 7919) %% 1000000, (ARRAY['text/plain','text/x-python','application/pdf',
    'text/markdown','image/png'])[1 + n %% 5], '', now() - (n %% 400) * interval '1 day', 0,
    CASE WHEN n %% 50 = 0 THEN now() END, now() - (n %% 30) * interval '1 day', now()
FROM generate_series(1, %s) AS n
"""
EVENTS_SQL = """
INSERT INTO search_event (user_id, query, normalized_query, mode, filters, result_count,
    latency_ms, cached, created_at)
SELECT %s + n %% 50, 'query ' || (n %% 5000), 'query ' || (n %% 5000),
    (ARRAY['hybrid','keyword','semantic'])[1 + n %% 3], '{}', (n * 31) %% 40,
    5 + (n %% 200), n %% 3 = 0, now() - (n %% 43200) * interval '1 minute'
FROM generate_series(1, %s) AS n
"""


def timed(action, runs: int = 5) -> float:
    """Return the median milliseconds of `runs` calls."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/dizin_bench")
    args = parser.parse_args()
    with throwaway_django(args.database_url):
        from django.contrib.auth.models import User
        from django.db import connection

        from analytics.selectors import analytics_payload, file_stats, search_stats
        from indexer.access import EVERYTHING

        users = User.objects.bulk_create(
            [User(username=f"user{n}", is_staff=n == 0) for n in range(50)]
        )
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(FILES_SQL, [args.rows])
            cursor.execute(EVENTS_SQL, [users[0].pk, args.rows])
            cursor.execute("ANALYZE file_index; ANALYZE search_event")
            print(
                f"{args.rows} files and {args.rows} events loaded in "
                f"{time.perf_counter() - started:.1f} s ({connection.vendor})"
            )

        def count_both() -> None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM file_index")
                cursor.execute("SELECT count(*) FROM search_event")

        staff, member = users[0], users[1]
        rows = [
            ("baseline: COUNT(*) of both tables", count_both),
            ("whole payload, staff, 30 days", lambda: analytics_payload(user=staff, days=30)),
            ("whole payload, one user, 30 days", lambda: analytics_payload(user=member, days=30)),
            ("file figures", lambda: file_stats(scope=EVERYTHING)),
            ("search figures, staff, 30 days", lambda: search_stats(user=staff, days=30)),
            ("search figures, one user, 30 days", lambda: search_stats(user=member, days=30)),
            ("search figures, staff, 365 days", lambda: search_stats(user=staff, days=365)),
        ]
        for label, action in rows:
            print(f"{label:<38}{timed(action):9.1f} ms")


if __name__ == "__main__":
    main()
