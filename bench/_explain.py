import os
import sys

os.environ["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/bench_logbook"
os.environ.setdefault("SECRET_KEY", "x")
os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
sys.path.insert(0, ".")
import django

django.setup()
from django.db import connection
from django.test.utils import CaptureQueriesContext

from logbook.models import Event
from logbook.store import EventQuery, get_store

store = get_store()
q = EventQuery(investigation_id=1)
mid = (
    Event.objects.filter(investigation_id=1)
    .order_by("-creation_date", "-id")
    .values("creation_date", "id")[50000]
)
from logbook.store import Cursor

cur = Cursor(mid["creation_date"], str(mid["id"])).encode()
cases = {
    "first": (q, None),
    "deep": (q, cur),
    "tag": (EventQuery(investigation_id=1, tags=("calibration",)), None),
    "search": (EventQuery(investigation_id=1, text="detector timeout"), None),
}
which = [w for w in sys.argv[1:] if w in cases]
for name in which:
    query, after = cases[name]
    with CaptureQueriesContext(connection) as ctx:
        store.find(query, after=after)
    for qq in ctx.captured_queries:
        print("==", name, qq["time"])
        with connection.cursor() as c:
            c.execute("EXPLAIN ANALYZE " + qq["sql"])
            print("\n".join(r[0] for r in c.fetchall()))
from datetime import timedelta

from catalogue.models import Investigation

inv = Investigation.objects.get(pk=1)
qq = EventQuery(
    investigation_id=1,
    broadcasts_between=(inv.start_date - timedelta(days=1), inv.end_date + timedelta(days=1)),
)
for label, fn in [("days", lambda: store.day_counts(qq)), ("latest", lambda: store.latest_id(qq))]:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    for x in ctx.captured_queries:
        print("==", label, x["time"], x["sql"][:300])
