"""Logbook at scale: 1,000,000 events loaded into PostgreSQL with COPY (secondary indexes
built after the load); the loader bench/http_bench.py uses (run alone, it only loads).

    createdb -h 127.0.0.1 -U postgres bench_logbook
    .venv/bin/python bench/logbook.py [--events 1000000]

The in-process timings this file had (test client, warm cache, 40 samples for a "p95", an empty
view as a floor) are replaced by bench/http_bench.py's logbook cases: full page, tag filter, live
poll, a page 50,000 events deep and a full-text search.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_logbook")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("VAR_DIR", str(ROOT / "var" / "bench"))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from bench._load import indexes_after  # noqa: E402
from catalogue.models import Instrument, Investigation, InvestigationUser, Role  # noqa: E402
from logbook.models import Event, Tag  # noqa: E402
from portal.models import User  # noqa: E402

WORDS = (
    "sample crystal detector beam energy scan motor alignment buffer flux shutter cryo mesh "
    "centring dose resolution wedge frame exposure attenuator undulator gap slit mirror"
).split()
COMMANDS = [
    "ascan samy -1 1 40 0.1",
    "collect(osc=0.1, n=3600)",
    "mv phi {n}",
    "ct 0.5",
    "mesh_scan(20, 20)",
    "set_energy(12.{n})",
    "dscan sz -0.5 0.5 50 0.2",
]
TAGS = ["calibration", "best sample", "to reprocess", "alignment", "radiation damage"]
COLUMNS = (
    "type",
    "category",
    "title",
    "content",
    "tags",
    "username",
    "creation_date",
    "investigation_id",
    "investigation_name",
    "instrument_name",
    "software",
    "file",
    "superseded",
    "removed",
    "search_text",
    "dataset_name",
    "machine",
    "source",
    "filename",
    "content_type",
)


def load(total: int) -> tuple[Investigation, User]:
    rng = random.Random(1)
    call_command("migrate", verbosity=0)
    big = Investigation.objects.filter(name="BENCH-BIG").first()
    if big and Event.objects.filter(investigation=big).exists():
        print(f"reusing {Event.objects.count():,} events already loaded")
        return big, User.objects.get(username="bench-member")
    instrument, _ = Instrument.objects.get_or_create(name="ID23-1")
    start = datetime(2024, 1, 1, tzinfo=UTC)
    investigations = Investigation.objects.bulk_create(
        [
            Investigation(
                name="BENCH-BIG" if i == 0 else f"BENCH-{i:04d}",
                visit_id=f"v{i}",
                title=f"Bench {i}",
                instrument=instrument,
                start_date=start + timedelta(days=i),
                end_date=start + timedelta(days=i + 30),
                release_date=start + timedelta(days=5000),
            )
            for i in range(500)
        ]
    )
    big = investigations[0]
    member = User.objects.create(username="bench-member", full_name="Bench Member")
    InvestigationUser.objects.create(investigation=big, user=member, role=Role.PARTICIPANT)
    for name in TAGS:
        Tag.objects.create(investigation=big, instrument=instrument, name=name, colour="#0b5ed7")
    # A tenth of the events in one big investigation (deep pages), the rest spread over 499.
    t0 = time.perf_counter()
    with (
        indexes_after("logbook_event"),
        connection.cursor() as cursor,
        cursor.copy(f"COPY logbook_event ({', '.join(COLUMNS)}) FROM STDIN") as copy,
    ):
        for n in range(total):
            inv = big if n % 10 == 0 else investigations[1 + n % 499]
            when = inv.start_date + timedelta(seconds=(n // 500) * 2 + rng.randint(0, 1))
            category = "error" if n % 97 == 0 else ("comment" if n % 13 == 0 else "commandline")
            kind = "annotation" if category == "comment" else "notification"
            text = rng.choice(COMMANDS).format(n=n % 90) + " " + " ".join(rng.sample(WORDS, 3))
            if category == "error":
                text = "Detector timeout " + text
            tags = [rng.choice(TAGS)] if n % 20 == 0 else []
            copy.write_row(
                (
                    kind,
                    category,
                    "",
                    json.dumps([{"format": "plainText", "text": text}]),
                    json.dumps(tags),
                    "bench-member" if kind == "annotation" else "",
                    when,
                    inv.pk,
                    inv.name,
                    "ID23-1",
                    "BLISS",
                    "[]",
                    False,
                    False,
                    f"{text} {' '.join(tags)}",
                    "",
                    "",
                    "",
                    "",
                    "",
                )
            )
    print(f"COPY {total:,} events, then their indexes: {time.perf_counter() - t0:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE logbook_event")
    return big, member


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    big, _ = load(args.events)
    print(
        f"{Event.objects.count():,} events; investigation {big.name} has "
        f"{Event.objects.filter(investigation=big).count():,}. Timings: bench/http_bench.py."
    )


if __name__ == "__main__":
    main()
