"""`manage.py sync_icat [--full] [--investigation NAME] [--since DATE]`: one ICAT sync run now."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalogue.icat.records import GatewayError
from catalogue.icat.sync import SyncBusy, icat_sync
from catalogue.models import SyncRun


def parse_since(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"--since {value!r} is not a date (use YYYY-MM-DD or an ISO date-time)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Command(BaseCommand):
    help = "Synchronise the catalogue mirror with ICAT (incremental unless told otherwise)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--full",
            action="store_true",
            help="read everything again from the start and look for deletions",
        )
        parser.add_argument(
            "--investigation",
            metavar="NAME",
            default="",
            help="read one proposal (e.g. MX-2468) again, whatever the cursors say",
        )
        parser.add_argument(
            "--since",
            metavar="DATE",
            type=parse_since,
            help="read everything modified in ICAT since DATE again",
        )
        parser.add_argument(
            "--reconcile", action="store_true", help="look for deletions in this run"
        )
        parser.add_argument(
            "--recorded",
            metavar="JSON",
            type=Path,
            nargs="+",
            help="read recorded ICAT entities instead of ICAT_URL (a stand-in, for trials)",
        )

    def handle(
        self,
        *args,
        full: bool,
        investigation: str,
        since: datetime | None,
        reconcile: bool,
        recorded: list[Path] | None,
        verbosity: int,
        **options,
    ) -> None:
        gateway = None
        if recorded:
            from catalogue.icat.recorded import RecordedGateway

            gateway = RecordedGateway.from_json(*recorded)
        elif not settings.ICAT_URL:
            raise CommandError("ICAT_URL is not set (or give --recorded FILE.json)")
        if investigation and (full or since):
            raise CommandError(
                "--investigation reads one proposal; it cannot be combined with --full or --since"
            )

        def progress(message: str) -> None:
            if verbosity:
                self.stdout.write(f"  {message}")
                self.stdout.flush()

        try:
            run = icat_sync(
                gateway=gateway,
                full=full,
                investigation=investigation,
                since=since,
                reconcile=True if reconcile else None,
                progress=progress,
            )
        except SyncBusy as busy:
            raise CommandError(f"{busy}; try again when it has finished") from None
        except GatewayError as error:  # raised before the run could start (e.g. the login)
            raise CommandError(str(error)) from None
        for error in run.errors[:20]:
            self.stderr.write(
                f"  {error.get('entity', '')} {error.get('icat_id', '')} {error['error']}".strip()
            )
        if run.status == SyncRun.Status.FAILED:
            raise CommandError(
                f"sync failed: {run.errors[-1]['error'] if run.errors else 'unknown error'}"
            )
        self.stdout.write(
            self.style.SUCCESS(f"ICAT sync {run.get_status_display().lower()} (run {run.pk})")
        )
