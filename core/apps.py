from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Dizin core"

    def ready(self) -> None:
        from core import authentication, checks  # noqa: F401  (registers receivers and checks)
