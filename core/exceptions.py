"""Domain errors: services raise these; the API exception handler turns them into responses."""

from typing import Any

from django.utils.translation import gettext_lazy as _


class DizinError(Exception):
    """Base of every error Dizin raises on purpose.

    `errors` are field-level messages ({"page": ["..."]}), for errors a client can correct;
    without them the response names the error's `code`.
    """

    status_code = 500
    default_message = _("Internal server error")
    code = "error"

    def __init__(self, message: str | None = None, *, errors: dict[str, Any] | None = None) -> None:
        self.message = message or str(self.default_message)
        self.errors = errors
        super().__init__(self.message)


class InvalidInput(DizinError):
    status_code = 400
    default_message = _("Invalid request")
    code = "invalid"


class NotFound(DizinError):
    status_code = 404
    default_message = _("Not found")
    code = "not_found"


class ReindexInProgress(DizinError):
    status_code = 409
    default_message = _("Another reindex is already running")
    code = "reindex_in_progress"


class TaskFinished(DizinError):
    status_code = 409
    default_message = _("The task has already finished")
    code = "task_finished"


class ServiceUnavailable(DizinError):
    status_code = 503
    default_message = _("Service unavailable")
    code = "unavailable"


class ServerNotStarted(DizinError):
    default_message = _("The server could not start")
    code = "server_not_started"
