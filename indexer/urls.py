from django.urls import path

from indexer.views import FileDetailView, FileDownloadView, FileTextView

urlpatterns = [
    path("<int:file_id>/", FileDetailView.as_view(), name="file-detail"),
    path("<int:file_id>/text/", FileTextView.as_view(), name="file-text"),
    path("<int:file_id>/download/", FileDownloadView.as_view(), name="file-download"),
]
