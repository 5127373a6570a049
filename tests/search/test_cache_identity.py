"""Cached answers belong to their index and their install, even on a shared Redis."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core.cache import install_key, install_scoped_key
from core.models import Installation
from tests.environment import REDIS_URL, RUN_ID
from tests.search.conftest import reindex

pytestmark = [pytest.mark.django_db, pytest.mark.redis]
ROOT = Path(__file__).resolve().parents[2]
# One install: migrate, index its folder, search it and read a token, as its server would.
INSTALL = """
import json, sys
import django
django.setup()
from django.core.management import call_command
from search import factory
from search.engine import HashingEncoder
call_command("migrate", verbosity=0)
factory.use_encoder(HashingEncoder())
call_command("reindex", sys.argv[1], verbosity=0)
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from core.authentication import CachedTokenAuthentication
user = User.objects.create_user(sys.argv[2])
Token.objects.create(user=user, key="k" * 40)
client = APIClient()
client.force_authenticate(user)
body = client.get("/api/search/", {"q": "report", "mode": "keyword"}).json()
holder, _ = CachedTokenAuthentication().authenticate_credentials("k" * 40)
found = [r["file_path"] for r in body["data"]]
print(json.dumps([body["metadata"]["cached"], found, holder.username]))
"""


def paths(body: dict) -> list[str]:
    return [result["file_path"].split("/corpus/")[1] for result in body["data"]]


def test_an_index_rebuilt_from_scratch_never_serves_the_old_ones_pages(corpus, search, settings):
    assert search(q="printer", mode="keyword").json()["metadata"]["cached"] is False
    assert search(q="printer", mode="keyword").json()["metadata"]["cached"] is True
    shutil.rmtree(settings.INDEX_DIR)
    (corpus / "docs" / "network" / "printer.md").unlink()
    (corpus / "docs" / "printers.md").write_text("The second printer.")

    reindex(str(corpus))
    body = search(q="printer", mode="keyword").json()

    assert (body["metadata"]["cached"], body["metadata"]["index_generation"]) == (False, 1)
    assert paths(body) == ["docs/printers.md"]


def test_two_installs_on_one_redis_never_answer_from_each_others_cache(tmp_path):
    def install(name: str, user: str) -> list:
        folder = tmp_path / name / "corpus"
        folder.mkdir(parents=True)
        (folder / f"{name}_report.txt").write_text(f"the {name} report")
        env = {
            "PATH": os.environ["PATH"],
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DIZIN_ENV_FILE": os.devnull,
            "SECRET_KEY": "x" * 50,
            "ALLOWED_HOSTS": "testserver",
            "DATABASE_URL": f"sqlite:///{tmp_path / name}/db.sqlite3",
            "INDEX_DIR": str(tmp_path / name / "index"),
            "REDIS_URL": REDIS_URL,
            "CACHE_KEY_PREFIX": f"dizin-test-{RUN_ID}-installs",  # the same for both
            "SEARCH_EVENTS_IN_BACKGROUND": "0",
            "SEARCH_DEFAULT_ACCESS": "all",  # single-user installs
        }
        finished = subprocess.run(
            [sys.executable, "-c", INSTALL, str(folder), user],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert finished.returncode == 0, finished.stderr
        return json.loads(finished.stdout.splitlines()[-1])

    first, second = install("first", "ayse"), install("second", "mehmet")

    assert first == [False, [f"{tmp_path}/first/corpus/first_report.txt"], "ayse"]
    assert second == [False, [f"{tmp_path}/second/corpus/second_report.txt"], "mehmet"]


def test_every_cache_key_holds_the_install_key():
    key = Installation.objects.get().key

    assert install_key() == key
    assert install_scoped_key("search:abc", "dizin", 1) == f"dizin:{key}:1:search:abc"
