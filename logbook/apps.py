from django.apps import AppConfig


class LogbookConfig(AppConfig):
    name = "logbook"
    verbose_name = "Logbook"

    def ready(self) -> None:
        from . import signals  # noqa: F401 - records catalogue changes in the logbook
