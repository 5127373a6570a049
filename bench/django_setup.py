"""Start Django for a benchmark on a throwaway database that is dropped afterwards."""

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def throwaway_django(database_url: str | None, **env: str) -> Iterator[None]:
    """Set up Django against a fresh test database (SQLite in a temp dir by default).

    The search index goes to the same temp dir, so nothing of the user's is touched.
    """
    scratch = tempfile.mkdtemp(prefix="dizin-bench-")
    os.environ.update(
        {
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DEBUG": "0",
            "DATABASE_URL": database_url or f"sqlite:///{scratch}/bench.sqlite3",
            "VAR_DIR": scratch,
            # Set, not left to VAR_DIR: a developer's .env may name their own index.
            "INDEX_DIR": f"{scratch}/index",
            "LOG_LEVEL": "WARNING",
            **env,
        }
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection

    if connection.vendor == "sqlite":
        # A file in WAL mode, as deployments run it; in memory, a second thread (the reindex
        # lease's heartbeat) would find its tables locked.
        connection.settings_dict["TEST"]["NAME"] = f"{scratch}/test.sqlite3"
    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(test_name, verbosity=0)
        shutil.rmtree(scratch, ignore_errors=True)
