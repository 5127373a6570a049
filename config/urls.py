from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config.docs import spectacular_view
from config.health import HealthView
from config.metrics import metrics_view
from core import views
from search.pages import file_page_view, search_page_view
from search.task_views import ReindexView, TaskDetailView, TaskListView

urlpatterns = [
    path("", search_page_view, name="search-page"),
    path("files/<int:file_id>/", file_page_view, name="file-page"),
    path("accounts/login/", auth_views.LoginView.as_view(next_page="search-page"), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(next_page="login"), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/health/", HealthView.as_view(), name="health"),
    path("api/search/", include("search.urls")),
    path("api/analytics/", include("analytics.urls")),
    path("api/files/", include("indexer.urls")),
    path("api/reindex/", ReindexView.as_view(), name="reindex"),
    path("api/tasks/", TaskListView.as_view(), name="tasks"),
    path("api/tasks/<uuid:task_id>/", TaskDetailView.as_view(), name="task"),
    path("metrics", metrics_view, name="metrics"),
    path("api/schema/", spectacular_view("SpectacularAPIView"), name="schema"),
    path("api/docs/", spectacular_view("SpectacularSwaggerView", url_name="schema"), name="docs"),
    path("api/redoc/", spectacular_view("SpectacularRedocView", url_name="schema"), name="redoc"),
]

handler404 = views.not_found
handler500 = views.server_error
