"""Secrets: read only from the environment, passwords hashed, tokens never written to logs.

That `manage.py check --deploy` is clean with production settings is tested in
tests/core/test_settings.py (test_deploy_check_is_clean_with_production_settings).
"""

import ast
import logging
import re
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import identify_hasher
from rest_framework.test import APIClient

from analytics.models import SearchEvent

ROOT = Path(__file__).resolve().parents[2]
SECRET_NAME = re.compile(r"(SECRET|TOKEN|PASSWORD|_KEY)$")
# What a secret setting may be assigned from: the environment, or a throwaway debug key.
ALLOWED_SOURCES = {"env_str", "get_random_secret_key"}


def test_secret_settings_come_only_from_the_environment():
    tree = ast.parse((ROOT / "config" / "settings.py").read_text())
    assigned = [
        (target.id, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name) and SECRET_NAME.search(target.id)
    ]

    assert {name for name, _ in assigned} == {"SECRET_KEY", "METRICS_TOKEN"}
    for name, value in assigned:
        assert isinstance(value, ast.Call), name
        assert value.func.id in ALLOWED_SOURCES, name


def test_no_env_file_with_secrets_is_tracked():
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    example = (ROOT / ".env.example").read_text().splitlines()

    assert [name for name in tracked if Path(name).name.startswith(".env")] == [".env.example"]
    assert {line for line in example if line.startswith(("SECRET_KEY=", "METRICS_TOKEN="))} == {
        "SECRET_KEY=",
        "METRICS_TOKEN=",
    }


@pytest.mark.django_db
def test_passwords_are_stored_hashed_by_django():
    user = get_user_model().objects.create_user("zeynep", password="correct horse battery 7")
    stored = get_user_model().objects.filter(pk=user.pk).values_list("password", flat=True).get()

    assert "correct horse" not in stored
    assert identify_hasher(stored).algorithm in {"pbkdf2_sha256", "argon2", "bcrypt_sha256"}
    assert user.check_password("correct horse battery 7")


def test_tokens_never_reach_the_logs(api: APIClient, token: str, corpus, caplog, monkeypatch):
    from search import caching

    caplog.set_level(logging.DEBUG)
    forged = "f" * 40
    api.get("/api/search/", {"q": "printer"})  # succeeds
    api.get("/api/search/", {"page": 0})  # 400
    APIClient().get("/api/search/", headers={"authorization": f"Token {forged}"})  # 401
    APIClient().get("/metrics", headers={"authorization": f"Bearer {forged}"})  # 401
    monkeypatch.setattr(caching, "search_page_cached", _broken)
    api.get("/api/search/", {"q": "printer"})  # 500, logged with its traceback

    statuses = [record.getMessage() for record in caplog.records if record.name == "django.request"]
    logged = caplog.text + "".join(
        logging.Formatter().formatException(record.exc_info)
        for record in caplog.records
        if record.exc_info
    )
    assert statuses == [
        "Bad Request: /api/search/",
        "Unauthorized: /api/search/",
        "Unauthorized: /metrics",
        "Internal Server Error: /api/search/",
    ]
    assert token not in logged
    assert forged not in logged
    assert not [event for event in SearchEvent.objects.values() if token in str(event)]


def _broken(**params):
    raise RuntimeError("the search failed")
