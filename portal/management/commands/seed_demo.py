"""Generate the demo facility: each app adds its part from its own `demo.py` module.

Deterministic (fixed random seeds) and idempotent: `--if-empty` does nothing when the catalogue
already has investigations, which is how `make run` calls it.
"""

from __future__ import annotations

import importlib
import time

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

    def handle(self, *args, if_empty: bool = False, **options) -> None:
        if if_empty and Investigation.objects.exists():
            self.stdout.write("The database already has a facility; leaving it as it is.")
            for module_name in REFRESH_STEPS:
                with transaction.atomic():
                    importlib.import_module(module_name).refresh(out=self.stdout)
            return
        started = time.monotonic()
        timings = []
        for module_name in DEMO_STEPS:
            step_started = time.monotonic()
            step = importlib.import_module(module_name)
            with transaction.atomic():
                step.seed(out=self.stdout)
            timings.append(f"{module_name} {time.monotonic() - step_started:.0f} s")
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(f"Demo facility ready ({elapsed:.0f} s: {', '.join(timings)}).")
        )
