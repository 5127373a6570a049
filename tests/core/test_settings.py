"""Settings are read once per process, so each case runs Django in a fresh one."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "SECRET_KEY": "k" * 20 + "-production-like-key-with-enough-entropy-9f8e7d6c",
    "DEBUG": "0",
    "ALLOWED_HOSTS": "dizin.example.org",
    "HTTPS": "1",
    "SECURE_HSTS_PRELOAD": "1",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def run_django(code: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """Run `code` after django.setup() in a process whose environment is only `env`."""
    clean = {
        "PATH": os.environ["PATH"],
        "VAR_DIR": str(tmp_path),
        "DIZIN_ENV_FILE": os.devnull,
        **env,
    }
    script = f"import django; django.setup()\n{code}"
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=clean | {"PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def run_manage(*args: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    code = f"from django.core.management import call_command; call_command(*{list(args)!r})"
    return run_django(code, tmp_path, **env)


def test_starting_without_secret_key_fails_with_a_clear_message(tmp_path):
    result = run_django("", tmp_path)

    assert result.returncode == 1
    assert "django.core.exceptions.ImproperlyConfigured: SECRET_KEY is not set." in result.stderr


def test_debug_defaults_off(tmp_path):
    result = run_django(
        "from django.conf import settings; print(settings.DEBUG)", tmp_path, SECRET_KEY="x" * 50
    )

    assert result.stdout == "False\n"


def test_debug_without_a_key_uses_a_random_key_per_process(tmp_path):
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    first = run_django(code, tmp_path, DEBUG="1").stdout
    second = run_django(code, tmp_path, DEBUG="1").stdout

    assert len(first) > 40
    assert first != second


def test_bad_boolean_is_a_clear_error(tmp_path):
    result = run_django("", tmp_path, SECRET_KEY="x" * 50, DEBUG="maybe")

    assert "DEBUG must be a boolean (1/0, true/false, yes/no), got 'maybe'." in result.stderr


def test_postgres_database_url_reuses_checked_connections(tmp_path):
    code = (
        "from django.conf import settings; d = settings.DATABASES['default'];"
        "print(d['ENGINE'], d['NAME'], d['HOST'], d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])"
    )
    result = run_django(
        code, tmp_path, SECRET_KEY="x" * 50, DATABASE_URL="postgres://u@db.example:5432/dizin"
    )

    assert result.stdout == "django.db.backends.postgresql dizin db.example 60 True\n"


def test_default_database_is_sqlite_under_var(tmp_path):
    code = "from django.conf import settings; print(settings.DATABASES['default']['NAME'])"

    result = run_django(code, tmp_path, SECRET_KEY="x" * 50)

    assert result.stdout == f"{tmp_path / 'db.sqlite3'}\n"


def test_redis_url_selects_the_shared_cache(tmp_path):
    code = "from django.conf import settings; c = settings.CACHES['default']; print(c['BACKEND'])"

    result = run_django(code, tmp_path, SECRET_KEY="x" * 50, REDIS_URL="redis://127.0.0.1/3")

    assert result.stdout == "django_redis.cache.RedisCache\n"


def test_check_warns_when_the_cache_is_per_process(tmp_path):
    result = run_manage("check", tmp_path=tmp_path, SECRET_KEY="x" * 50)

    assert "(dizin.W001) REDIS_URL is not set: caching and throttling are per process." in (
        result.stderr
    )


def test_deploy_check_is_clean_with_production_settings(tmp_path):
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path, **PRODUCTION
    )

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_json_log_format_writes_one_object_per_line(tmp_path):
    code = "import logging; logging.getLogger('dizin.test').warning('hello %s', 'world')"

    result = run_django(code, tmp_path, SECRET_KEY="x" * 50, LOG_FORMAT="json")

    record = json.loads(result.stderr)
    assert (record["level"], record["logger"], record["message"]) == (
        "WARNING",
        "dizin.test",
        "hello world",
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("LOG_FORMAT", "xml", "LOG_FORMAT must be one of text, json, got 'xml'."),
        ("LANGUAGE_CODE", "de", "LANGUAGE_CODE must be one of en, tr, got 'de'."),
        ("INDEX_MAX_TEXT_BYTES", "lots", "INDEX_MAX_TEXT_BYTES must be an integer, got 'lots'."),
    ],
)
def test_invalid_setting_names_itself(tmp_path, name, value, message):
    result = run_django("", tmp_path, SECRET_KEY="x" * 50, **{name: value})

    assert message in result.stderr


def test_empty_override_keeps_the_https_default(tmp_path):
    code = "from django.conf import settings; print(settings.SECURE_SSL_REDIRECT)"

    result = run_django(code, tmp_path, SECRET_KEY="x" * 50, HTTPS="1", SECURE_SSL_REDIRECT="")

    assert result.stdout == "True\n"


def test_env_file_fills_what_the_environment_leaves_unset(tmp_path):
    env_file = tmp_path / "custom.env"
    env_file.write_text("SECRET_KEY=from-the-file-" + "x" * 40 + "\nTIME_ZONE=Europe/Istanbul\n")
    code = "from django.conf import settings; print(settings.TIME_ZONE, settings.SECRET_KEY[:14])"

    result = run_django(code, tmp_path, DIZIN_ENV_FILE=str(env_file), TIME_ZONE="UTC")

    assert result.stdout == "UTC from-the-file-\n"


def test_loading_the_site_leaves_out_what_only_tasks_builds_and_api_docs_need(tmp_path):
    """A serving process keeps each of these in memory for nothing (see bench.worker_memory)."""
    code = (
        "import sys\n"
        "from django.urls import get_resolver\n"
        "get_resolver().url_patterns\n"
        "unneeded = {'celery', 'kombu', 'jinja2', 'django.test', 'drf_spectacular.openapi',\n"
        "            'bm25s', 'scipy', 'indexer.extract.registry', 'search.reindex'}\n"
        "print(sorted(unneeded & set(sys.modules)))\n"
    )

    result = run_django(code, tmp_path, SECRET_KEY="x" * 50)

    assert (result.returncode, result.stdout.strip()) == (0, "[]"), result.stderr
