"""Django settings for Dizin: every value comes from the environment, read once, here."""

import os
from pathlib import Path
from typing import get_args

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key
from django.utils.translation import gettext_lazy as _
from dotenv import load_dotenv

from core.env import (
    env_bool,
    env_choice,
    env_float,
    env_int,
    env_list,
    env_path,
    env_paths,
    env_str,
)
from core.logs import logging_config
from indexer.extract.base import Limits
from indexer.extract.pool import PoolSettings
from search.engine.config import Dtype, Runtime, engine_default

BASE_DIR = Path(__file__).resolve().parent.parent
# Real environment variables win over the file, so deployments can override it; tests point
# DIZIN_ENV_FILE elsewhere, so a developer's own .env never changes what they check.
load_dotenv(os.environ.get("DIZIN_ENV_FILE") or BASE_DIR / ".env", override=False)

VAR_DIR = env_path("VAR_DIR", BASE_DIR / "var")

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment or in .env (see .env.example); "
            "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    # A throwaway key per process for local debugging: sessions end when the process does.
    SECRET_KEY = get_random_secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "core",
    "config",
    "indexer",
    "search",
    "analytics",
]

MIDDLEWARE = [
    "core.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"
# Threads per server process that run requests (see config/asgi.py). Two keep a core busy while
# one request waits on Redis or the database; more fight over the GIL, and at 8 clients left a
# tenth of the cores idle (bench.search_load).
SERVER_THREADS = env_int("SERVER_THREADS", 2, minimum=1)
# Server processes `manage.py serve` starts: one per core this process may run on.
SERVER_WORKERS = env_int("SERVER_WORKERS", len(os.sched_getaffinity(0)), minimum=1)

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Overrides of third-party templates (the API docs' pages).
        "DIRS": [BASE_DIR / "config" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: an SQLite file under var/ unless DATABASE_URL names another (postgres://...).
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite cannot create its file in a missing folder, and var/ is not in a fresh clone.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20,
        transaction_mode="IMMEDIATE",
        # WAL lets readers and one writer work at once; NORMAL syncs at checkpoints, which
        # WAL keeps consistent (a power cut may lose the last commits, never corrupt).
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis when REDIS_URL is set (shared by every worker), else per-process memory.
REDIS_URL = env_str("REDIS_URL")
CACHE_KEY_PREFIX = env_str("CACHE_KEY_PREFIX", "dizin")
CACHE_SOCKET_TIMEOUT = env_float("CACHE_SOCKET_TIMEOUT", 0.25)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "KEY_FUNCTION": "core.cache.install_scoped_key",
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": CACHE_SOCKET_TIMEOUT,
                "SOCKET_TIMEOUT": CACHE_SOCKET_TIMEOUT,
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "KEY_FUNCTION": "core.cache.install_scoped_key",
        }
    }

# Background work: Celery, its broker the cache's Redis unless CELERY_BROKER_URL names another.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or REDIS_URL
CELERY_RESULT_BACKEND = CELERY_BROKER_URL or None
# A task a dead worker held goes back on the queue after this long (it resumes from checkpoints).
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=60)
CELERY_BROKER_TRANSPORT_OPTIONS = CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    "global_keyprefix": f"{CACHE_KEY_PREFIX}:celery:",
}
CELERY_TASK_ACKS_LATE = CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "dizin"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = env_choice("LANGUAGE_CODE", "en", ("en", "tr"))
LANGUAGES = [("en", _("English")), ("tr", _("Turkish"))]
LOCALE_PATHS = [BASE_DIR / "core" / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env_path("STATIC_ROOT", VAR_DIR / "static")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# HTTPS: one switch for deployments behind TLS, with each setting overridable on its own.
HTTPS = env_bool("HTTPS", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", HTTPS)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", HTTPS)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.authentication.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Seconds a token's user stays in the shared cache (0: look every token up in the database).
AUTH_TOKEN_CACHE_TTL = env_int("AUTH_TOKEN_CACHE_TTL", 60, minimum=0)
SPECTACULAR_SETTINGS = {
    "TITLE": "Dizin API",
    "DESCRIPTION": "Keyword, semantic and hybrid search over the files Dizin has indexed.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # It applies the views' descriptions first (core.schema.extend_schema).
    "DEFAULT_GENERATOR_CLASS": "config.schema.SchemaGenerator",
    # The docs' scripts and styles come from this project's static files, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Indexing and search.
INDEX_ROOTS = env_paths("INDEX_ROOTS")
INDEX_DIR = env_path("INDEX_DIR", VAR_DIR / "index")
INDEX_MAX_TEXT_BYTES = env_int("INDEX_MAX_TEXT_BYTES", 1 << 20, minimum=0)
INDEX_READ_CONCURRENCY = env_int("INDEX_READ_CONCURRENCY", 2, minimum=1)
# Files read per batch: each batch is committed before the next, and is what workers share.
INDEX_BATCH_FILES = env_int("INDEX_BATCH_FILES", 2000, minimum=1)
INDEX_LOCK_TIMEOUT = env_int("INDEX_LOCK_TIMEOUT", 60, minimum=5)
INDEX_CHECK_INTERVAL = env_float("INDEX_CHECK_INTERVAL", engine_default("check_interval"))
# Text extraction: worker processes, their limits per file, and the caps on archives and OCR.
INDEX_EXTRACT_WORKERS = env_int("INDEX_EXTRACT_WORKERS", len(os.sched_getaffinity(0)), minimum=1)
INDEX_EXTRACT_TIMEOUT = env_float("INDEX_EXTRACT_TIMEOUT", PoolSettings().timeout)
INDEX_EXTRACT_MEMORY_MB = env_int(
    "INDEX_EXTRACT_MEMORY_MB", PoolSettings().memory_bytes >> 20, minimum=256
)
INDEX_ARCHIVE_MAX_BYTES = env_int("INDEX_ARCHIVE_MAX_BYTES", Limits().archive_max_bytes, minimum=0)
INDEX_ARCHIVE_MAX_MEMBERS = env_int(
    "INDEX_ARCHIVE_MAX_MEMBERS", Limits().archive_max_members, minimum=1
)
INDEX_ARCHIVE_MAX_DEPTH = env_int("INDEX_ARCHIVE_MAX_DEPTH", Limits().archive_max_depth, minimum=1)
INDEX_ARCHIVE_MAX_RATIO = env_int("INDEX_ARCHIVE_MAX_RATIO", Limits().archive_max_ratio, minimum=2)
OCR_LANGUAGES = env_str("OCR_LANGUAGES", Limits().ocr_languages)
OCR_PAGE_TIMEOUT = env_float("OCR_PAGE_TIMEOUT", Limits().ocr_page_timeout)
SEMANTIC_MODEL = env_str("SEMANTIC_MODEL")
SEMANTIC_DTYPE = env_choice("SEMANTIC_DTYPE", engine_default("dtype"), get_args(Dtype))
SEMANTIC_BATCH_SIZE = env_int("SEMANTIC_BATCH_SIZE", engine_default("batch_size"), minimum=1)
# Threads the model may use per process; 0 means one per core (`manage.py serve` divides them).
SEMANTIC_THREADS = env_int("SEMANTIC_THREADS", engine_default("threads"), minimum=0)
# The model on ONNX Runtime (exported once into SEMANTIC_ONNX_DIR) or on torch.
SEMANTIC_RUNTIME = env_choice("SEMANTIC_RUNTIME", engine_default("runtime"), get_args(Runtime))
SEMANTIC_ONNX_DIR = env_path("SEMANTIC_ONNX_DIR", VAR_DIR / "onnx")
SEMANTIC_PASSAGE_WORDS = env_int(
    "SEMANTIC_PASSAGE_WORDS", engine_default("passage_words"), minimum=20
)
SEMANTIC_PASSAGE_OVERLAP = env_int(
    "SEMANTIC_PASSAGE_OVERLAP", engine_default("passage_overlap"), minimum=0
)
SEMANTIC_MAX_PASSAGES_PER_FILE = env_int(
    "SEMANTIC_MAX_PASSAGES_PER_FILE", engine_default("max_passages_per_file"), minimum=1
)
SEMANTIC_HNSW_THRESHOLD = env_int(
    "SEMANTIC_HNSW_THRESHOLD", engine_default("hnsw_threshold"), minimum=0
)
SEMANTIC_EF_SEARCH = env_int("SEMANTIC_EF_SEARCH", engine_default("ef_search"), minimum=1)

# Search API.
SEARCH_MAX_RESULTS = env_int("SEARCH_MAX_RESULTS", 1000, minimum=1)
SEARCH_SEMANTIC_DEPTH = env_int("SEARCH_SEMANTIC_DEPTH", 100, minimum=1)
# Hybrid: each ranking's scores over its best, weighted; this is the semantic side's weight.
SEARCH_SEMANTIC_WEIGHT = env_float("SEARCH_SEMANTIC_WEIGHT", 0.5)
# A semantic match must stand this many standard deviations above the query's mean similarity
# to the corpus's passages (0 turns it off), and be at least this similar in any case.
SEARCH_SEMANTIC_FLOOR = env_float("SEARCH_SEMANTIC_FLOOR", 2.0)
SEARCH_SEMANTIC_MIN_SIMILARITY = env_float("SEARCH_SEMANTIC_MIN_SIMILARITY", 0.2)
SEARCH_CACHE_TTL = env_int("SEARCH_CACHE_TTL", 300, minimum=0)
SEARCH_THROTTLE_RATE = env_str("SEARCH_THROTTLE_RATE", "100/hour")
SNIPPET_CHARS = env_int("SNIPPET_CHARS", 300, minimum=40)
ANALYTICS_CACHE_TTL = env_int("ANALYTICS_CACHE_TTL", 900, minimum=0)
ANALYTICS_THROTTLE_RATE = env_str("ANALYTICS_THROTTLE_RATE", "300/hour")
SEARCH_EVENT_RETENTION_DAYS = env_int("SEARCH_EVENT_RETENTION_DAYS", 365, minimum=1)
# Record searches from a background thread in batches (0: one insert in the request, for tests).
SEARCH_EVENTS_IN_BACKGROUND = env_bool("SEARCH_EVENTS_IN_BACKGROUND", True)
METRICS_TOKEN = env_str("METRICS_TOKEN")

# Access rules (manage.py access): what a user with none finds, and whether staff see it all.
SEARCH_DEFAULT_ACCESS = env_choice("SEARCH_DEFAULT_ACCESS", "none", ("none", "all"))
ACCESS_STAFF_SEES_ALL = env_bool("ACCESS_STAFF_SEES_ALL", True)

# Logging: text for people, JSON (one object per line) for log shippers.
LOG_FORMAT = env_choice("LOG_FORMAT", "text", ("text", "json"))
LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"))
LOGGING = logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)
