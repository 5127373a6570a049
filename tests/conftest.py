import gc
import itertools

import pytest
from django.core.cache import cache
from django.utils import translation

from tests.environment import RUN_ID

_test_numbers = itertools.count()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """Keep an SQLite test database in a file, in WAL mode as deployments run it.

    In memory, a second thread meets locked tables and another process sees nothing, so the
    tests of concurrent use and of killed reindex processes could not run on SQLite.
    """
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        folder = tmp_path_factory.mktemp("database")
        database.setdefault("TEST", {})["NAME"] = str(folder / f"test_dizin_{RUN_ID}.sqlite3")


@pytest.fixture(autouse=True)
def _isolated_cache(settings):
    """Give every test its own cache namespace, so no test sees another's entries."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            **settings.CACHES["default"],
            "KEY_PREFIX": f"dizin-test-{RUN_ID}-{next(_test_numbers)}",
        },
    }


@pytest.fixture(scope="session", autouse=True)
def _forget_run_keys():
    """Remove this run's keys from the shared Redis when the run ends."""
    yield
    if hasattr(cache, "delete_pattern"):
        client = cache.client.get_client()
        keys = list(client.scan_iter(match=f"dizin-test-{RUN_ID}*", count=1000))
        if keys:
            client.delete(*keys)


@pytest.fixture(autouse=True)
def _default_language():
    """Start each test in English; a Turkish request must not leak into the next test."""
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _engine(request, settings, tmp_path_factory):
    """Give each test its own index folder, and the fast fake encoder unless marked `model`."""
    from search import factory
    from search.engine import HashingEncoder

    settings.INDEX_DIR = tmp_path_factory.mktemp("index")
    # One export of the query encoder serves the whole run, outside the working copy.
    settings.SEMANTIC_ONNX_DIR = tmp_path_factory.getbasetemp() / "onnx"
    settings.INDEX_CHECK_INTERVAL = 0
    factory.use_encoder(None if request.node.get_closest_marker("model") else HashingEncoder())
    yield
    factory.use_encoder(None)


@pytest.fixture
def nothing_frozen():
    """Start with no object frozen; freeze again after, if some were (config.asgi freezes)."""
    frozen_before = gc.get_freeze_count()
    gc.unfreeze()
    yield
    gc.unfreeze()
    if frozen_before:
        gc.freeze()
