"""Logbook at scale: 1,000,000 events in PostgreSQL, timed through the real views.

    createdb -h 127.0.0.1 -U postgres bench_logbook
    .venv/bin/python bench/logbook.py [--events 1000000] [--runs 40]

Loads events with COPY (indexes dropped during the load, rebuilt after), then times, through
Django's test client (server time, no network): the first timeline page, a page deep in the
timeline (keyset cursor), a tag filter and a full-text search, each as p50/p95 and as a ratio to
an empty Django view measured in the same run. Targets: timeline p95 < 100 ms, search p95 < 300 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
import types
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

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import include, path  # noqa: E402

from catalogue.models import Instrument, Investigation, InvestigationUser, Role  # noqa: E402
from logbook.models import Event, Tag  # noqa: E402
from logbook.store import EventQuery, get_store  # noqa: E402
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
DROP = [
    "logbook_ev_inv_time",
    "logbook_ev_instr_time",
    "logbook_ev_broadcast",
    "logbook_ev_search",
    "logbook_ev_tags",
]


def empty(request) -> HttpResponse:
    return HttpResponse("")


def install_floor_view() -> None:
    module = types.ModuleType("bench_logbook_urls")
    module.urlpatterns = [path("__empty/", empty), path("", include(settings.ROOT_URLCONF))]
    sys.modules[module.__name__] = module
    settings.ROOT_URLCONF = module.__name__
    # Pages are rendered without collectstatic's manifest (DEBUG is off, as in production).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


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
    call_command("migrate", "logbook", "0001", verbosity=0)  # no search column/GIN during the load
    with connection.cursor() as cursor:
        for index in DROP:
            cursor.execute(f"DROP INDEX IF EXISTS {index}")
    # A tenth of the events in one big investigation (deep pages), the rest spread over 499.
    t0 = time.perf_counter()
    with (
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
    print(f"COPY {total:,} events: {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    call_command("migrate", "logbook", verbosity=0)  # 0002: generated tsvector + GIN indexes
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE INDEX logbook_ev_inv_time ON logbook_event "
            "(investigation_id, creation_date, id) "
            "WHERE NOT superseded AND NOT removed"
        )
        cursor.execute(
            "CREATE INDEX logbook_ev_instr_time ON logbook_event "
            "(instrument_name, creation_date, id) "
            "WHERE NOT superseded AND NOT removed"
        )
        cursor.execute(
            "CREATE INDEX logbook_ev_broadcast ON logbook_event (type, creation_date, id) "
            "WHERE type = 'broadcast' AND NOT superseded AND NOT removed"
        )
        cursor.execute("VACUUM ANALYZE logbook_event")
    print(f"indexes and search vectors: {time.perf_counter() - t0:.1f} s")
    return big, member


def timed(client: Client, url: str, runs: int, **headers) -> list[float]:
    for _ in range(3):
        assert client.get(url, headers=headers).status_code == 200, url
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        response = client.get(url, headers=headers)
        samples.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    install_floor_view()
    big, member = load(args.events)
    print(
        f"{Event.objects.count():,} events; investigation {big.name} has "
        f"{Event.objects.filter(investigation=big).count():,}"
    )
    client = Client()
    client.force_login(member)
    base = f"/investigations/{big.pk}/logbook/"
    # A cursor half-way through the big investigation's timeline.
    store = get_store()
    depth = min(50_000, Event.objects.filter(investigation=big).count() // 2)
    middle = (
        Event.objects.filter(investigation=big)
        .order_by("-creation_date", "-id")
        .values("creation_date", "id")[depth]
    )
    from logbook.store import Cursor

    cursor = Cursor(middle["creation_date"], str(middle["id"])).encode()
    assert store.find(EventQuery(investigation_id=big.pk), after=cursor)[0]
    htmx = {"HX-Request": "true"}
    cases = {
        "empty view (floor)": ("/__empty/", {}),
        "timeline, first page (HTMX)": (base, htmx),
        "timeline, full page (calendar etc.)": (base, {}),
        f"timeline, deep page ({depth:,} in)": (f"{base}?after={cursor.replace('+', '%2B')}", htmx),
        "tag filter": (f"{base}?tag=calibration", htmx),
        "full-text search": (f"{base}?q=detector+timeout", htmx),
        "search + oldest first": (f"{base}?q=alignment&order=oldest", htmx),
        "sorted by the time referred to": (f"{base}?sort=refers", htmx),
    }
    with connection.cursor() as sql:
        sql.execute("SELECT 1")
        t0 = time.perf_counter()
        for _ in range(200):
            sql.execute("SELECT 1")
            sql.fetchall()
        print(
            f"bare SQL round trip (SELECT 1): {(time.perf_counter() - t0) / 200 * 1000:.2f} ms "
            "— the machine's load shows here"
        )
    floor = None
    print(f"\n{'case':40} {'p50 ms':>8} {'p95 ms':>8} {'x floor':>8}")
    for name, (url, headers) in cases.items():
        samples = sorted(timed(client, url, args.runs, **headers))
        p50 = statistics.median(samples)
        p95 = samples[int(len(samples) * 0.95) - 1]
        floor = floor or p95
        print(f"{name:40} {p50:8.1f} {p95:8.1f} {p95 / floor:8.1f}")


if __name__ == "__main__":
    main()
