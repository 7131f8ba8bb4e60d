"""Generate the demo facility: each app adds its part from its own `demo.py` module.

Deterministic (fixed random seeds) and idempotent: `--if-empty` does nothing when the catalogue
already has investigations, which is how `make run` calls it (in the background, while the site
already serves). A run cut short (Ctrl-C) leaves `DATA_ROOT/.demo-unfinished` naming the steps
it finished; the next `--if-empty` run does the others instead of taking half a facility for one.
"""

from __future__ import annotations

import importlib
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from catalogue.models import Investigation

# Order matters: later steps build on the catalogue the first one creates.
DEMO_STEPS = [
    "catalogue.demo",
    "catalogue.search",  # fills the search vectors of the rows the demo made in bulk
    "catalogue.demo_downloads",
    "logbook.demo",
    "shipments.demo",
    "doi.demo",
    "catalogue.demo_policy",
    "catalogue.demo_usage",  # last: a year of usage of everything above, rolled up
]
# Steps whose idempotent `refresh(out=...)` brings a demo database made by an older version up
# to date; `--if-empty` runs them on a filled database (named here: catalogue.demo is heavy).
REFRESH_STEPS = ["shipments.demo"]


class Command(BaseCommand):
    help = "Fill the database and DATA_ROOT with a realistic demo facility."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="only when there is no investigation"
        )
        parser.add_argument(
            "--logins-url", help="then print the demo logins for the portal at this address"
        )

    def handle(self, *args, logins_url: str | None = None, **options) -> None:
        self._seed(**options)
        if logins_url:
            call_command("demo_logins", url=logins_url, stdout=self.stdout)

    def _seed(self, *, if_empty: bool = False, **options) -> None:
        unfinished = Path(settings.DATA_ROOT) / ".demo-unfinished"  # beside the demo's files
        done = unfinished.read_text().split() if if_empty and unfinished.exists() else []
        if if_empty and not done and Investigation.objects.exists():
            self.stdout.write("The database already has a facility; leaving it as it is.")
            for module_name in REFRESH_STEPS:
                with transaction.atomic():
                    importlib.import_module(module_name).refresh(out=self.stdout)
            return
        if done:
            self.stdout.write(f"Finishing the demo facility (done before: {', '.join(done)}).")
        unfinished.parent.mkdir(parents=True, exist_ok=True)
        unfinished.write_text("\n".join(done))
        started = time.monotonic()
        timings = []
        for module_name in DEMO_STEPS:
            if module_name in done:
                continue
            step_started = time.monotonic()
            step = importlib.import_module(module_name)
            with transaction.atomic():
                step.seed(out=self.stdout)
            done.append(module_name)
            unfinished.write_text("\n".join(done))
            timings.append(f"{module_name} {time.monotonic() - step_started:.0f} s")
        unfinished.unlink()
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(f"Demo facility ready ({elapsed:.0f} s: {', '.join(timings)}).")
        )
