"""Give a session DOI to every investigation that has none yet (e.g. after a bulk ICAT sync), and
withdraw those of sessions made proprietary since."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from doi import services
from doi.providers import ProviderError


class Command(BaseCommand):
    help = (
        "Register the session DOI of each investigation that has no findable one yet; withdraw "
        "those of proprietary sessions."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="hand the work to the Celery `doi` queue instead of doing it here",
        )

    def handle(self, *args, enqueue: bool = False, **options) -> None:
        from doi.tasks import register_session_doi, withdraw_session_doi

        withdrawals = list(services.session_dois_to_withdraw().values_list("id", flat=True))
        ids = list(services.investigations_without_session_doi().values_list("id", flat=True))
        done = withdrawn = failed = 0
        for doi_id in withdrawals:
            if enqueue:
                withdraw_session_doi.delay(doi_id)
                continue
            try:
                withdrawn += services.session_doi_withdraw(doi_id=doi_id) is not None
            except ProviderError as exc:
                failed += 1
                self.stderr.write(f"DOI {doi_id}: {exc}")
        for investigation_id in ids:
            if enqueue:
                register_session_doi.delay(investigation_id)
                continue
            try:
                done += services.session_doi_register(investigation_id=investigation_id) is not None
            except ProviderError as exc:
                failed += 1
                self.stderr.write(f"investigation {investigation_id}: {exc}")
        if enqueue:
            self.stdout.write(
                f"Enqueued {len(ids)} session DOI registrations and {len(withdrawals)} withdrawals."
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Registered {done} session DOIs, withdrew {withdrawn} ({failed} failed)."
                )
            )
