from django.apps import AppConfig


class LogbookConfig(AppConfig):
    name = "logbook"
    verbose_name = "Logbook"

    def ready(self) -> None:
        from catalogue.downloads import download_job_kind_register
        from catalogue.models import DownloadJobKind
        from catalogue.policy import release_count_register

        from . import signals  # noqa: F401 - records catalogue changes in the logbook
        from .export import TOO_LONG, logbook_pdf_build

        # A logbook's PDF is a download job that this app builds (catalogue imports no app).
        download_job_kind_register(
            DownloadJobKind.LOGBOOK_PDF, build=logbook_pdf_build, too_long=TOO_LONG
        )
        # "Release now" says how many logbook events become public with the session.
        release_count_register("logbook events", _logbook_event_count)


def _logbook_event_count(investigation) -> int:
    from .store import get_store
    from .store.base import EventQuery

    return get_store().count(EventQuery(investigation_id=investigation.pk))
