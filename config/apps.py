from django.apps import AppConfig


class ProjectConfig(AppConfig):
    """The project itself, as an app only so that `manage.py serve` is found."""

    name = "config"
    verbose_name = "Dizin"
