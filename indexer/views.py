"""/api/files/{id}/: a file's metadata, its extracted text, and the original, for its readers."""

from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import success_response
from core.schema import envelope, error_responses, extend_schema
from indexer.files import file_detail, file_original, file_text_page
from indexer.serializers import FileDetailSerializer, TextPageQuerySerializer, TextPageSerializer


class FileDetailView(APIView):
    @extend_schema(
        responses={
            200: envelope("FileDetailResponse", data=FileDetailSerializer()),
            **error_responses(401, 404),
        }
    )
    def get(self, request: Request, file_id: int) -> Response:
        """Describe an indexed file you may see: metadata, extraction, copies."""
        detail = file_detail(user=request.user, file_id=file_id)
        return success_response(FileDetailSerializer(detail).data, message=_("File found"))


class FileTextView(APIView):
    @extend_schema(
        parameters=[TextPageQuerySerializer],
        responses={
            200: envelope("FileTextResponse", data=TextPageSerializer()),
            **error_responses(400, 401, 404),
        },
    )
    def get(self, request: Request, file_id: int) -> Response:
        """Return a page of a file's extracted text."""
        query = TextPageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = file_text_page(user=request.user, file_id=file_id, page=query.validated_data["page"])
        return success_response(TextPageSerializer(page).data, message=_("Text found"))


class FileDownloadView(APIView):
    @extend_schema(
        responses={
            (200, "*/*"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The file's bytes, streamed, as an attachment, typed as indexed.",
            ),
            **error_responses(401, 404),
        }
    )
    def get(self, request: Request, file_id: int) -> FileResponse:
        """Download the original file; its path comes from the index, never the request."""
        row, path = file_original(user=request.user, file_id=file_id)
        return FileResponse(
            path.open("rb"),
            as_attachment=True,
            filename=path.name,
            content_type=row.content_type or "application/octet-stream",
        )
