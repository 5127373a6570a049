"""The logging configuration, for people (text) or for log shippers (JSON, one object a line)."""

from typing import Any


def logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    """Return a dictConfig logging everything at `level` to the console in `log_format`."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            },
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": log_format}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django": {"handlers": ["console"], "level": level, "propagate": False},
            # faiss reports at INFO which CPU build it loaded, on every start.
            "faiss": {"level": "WARNING"},
        },
    }
