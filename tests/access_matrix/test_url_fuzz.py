"""Garbage in every query parameter and form field of every URL pattern: never a 5xx, never a
changed row.

The world, the patterns, the roles and the methods are the URL access matrix's (table.py). For
each pattern and method, the parameters a view reads are discovered by asking it: one plain
request as a role that may see the object, with request.GET, request.POST and JSON bodies
replaced by dicts that record every name looked up (so forms, filtersets, serializers and
hand-read parameters are all found, and a new one is fuzzed without anyone listing it). A few
routes get valid base values (base_values) so that garbage reaches the checks behind the first
one; names read only on paths a plain request does not take are kept in EXTRA; a pattern that
reads none gets the GENERIC names, all in one request per value.

Then each parameter gets each value of GARBAGE (JSON routes also JSON_GARBAGE), one request
each, as that role and as anonymous, inside a savepoint that is rolled back. Inside it, before
the rollback, the rows the request changed are checked: a refused request (4xx) changed none,
and an accepted one stored nothing a page could trip on (a date outside 1900-2200, a string
longer than its column, which PostgreSQL refuses with a 500 where SQLite keeps it). The row
counts of every model are compared before and after each pattern's walk as well."""

from __future__ import annotations

import base64
import copy
import json
import re
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection, models, transaction
from django.db.models.functions import Length
from django.http import QueryDict

from portal.fields import EARLIEST_DATE, LATEST_DATE

from .kinds import STATES_OF, fill
from .table import KIND, RULES, visible_to
from .walk import build_path, clients, url_patterns
from .world import BEAMLINE, World, png_bytes

pytestmark = pytest.mark.django_db

PATTERNS = {p.name: p for p in url_patterns()}
FUZZED = sorted(n for n in RULES if n in PATTERNS)

GARBAGE = [
    "9999-12-31",
    "0001-01-01",
    "1899-12-31T23:59:59",
    "2020-13-45",
    "\x00",
    "a\x01\x1b\x7fb",
    "99999999999999999999",
    "-99999999999999999999",
    "-5",
    "0",
    "1_abc",
    "x" * 10_000,
    "[]",
    "{}",
    "true",
    "abc",
]
# JSON bodies may also carry what a form cannot: other types than strings.
JSON_GARBAGE = [[], {}, ["abc", 1], {"a": {"b": None}}, 10**20, -5, 1.5, None, True]

# Names views commonly read, for a pattern where discovery finds none.
GENERIC = [
    "q",
    "page",
    "cursor",
    "after",
    "before",
    "start",
    "end",
    "day",
    "beamline",
    "technique",
    "sort",
    "tag",
    "type",
    "category",
    "parent",
    "reply",
    "investigation",
    "status",
    "week",
    "limit",
    "skip",
    "next",
]
# Names read only behind a check a plain request does not pass, by pattern.
EXTRA = {
    "icatplus-investigation": [
        "instrumentName",
        "investigationName",
        "ids",
        "time",
        "startDate",
        "endDate",
        "limit",
        "skip",
        "search",
        "sortBy",
        "sortOrder",
    ],
    "icatplus-dataset": ["investigationId", "limit", "skip", "search", "sortBy", "sortOrder"],
    "icatplus-notification": ["creationDate", "tag", "datasetId", "datasetName", "username"],
    "icatplus-logbook-event": ["creationDate", "tag", "datasetId", "datasetName", "username"],
    "icatplus-base64": ["creationDate", "tag", "investigationName", "instrumentName", "filename"],
    "icatplus-logbook-base64": ["creationDate", "tag", "filename"],
    # ICAT+ `ids` group
    "icatplus-ids-download": ["datasetIds", "datafileIds", "inline"],
    "icatplus-ids-metalink": ["datasetIds"],
    "icatplus-ids-session-download": ["datasetIds", "datafileIds", "inline"],
    "icatplus-ids-restore": ["datasetIds", "name", "email"],
    "icatplus-ids-status": ["datasetIds"],
    "icatplus-ids-path": ["datasetIds", "datafileIds", "isonline"],
    # ICAT+ `h5grove` group
    **{
        f"icatplus-h5grove-{route}": [
            "datafileId",
            "path",
            "attr_keys",
            "selection",
            "format",
            "dtype",
            "flatten",
            "resolve_links",
        ]
        for route in ("meta", "attr", "data", "stats", "paths")
    },
}

# Names a route reads on behalf of others: the schema generator walks every API view with the
# request, so it reads their filters (fuzzed on their own routes); its own are these.
ONLY = {"api-schema": ["format", "lang", "version"]}

# Statements that are the point of a request whatever it carries: the session (basket, login),
# sign-in attempts counted by django-axes, and an API key's last use.
HARMLESS_WRITES = re.compile(
    r'^(?:INSERT INTO|UPDATE|DELETE FROM) "?(?:django_session|axes_\w+)"?'
    r'|^UPDATE "?logbook_apikey"? SET "?last_used_at"? = \S+ WHERE',
    re.IGNORECASE,
)
WRITE = re.compile(r'^\s*(?:INSERT INTO|UPDATE|DELETE FROM)\s+"?(\w+)"?', re.IGNORECASE)


EVENT = {
    "type": "annotation",
    "category": "comment",
    "content": [{"format": "plainText", "text": "fuzz"}],
}


CATALOGUE_READ_BASE = {
    "icatplus-public-datasets": lambda world, inv: {"investigationIds": str(inv.pk)},
    "icatplus-dataset-documents-by-date": lambda world, inv: {
        "startDate": "2020-01-01",
        "endDate": "2030-01-01",
    },
    "icatplus-catalogue-dataset-timeline": lambda world, inv: {"investigationId": str(inv.pk)},
    "icatplus-catalogue-investigation-timeline": lambda world, inv: {"instrument": BEAMLINE},
    "icatplus-catalogue-dataset-parameter-values": lambda world, inv: {
        "investigationId": str(inv.pk)
    },
    "icatplus-catalogue-files": lambda world, inv: {"investigationId": str(inv.pk)},
    "icatplus-catalogue-files-download": lambda world, inv: {
        "sampleId": "0",
        "resourceId": str(world.states["embargoed"].attachment.uuid),
    },
}


def base_values(name: str, world: World) -> tuple[dict, dict]:
    """(query, body) that a route needs before it reads the rest."""
    investigation = world.states["embargoed"].investigation
    target = {"investigationName": investigation.name, "instrumentName": BEAMLINE}
    if name == "icatplus-dataset":
        return {"investigationId": str(investigation.pk)}, {}
    if name == "icatplus-notification":
        return {}, {**EVENT, **target}
    if name == "icatplus-logbook-event":
        return {}, dict(EVENT)
    if name in ("icatplus-base64", "icatplus-logbook-base64"):
        image = "data:image/png;base64," + base64.b64encode(png_bytes()).decode()
        return {}, {"base64": image, **(target if name == "icatplus-base64" else {})}
    if name.startswith("icatplus-ids-"):  # a session and a dataset: garbage reaches the rest
        session = {"sessionId": world.icatplus_sessions["participant"]}
        dataset = {"datasetIds": str(world.states["embargoed"].restore_dataset.pk)}
        if name in ("icatplus-ids-download", "icatplus-ids-metalink"):
            return {**session, **dataset}, {}
        return dataset, {}
    if name.startswith("icatplus-h5grove-"):  # a session and a datafile it may see
        datafile = world.states["embargoed"].datafile
        session = world.icatplus_sessions["participant"]
        return {"sessionId": session, "datafileId": str(datafile.pk)}, {}
    if name in CATALOGUE_READ_BASE:  # what each needs before it reads the rest
        return CATALOGUE_READ_BASE[name](world, investigation), {}
    if name == "icatplus-session":  # the right password: garbage elsewhere reaches the login
        return {}, {"username": world.users["participant"].username, "password": "password"}
    if name == "api-logbook-event-list":
        return {}, {"investigation": investigation.pk, "content": "fuzz"}
    if name in ("logbook:investigation-create", "logbook:beamline-create"):
        return {}, {"content": "fuzz"}
    return {}, {}


# --- discovery: dicts that remember which names were read -----------------------------------

READ: dict[str, set] = {"GET": set(), "body": set()}


class _Recording:
    where = ""

    def get(self, key, *args):
        READ[self.where].add(key)
        return super().get(key, *args)

    def __getitem__(self, key):
        READ[self.where].add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        READ[self.where].add(key)
        return super().__contains__(key)


class _RecordingQueryDict(_Recording, QueryDict):
    def getlist(self, key, *args):
        READ[self.where].add(key)
        return super().getlist(key, *args)


class _RecordingQuery(_RecordingQueryDict):
    where = "GET"


class _RecordingForm(_RecordingQueryDict):
    where = "body"


class _RecordingJson(_Recording, dict):
    where = "body"


@contextmanager
def recording(monkeypatch, body: str):
    """request.GET, request.POST (also as DRF parses them) and the JSON `body`, recording."""
    from django.core.handlers import wsgi
    from django.http import request as http_request
    from rest_framework import parsers

    for store in READ.values():
        store.clear()
    loads = json.loads

    def recording_loads(text, *args, **kwargs):
        value = loads(text, *args, **kwargs)
        if type(value) is dict and text in (body, body.encode()):  # not the session's JSON
            return _RecordingJson(value)
        return value

    with monkeypatch.context() as patch:
        patch.setattr(wsgi, "QueryDict", _RecordingQuery)
        patch.setattr(http_request, "QueryDict", _RecordingForm)
        patch.setattr(parsers, "QueryDict", _RecordingForm)
        patch.setattr(json, "loads", recording_loads)
        yield READ


# --- writes: what a request changed, seen before its savepoint is rolled back ---------------


class Writes:
    def __init__(self) -> None:
        self.tables: set[str] = set()

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        match = WRITE.match(sql)
        if match and not HARMLESS_WRITES.match(sql.lstrip()):
            if context["cursor"].rowcount != 0:
                self.tables.add(match.group(1))
        return result


def _models_of(tables: set[str]) -> list[type[models.Model]]:
    return [m for m in apps.get_models(include_auto_created=True) if m._meta.db_table in tables]


def stored_garbage(tables: set[str]) -> list[str]:
    """Values in the tables a request wrote that a page or PostgreSQL would trip on."""
    earliest = datetime.combine(EARLIEST_DATE, datetime.min.time(), tzinfo=UTC)
    after_latest = datetime(LATEST_DATE.year + 1, 1, 1, tzinfo=UTC)
    found = []
    for model in _models_of(tables):
        for field in model._meta.concrete_fields:
            rows = model._default_manager.all()
            if isinstance(field, models.DateTimeField):
                bad = rows.filter(
                    models.Q(**{f"{field.name}__lt": earliest})
                    | models.Q(**{f"{field.name}__gte": after_latest})
                )
            elif isinstance(field, models.DateField):
                bad = rows.filter(
                    models.Q(**{f"{field.name}__lt": EARLIEST_DATE})
                    | models.Q(**{f"{field.name}__gt": LATEST_DATE})
                )
            elif isinstance(field, models.CharField) and field.max_length:
                bad = rows.annotate(_length=Length(field.name)).filter(_length__gt=field.max_length)
            else:
                continue
            if bad.exists():
                found.append(f"{model._meta.label}.{field.name}")
    return found


def row_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


# --- requests ----------------------------------------------------------------------------------


def send_checked(client, method: str, path: str, *, query: dict, body: dict, json_body: bool):
    """One request in a savepoint rolled back after the write checks. Returns (response,
    problems); an exception is a problem too."""
    cookies = copy.deepcopy(client.cookies)
    writes = Writes()
    sid = transaction.savepoint()
    try:
        with connection.execute_wrapper(writes):
            if method == "GET":
                response = client.get(path, query)
            else:
                if query:
                    path = f"{path}?{_urlencode(query)}"
                if json_body:
                    data, content_type = json.dumps(body), "application/json"
                else:
                    data, content_type = _urlencode(body), "application/x-www-form-urlencoded"
                response = client.generic(method, path, data, content_type=content_type)
        problems = []
        if response.status_code >= 500:
            problems.append(f"answered {response.status_code}")
        elif writes.tables and response.status_code >= 400:
            problems.append(f"answered {response.status_code} but wrote {sorted(writes.tables)}")
        elif writes.tables and (stored := stored_garbage(writes.tables)):
            problems.append(f"answered {response.status_code} and stored garbage in {stored}")
        return response, problems
    finally:
        transaction.savepoint_rollback(sid)
        client.cookies = cookies


def _urlencode(values: dict) -> str:
    query = QueryDict(mutable=True)
    for key, value in values.items():
        query[key] = value if isinstance(value, str) else json.dumps(value)
    return query.urlencode()


def _role(name: str, kind: str, state: str) -> str:
    """A role that may see the object and, where anyone may, act on it."""
    seeing = visible_to(kind, state)
    rule = next(iter(RULES[name].values()))
    for role in ("staff", *sorted(rule.who & seeing), *sorted(seeing)):
        if role in seeing and role != "anonymous":
            return role
    return "staff"


def _state(kind: str) -> str:
    """The first state someone but anonymous may see (the hidden ones, where code is most
    careful)."""
    return next(s for s in STATES_OF[kind] if visible_to(kind, s) - {"anonymous"})


def _path(name: str, world: World, kind: str, state: str) -> str:
    kwargs = fill(kind, world, state)
    if name.startswith("icatplus"):
        kwargs["api_key"] = world.api_keys["beamline"]
    return build_path(PATTERNS[name], kwargs)


# Sent with the discovery request so that query and body are never empty: `Form(request.POST or
# None)` and django-filter read nothing from an empty one.
MARK = {"fuzz-discovery": "1"}


def discover(client, method, path, *, query, body, json_body, monkeypatch) -> dict[str, set]:
    query = {**query, **MARK}
    body = {**body, **MARK} if method != "GET" else body
    with recording(monkeypatch, json.dumps(body)) as read:
        send_checked(client, method, path, query=query, body=body, json_body=json_body)
        return {where: set(names) - set(MARK) for where, names in read.items()}


@pytest.fixture
def unthrottled(settings):
    """Thousands of requests a minute from one client: the rates are not what is tested here."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            scope: "1000000/min" for scope in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
        },
    }
    cache.clear()
    yield
    cache.clear()


CASES = {"count": 0}


def cases(name: str, method: str, found: dict, base_query: dict, base_body: dict, json_body: bool):
    """(query, body, what) of each request: one parameter set to one garbage value, the others
    at their base values; names no view reads go all at once."""
    query_names = set(ONLY.get(name, found["GET"])) | set(base_query)
    body_names = found["body"] | set(base_body) if method != "GET" else set()
    extra = set(EXTRA.get(name, ()))
    if method == "GET":
        query_names |= extra
    else:
        body_names |= extra - query_names
    base_body = base_body if method != "GET" else {}
    groups = [("query", (n,)) for n in sorted(query_names)]
    groups += [("body", (n,)) for n in sorted(body_names)]
    if not groups:
        groups = [("query" if method == "GET" else "body", tuple(GENERIC))]
    for where, names in groups:
        values = GARBAGE + (JSON_GARBAGE if json_body and where == "body" else [])
        for value in values:
            query, body = dict(base_query), dict(base_body)
            for param in names:
                (query if where == "query" else body)[param] = value
            yield query, body, f"{where} {'|'.join(names)[:60]}={_show(value)}"


@pytest.mark.parametrize("name", FUZZED)
def test_garbage_in_any_parameter_gets_4xx_and_changes_nothing(
    in_world, unthrottled, monkeypatch, name: str
) -> None:
    world = in_world
    by_role = clients(world)
    kind = KIND[name]
    state = _state(kind)
    role = _role(name, kind, state)
    path = _path(name, world, kind, state)
    json_body = name.startswith(("api", "icatplus"))
    # ICAT+ callers are their API key, whoever is signed in.
    roles = [role] if name.startswith("icatplus") else [role, "anonymous"]
    base_query, base_body = base_values(name, world)
    before = row_counts()
    failures: list[str] = []
    for method in RULES[name]:
        plain = {"query": base_query, "body": base_body if method != "GET" else {}}
        found = discover(
            by_role[role], method, path, **plain, json_body=json_body, monkeypatch=monkeypatch
        )
        for query, body, what in cases(name, method, found, base_query, base_body, json_body):
            for who in roles:
                CASES["count"] += 1
                label = f"{method} {path} as {who}: {what}"
                try:
                    _, problems = send_checked(
                        by_role[who], method, path, query=query, body=body, json_body=json_body
                    )
                except Exception as exc:  # reported with the others
                    failures.append(f"{label}: raised {type(exc).__name__}: {exc}"[:400])
                    continue
                failures += [f"{label}: {problem}" for problem in problems]
    assert row_counts() == before
    assert failures == [], f"{len(failures)} failures:\n" + "\n".join(failures[:60])


def _show(value) -> str:
    text = repr(value)
    return text if len(text) < 40 else f"{text[:20]}...({len(text)} chars)"
