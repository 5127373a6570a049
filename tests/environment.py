"""pytest plugin, loaded before Django starts (see addopts): the test run's environment.

`DIZIN_TEST_DATABASE` picks the database (`postgres`, the default, or `sqlite`); the PostgreSQL
server comes from `TEST_POSTGRES_URL` and Redis from `TEST_REDIS_URL`. Each run gets its own
database name and cache key prefix, so parallel runs never collide.
"""

import os
import secrets
import socket
import uuid
from urllib.parse import urlsplit

import pytest

RUN_ID = uuid.uuid4().hex[:10]
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
DATABASE = os.environ.get("DIZIN_TEST_DATABASE", "postgres")
IN_CI = os.environ.get("CI", "").lower() == "true"


def reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=1):
            return True
    except OSError:
        return False


UNREACHABLE = {
    name: url
    for name, url in [
        ("PostgreSQL", POSTGRES_URL if DATABASE == "postgres" else None),
        ("Redis", REDIS_URL),
    ]
    if url and not reachable(url)
}

# A developer's .env must not leak into the tests, nor into the processes they start.
os.environ["DIZIN_ENV_FILE"] = os.devnull
os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
os.environ["DEBUG"] = "0"
os.environ["CACHE_KEY_PREFIX"] = f"dizin-test-{RUN_ID}"
# A search's event is in the database when the response is: tests assert on it at once.
os.environ["SEARCH_EVENTS_IN_BACKGROUND"] = "0"
os.environ["DATABASE_URL"] = (
    f"{POSTGRES_URL.rstrip('/')}/dizin_{RUN_ID}" if DATABASE == "postgres" else "sqlite://"
)
if "Redis" in UNREACHABLE:
    os.environ["REDIS_URL"] = ""
else:
    os.environ["REDIS_URL"] = REDIS_URL
for name in ("INDEX_ROOTS", "INDEX_DIR", "LOG_FORMAT", "SEMANTIC_MODEL", "LANGUAGE_CODE"):
    os.environ[name] = ""  # empty, not unset: .env must not fill them in


def pytest_configure(config: pytest.Config) -> None:
    if UNREACHABLE and IN_CI:
        services = ", ".join(f"{name} at {url}" for name, url in UNREACHABLE.items())
        pytest.exit(f"CI=true and these services are unreachable: {services}", returncode=3)


def pytest_report_header(config: pytest.Config) -> str:
    return f"dizin: database={DATABASE} run={RUN_ID} unreachable={sorted(UNREACHABLE) or 'none'}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    needs = {"PostgreSQL": "django_db", "Redis": "redis"}
    for name in UNREACHABLE:
        skip = pytest.mark.skip(reason=f"{name} at {UNREACHABLE[name]} is unreachable")
        for item in items:
            if item.get_closest_marker(needs[name]):
                item.add_marker(skip)
