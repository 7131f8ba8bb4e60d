"""End to end over HTTP: gunicorn in production mode, wrk at 8 connections, server CPU per request.

    apt-get install wrk   # or: make bench-deps
    .venv/bin/python bench/http_bench.py [--scale small|full|10x] [--code DIR] [--label NAME]
    .venv/bin/python bench/http_bench.py --compare full-after,10x-after   # saved runs, B / A
    .venv/bin/python bench/http_bench.py --scale 10x --explain   # rows read per page
    .venv/bin/python bench/http_bench.py --zip                   # zip vs the same files one by one

Loads the facility with bench/catalogue.py's and bench/logbook.py's loaders, once per size, each
size in its own database (BENCH_DATABASE_URL, default bench_http; `_10x`/`_small` appended):
full = 20k investigations, 500k datasets, 5M files, 1M logbook events; 10x = the same catalogue
with 50M files and 10M events; small = a tenth. Collects static files, starts gunicorn with DEBUG
off (from --code DIR, another checkout such as the code before a change, on the same database),
then drives each case with wrk (2 threads, 8 connections, >= 200 requests). It records what the
machine pays: the CPU time (utime + stime from /proc) of the gunicorn workers and of the
database's PostgreSQL backends over the run, divided by the requests served, robust on a shared
machine where req/s and p99 are not. Ratios are to the trivial page (/login/ GET) and to a static
file (the floor: whitenoise, no view, no database). Results go to bench/results/<scale>-<label>.json
(--compare prints each case's ratio between two runs: the sizes, or before and after).
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, where bench/logbook.py and
# bench/catalogue.py would shadow the apps of the same names: only the project root goes on.
# (This file was bench/http.py, which shadowed the standard library's http for every script in
# bench/: icat_sync.py and zip_throughput.py could not start.)
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

import argparse  # noqa: E402
import http.client  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from importlib import import_module  # noqa: E402

ROOT = HERE.parent
SCALES = {  # investigation fraction, files per dataset, logbook events
    "small": (0.1, 10, 100_000),
    "full": (1.0, 10, 1_000_000),
    "10x": (1.0, 100, 10_000_000),  # ten times the files and events, same catalogue shape
}


def _scale_from_argv() -> str:
    """Each size has its own database (bench_http, bench_http_10x): both stay loaded, so the
    comparison reruns without reloading; known before Django starts, which fixes the database."""
    argv = sys.argv[1:]
    for i, arg in enumerate(argv):
        if arg.startswith("--scale="):
            return arg.split("=", 1)[1]
        if arg == "--scale" and i + 1 < len(argv):
            return argv[i + 1]
    return "full"


_base_url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_http")
os.environ["BENCH_DATABASE_URL"] = _base_url + (
    "" if _scale_from_argv() == "full" else f"_{_scale_from_argv()}"
)

# Imported first: it points DATABASE_URL at BENCH_DATABASE_URL before Django starts.
from bench import _http_report as report  # noqa: E402
from bench import _http_zip as zip_case  # noqa: E402
from bench import catalogue as cat  # noqa: E402
from bench import logbook as lb  # noqa: E402

# isort: split
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils.module_loading import import_string  # noqa: E402

CONNECTIONS, THREADS, MIN_REQUESTS = 8, 2, 200
TYPICAL_SESSIONS = 23
NO_MATCH = "zyxwvutsrq"
DATA_ROOT = ROOT / "var" / "bench" / "http-data"  # the zip case's files
TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")

WRK_SCRIPT = """
if os.getenv("BENCH_COOKIE") ~= "" then wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE") end
if os.getenv("BENCH_HX") ~= "" then wrk.headers["HX-Request"] = "true" end
done = function(s, latency, requests)
  local e = s.errors
  io.write(string.format("BENCH %d %d %.1f %.1f %d\\n", s.requests, s.duration,
    latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout + e.status))
end
"""


def ensure_data(scale: float, files_per_dataset: int, events: int, load: bool = True) -> None:
    from catalogue.models import Datafile, Investigation
    from logbook.models import Event

    cat._create_database()
    call_command("migrate", verbosity=0)
    n_inv = max(50, int(cat.INVESTIGATIONS * scale))
    expected_files = n_inv * cat.DATASETS_PER_INV * files_per_dataset
    # The catalogue loader's own check counts investigations, which the logbook's 500 upset.
    loaded = (
        Investigation.objects.count() == n_inv + 500
        and Datafile.objects.filter(pk=expected_files).exists()
        and Event.objects.count() == events
    )
    if loaded:
        print(f"Data already loaded ({n_inv:,} investigations, {events:,} events).", flush=True)
        return
    if not load:  # --explain reads whatever is there rather than reloading for an hour
        print(f"Not the {scale} scale's full data: explaining what is loaded.", flush=True)
        return
    cat.generate(scale, files_per_dataset)  # truncates investigations (and so events) first
    lb.load(events)


def session_cookie(user) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    # As login() records it: the backend that can load the user again (axes' only guards logins).
    store[BACKEND_SESSION_KEY] = next(
        b for b in settings.AUTHENTICATION_BACKENDS if hasattr(import_string(b), "get_user")
    )
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def typical_user():
    """The member whose session count is nearest to a typical user's (~23), not the cheapest."""
    from catalogue.models import InvestigationUser
    from portal.models import User

    counts = (
        InvestigationUser.objects.exclude(user__username__in=["user00000", "user00001"])
        .values("user")
        .annotate(n=Count("id"))
        .values_list("user", "n")
    )
    user_id, n = min(counts, key=lambda row: (abs(row[1] - TYPICAL_SESSIONS), row[0]))
    return User.objects.get(pk=user_id), n


def cases() -> list[tuple[str, str, str, bool]]:
    """(label, path, cookie, HTMX) per case; the static floor's path is filled in later."""
    from catalogue.models import Dataset, Investigation
    from portal.models import User

    pi = User.objects.get(username="user00000")
    typical, n_sessions = typical_user()
    busiest = Investigation.objects.filter(members__user=pi).order_by("-start_date").first()
    big_files = cat.big_dataset(busiest)
    logbook_inv = Investigation.objects.get(name="BENCH-BIG")
    member = User.objects.get(username="bench-member")
    as_pi, as_typical, as_member = (
        session_cookie(pi),
        session_cookie(typical),
        session_cookie(member),
    )
    # Sees every session of the beamline with a third of them: the widest My experiments.
    as_scientist = session_cookie(User.objects.get(username="user00001"))
    logbook_url = reverse("logbook:investigation", args=[logbook_inv.pk])
    n_files = Dataset.objects.get(pk=big_files.pk).file_count
    investigation = reverse("catalogue:investigation-detail", args=[busiest.pk])
    datasets_tab = reverse("catalogue:investigation-datasets", args=[busiest.pk])
    dataset = reverse("catalogue:dataset-detail", args=[big_files.pk])
    return [
        ("static file (floor)", "", "", False),
        ("/login/ GET (trivial page)", "/login/", "", False),
        ("home", "/", as_typical, False),
        ("/public/", "/public/", "", False),
        (f"My experiments ({n_sessions} sessions)", "/experiments/", as_typical, False),
        ("investigation page", investigation, as_pi, False),
        ("datasets tab", datasets_tab, as_pi, False),
        (f"dataset page, {n_files:,} files", dataset, as_pi, False),
        ("search: lysozyme", "/search/?q=lysozyme", as_typical, False),
        (f"search: {NO_MATCH} (no match)", f"/search/?q={NO_MATCH}", as_typical, False),
        ("logbook full page", logbook_url, as_member, False),
        ("logbook tag filter", f"{logbook_url}?tag=calibration", as_member, True),
        ("logbook live poll", live_url(logbook_url), as_member, True),
        # Cases the in-process benches had (they are gone): keyset pages deep, search, the API.
        ("/public/, 50 pages deep", ("follow", "/public/", 50), "", False),
        ("dataset files, 50 pages deep", ("follow", dataset, 50), as_pi, False),
        ("logbook page 50,000 events deep", deep_logbook_url(logbook_url), as_member, True),
        ("logbook search: detector timeout", f"{logbook_url}?q=detector+timeout", as_member, True),
        ("api: public investigations", "/api/investigations/?scope=public", "", False),
        (f"My experiments: {cat.BUSY} scientist", "/experiments/", as_scientist, False),
    ]


def deep_logbook_url(logbook_url: str) -> str:
    from logbook.models import Event
    from logbook.store import Cursor

    investigation = int(logbook_url.split("/")[2])
    events = Event.objects.filter(investigation=investigation).order_by("-creation_date", "-id")
    middle = next(iter(events.values("creation_date", "id")[50_000:50_001]), None)
    if middle is None:  # a partial load (--explain only): the first page stands in
        return logbook_url
    cursor = Cursor(middle["creation_date"], str(middle["id"])).encode()
    return f"{logbook_url}?after={cursor.replace('+', '%2B')}"


def follow(server, url: str, cookie: str, pages: int) -> str | None:
    """The URL `pages` Next clicks after `url`, as this server's pages link them; None when a page
    on the way takes over a minute (old code: the case is reported as not measured)."""
    base = url.split("?")[0]
    for _ in range(pages):
        try:
            _, html = server.get(url, cookie)
        except TimeoutError:
            return None
        match = re.search(r'rel="next" href="([^"]+)"', html)
        if not match:
            raise SystemExit(f"{url}: no next link to follow")
        link = match.group(1).replace("&amp;", "&")
        url = base + link if link.startswith("?") else link
    return url


def live_url(logbook_url: str) -> str:
    """The poll an open tab sends: its URL as the page writes it (newest event already seen)."""
    from logbook.store import get_store

    live = reverse("logbook:investigation-live", args=[int(logbook_url.split("/")[2])])
    return f"{live}?last={get_store().high_water_mark() or ''}&seen=0"


class Server:
    def __init__(self, port: int, workers: int, collect: bool, code: Path = ROOT) -> None:
        self.port, self.workers, self.collect, self.code = port, workers, collect, code
        self.env = {
            **os.environ,
            "DATABASE_URL": os.environ["BENCH_DATABASE_URL"],
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LOG_LEVEL": "WARNING",
            "DATA_ROOT": str(DATA_ROOT),
        }

    def start(self) -> None:
        bundle = self.code / "static" / "build" / "h5web.js"
        if not bundle.exists():  # as `make install` builds it
            built = subprocess.run(
                ["npx", "--no-install", "esbuild", "static/src/h5web/index.jsx", "--bundle",
                 "--minify", "--jsx=automatic", "--target=es2020",
                 "--define:process.env.NODE_ENV=\"production\"", "--log-level=warning",
                 f"--outfile={bundle}"],
                cwd=self.code, capture_output=True,
            )  # fmt: skip
            if built.returncode:
                # Pages only name the bundle (the browser loads it), so an empty one costs the
                # server the same; without it the manifest storage would fail the dataset page.
                print("esbuild unavailable: empty h5web.js and .css stand in", flush=True)
                bundle.parent.mkdir(parents=True, exist_ok=True)
                bundle.write_text("")
                bundle.with_suffix(".css").write_text("")
        if self.collect:  # minutes on a busy machine: whitenoise compresses every file
            print("collectstatic ...", flush=True)
            subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                cwd=self.code, env=self.env, check=True,
            )  # fmt: skip
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "portal.wsgi", "--workers", str(self.workers),
             "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning", "--timeout", "120"],
            cwd=self.code, env=self.env,
        )  # fmt: skip
        # Three workers importing Django take seconds, or minutes on a machine shared with tests.
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                self.get("/login/")
                if len(self.worker_pids()) >= self.workers:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise SystemExit("gunicorn did not answer within 300 s")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)

    def get(self, path: str, cookie: str = "", htmx: bool = False) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": cookie} if cookie else {}
        if htmx:
            headers["HX-Request"] = "true"
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read().decode(errors="replace")

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        return [int(pid) for pid in children.split()]


def db_size() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        return cursor.fetchone()[0]


def backend_pids() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


def cpu_ticks(pids) -> dict[int, int]:
    ticks = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited
        ticks[pid] = int(fields[11]) + int(fields[12])  # utime, stime
    return ticks


def used_ms(before: dict[int, int], after: dict[int, int]) -> float:
    # A process new in `after` started during the case: all of its time is the case's.
    return sum(t - before.get(pid, 0) for pid, t in after.items()) * TICK_MS


def wrk(port: int, path: str, seconds: float, cookie: str, htmx: bool, script: str):
    out = subprocess.run(
        ["wrk", "-t", str(THREADS), "-c", str(CONNECTIONS), "-d", f"{seconds:.0f}s",
         "--timeout", "30s", "-s", script, f"http://127.0.0.1:{port}{path}"],
        env={**os.environ, "BENCH_COOKIE": cookie, "BENCH_HX": "1" if htmx else ""},
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    match = re.search(r"^BENCH (\d+) (\d+) ([\d.]+) ([\d.]+) (\d+)$", out, re.M)
    requests, duration_us, p50_us, p99_us, errors = match.groups()
    return (
        int(requests),
        int(duration_us) / 1e6,
        float(p50_us) / 1000,
        float(p99_us) / 1000,
        int(errors),
    )


def run_case(server: Server, path: str, cookie: str, htmx: bool, script: str) -> dict:
    started = time.perf_counter()
    status, _ = server.get(path, cookie, htmx)  # the URL's first request since gunicorn started
    first_ms = (time.perf_counter() - started) * 1000
    if status != 200:
        raise SystemExit(f"{path}: HTTP {status} (expected 200)")
    # Warm-up: fills caches and opens every worker's database connection, and sizes the run.
    warm, warm_s, *_ = wrk(server.port, path, 2, cookie, htmx, script)
    seconds = min(120, max(5, 1.5 * MIN_REQUESTS * warm_s / max(warm, 1)))
    while True:
        web_pids, pg_pids = set(server.worker_pids()), set(backend_pids())
        before = cpu_ticks(web_pids | pg_pids)
        requests, duration, p50, p99, errors = wrk(server.port, path, seconds, cookie, htmx, script)
        web_pids |= set(server.worker_pids())
        pg_pids |= set(backend_pids())
        after = cpu_ticks(web_pids | pg_pids)
        if requests >= MIN_REQUESTS or seconds >= 120:
            break
        seconds = min(120, seconds * 2)
    web = used_ms(before, {p: t for p, t in after.items() if p in web_pids})
    pg = used_ms(before, {p: t for p, t in after.items() if p in pg_pids})
    return {
        "requests": requests,
        "rps": requests / duration,
        "p50": p50,
        "p99": p99,
        "errors": errors,
        "web_ms": web / requests,
        "db_ms": pg / requests,
        "cpu_ms": (web + pg) / requests,
        "first_ms": first_ms,
    }


def zip_bench(args: argparse.Namespace, code: Path) -> None:
    from catalogue.models import Investigation
    from portal.models import User

    investigation = Investigation.objects.get(name="BENCH-BIG")
    dataset, file_ids = zip_case.prepare(investigation, DATA_ROOT, files=48, mib=16)
    cookie = session_cookie(User.objects.get(username="bench-member"))
    server = Server(args.port, args.workers, collect=not args.no_collectstatic, code=code)
    server.start()
    try:
        result = zip_case.run(server.port, dataset, file_ids, cookie)
    finally:
        server.stop()
    report.save({"scale": "zip", "label": args.label or "after", **result})


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=SCALES, default="full")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--no-collectstatic", action="store_true", help="static files are collected already"
    )
    parser.add_argument("--load-only", action="store_true", help="load the data, measure nothing")
    parser.add_argument(
        "--code", type=Path, default=ROOT, help="run gunicorn from this checkout (e.g. the before)"
    )
    parser.add_argument("--label", help="name of the saved results (default: after, or before)")
    parser.add_argument(
        "--compare", metavar="A,B", help="print B/A per case from saved results, measure nothing"
    )
    parser.add_argument(
        "--zip", action="store_true", help="zip over HTTP against the same files one by one"
    )
    parser.add_argument(
        "--explain", action="store_true", help="rows read by the list pages' main queries"
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.compare:
        report.compare(*args.compare.split(","))
        return
    if connection.vendor != "postgresql":
        sys.exit("The benchmark needs PostgreSQL (BENCH_DATABASE_URL).")
    scale, files_per_dataset, events = SCALES[args.scale]
    started = time.perf_counter()
    ensure_data(scale, files_per_dataset, events, load=not args.explain)
    if args.load_only:
        print(f"Loaded in {time.perf_counter() - started:.0f} s; database size {db_size()}.")
        return
    todo = cases()
    if args.explain:
        report.explain(args.scale, todo)
        return
    code = args.code.resolve()
    label = args.label or ("after" if code == ROOT else "before")
    if args.zip:
        zip_bench(args, code)
        return
    server = Server(args.port, args.workers, collect=not args.no_collectstatic, code=code)
    server.start()
    try:
        _, login_html = server.get("/login/")
        static = re.search(r'(/static/[^"\']+\.css)', login_html).group(1)
        todo[0] = (todo[0][0], static, "", False)
        todo = [
            (name, follow(server, path[1], cookie, path[2]) if isinstance(path, tuple) else path,
             cookie, htmx)
            for name, path, cookie, htmx in todo
        ]  # fmt: skip
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(WRK_SCRIPT)
        run = {
            "scale": args.scale,
            "label": label,
            "code": str(code),
            "commit": report.commit_of(code),
            "workers": args.workers,
            "load_before": os.getloadavg()[0],
            "cases": [],
        }
        print(
            f"\n{args.scale} scale, {label} ({run['commit']}), gunicorn {args.workers} sync "
            f"workers, wrk {THREADS} threads {CONNECTIONS} connections; load average "
            f"{run['load_before']:.1f} on {os.cpu_count()} cores\n"
        )
        report.header()
        for name, path, cookie, htmx in todo:
            if path is None:
                print(f"{name:34} not measured: a page on the way took over 60 s", flush=True)
                run["cases"].append({"case": name, "path": None, "skipped": True})
                continue
            measured = run_case(server, path, cookie, htmx, script.name)
            result = {"case": name, "path": path, **measured}
            result["load"] = os.getloadavg()[0]
            run["cases"].append(result)
            report.row(result, run["cases"])
        os.unlink(script.name)
    finally:
        server.stop()
    run["load_after"] = os.getloadavg()[0]
    saved = report.save(run)
    print(
        f"\nCPU = utime+stime of the gunicorn workers (web) and this database's PostgreSQL "
        f"backends (pg) over the run, per request; /proc ticks are {TICK_MS:.0f} ms. "
        "Targets (issue 22): every page <= 2.5 x trivial, p99 <= 150 ms, live poll <= 2 x static."
        f"\nSaved to {saved}; compare runs with --compare {args.scale}-before,{saved.stem}."
    )


if __name__ == "__main__":
    main()
