from django.apps import AppConfig


class DoiConfig(AppConfig):
    name = "doi"
    verbose_name = "DOIs"

    def ready(self) -> None:
        from . import signals  # noqa: F401 - connects the session DOI receiver
