"""Print where the portal runs and the demo logins, one per role, with what to try as each.

`make run` calls it just before starting the web server, so a newcomer sees how to get in.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from portal.models import User

# The password `catalogue.demo` gives every demo user (not imported: that module pulls in numpy,
# h5py and matplotlib, and this command runs on every `make run`).
DEMO_PASSWORD = "demo"

# username, role, what to try
LOGINS: list[tuple[str, str, str]] = [
    ("admin", "facility administrator (superuser)", "/admin/: every model, “Release now”"),
    ("mdubois", "principal investigator", "My experiments: MX-2468 (embargoed + released), team"),
    ("jsmith", "participant", "Marie's proposals, logbook, downloads"),
    ("akowalska", "collaborator (added by Marie)", "sees MX-2590 only"),
    ("pnovak", "local contact, scientist of ID23-1", "every ID23-1 session, beamline logbook"),
    ("emartin", "instrument scientist of BM29", "every BioSAXS session"),
    ("sgarcia", "safety team (group Safety, not staff)", "validate or refuse parcels at /safety/"),
    ("tlee", "stores (group Stores, not staff)", "scan parcels in and out"),
    ("rbrown", "outsider (no experiments)", "public data only; embargoed ones are 404"),
    ("lfischer", "data-policy office (group Data policy)", "/data-policy/ extensions, /audit/"),
]


class Command(BaseCommand):
    help = "Print the portal's URL and the demo logins (password `demo`) with what to try."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default=settings.SITE_URL + "/", help="where the portal runs")

    def handle(self, *args, url: str, **options) -> None:
        existing = set(
            User.objects.filter(username__in=[name for name, _, _ in LOGINS]).values_list(
                "username", flat=True
            )
        )
        if not existing:
            self.stdout.write(f"Portal: {url}  (no demo users: run `manage.py seed_demo`)")
            return
        rows = [("username", "password", "role", "what to try")]
        rows += [
            (name, DEMO_PASSWORD, role, hint) for name, role, hint in LOGINS if name in existing
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        rule = "  ".join("-" * width for width in widths) + "  " + "-" * 11
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"{settings.FACILITY_NAME} data portal: {url}"))
        self.stdout.write("Demo logins:")
        for index, row in enumerate(rows):
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
            self.stdout.write("  ".join([*cells, row[3]]))
            if index == 0:
                self.stdout.write(rule)
        self.stdout.write("")
