"""/api/reindex/ and /api/tasks/: reindexing in the background, for staff."""

from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from core.api import success_response
from core.schema import envelope, error_responses, extend_schema
from core.workers import workers_alive, workers_warnings
from search.background import reindex_task_cancel, reindex_task_submit
from search.background_selectors import task_detail, task_list, task_state
from search.task_serializers import (
    ReindexInputSerializer,
    TaskSerializer,
    WorkersMetadataSerializer,
)


def _task_response(name: str, many: bool = False) -> Serializer:
    return envelope(name, data=TaskSerializer(many=many), metadata=WorkersMetadataSerializer())


class ReindexView(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(
        request=ReindexInputSerializer,
        responses={
            202: _task_response("ReindexResponse"),
            **error_responses(400, 401, 403, 409, 503),
        },
    )
    def post(self, request: Request) -> Response:
        """Queue a reindex for the workers; 409 while another is queued or running."""
        body = ReindexInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        task = reindex_task_submit(**body.validated_data, user=request.user)
        response = _rendered(request, task_state(task), message=_("Reindex queued"))
        response.status_code = status.HTTP_202_ACCEPTED
        response["Location"] = response.data["data"]["url"]
        return response


class TaskListView(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(
        operation_id="tasks_list",
        responses={200: _task_response("TaskListResponse", many=True), **error_responses(401, 403)},
    )
    def get(self, request: Request) -> Response:
        """List the latest reindex tasks, newest first."""
        return _rendered(request, task_list(), message=_("Tasks found"))


class TaskDetailView(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(
        responses={200: _task_response("TaskResponse"), **error_responses(401, 403, 404)}
    )
    def get(self, request: Request, task_id: str) -> Response:
        """Describe a task: its status, the phase it is in, and what it did."""
        return _rendered(request, task_detail(task_id=task_id), message=_("Task found"))

    @extend_schema(
        responses={202: _task_response("TaskCancelResponse"), **error_responses(401, 403, 404, 409)}
    )
    def delete(self, request: Request, task_id: str) -> Response:
        """Cancel a task: a queued one at once, a running one at its next checkpoint."""
        task = reindex_task_cancel(task_id=task_id)
        response = _rendered(request, task_state(task), message=_("Cancellation requested"))
        response.status_code = status.HTTP_202_ACCEPTED
        return response


def _rendered(request: Request, tasks: dict | list[dict], *, message: str) -> Response:
    many = isinstance(tasks, list)
    for task in tasks if isinstance(tasks, list) else [tasks]:
        task["url"] = request.build_absolute_uri(reverse("task", args=[task["id"]]))
    workers = workers_alive()
    metadata = {"workers": workers, "warnings": workers_warnings(workers)}
    return success_response(
        TaskSerializer(tasks, many=many).data,
        message=message,
        metadata=WorkersMetadataSerializer(metadata).data,
    )
