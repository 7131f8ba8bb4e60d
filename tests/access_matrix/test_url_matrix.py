"""Every URL pattern x every method it accepts x every role x every state of the object it names,
with and without HX-Request, against one declared table (table.py).

For each cell: no 5xx; the answer is the one the table declares; a user who may not see the
object gets exactly the answer of a nonexistent id (status and body) and no body carries the
object's secret names. A pattern without a row fails, so no new view escapes the matrix."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from .kinds import STATES_OF, fill, markers
from .table import ADMIN_PREFIXES, KIND, RULES, TEAM_STAFF, visible_to
from .walk import (
    ERROR,
    LOGIN,
    METHOD,
    METHODS,
    build_path,
    classify,
    clients,
    expand,
    nonexistent,
    normalise,
    send,
    url_patterns,
)
from .world import ROLES

pytestmark = pytest.mark.django_db

PATTERNS = {p.name: p for p in url_patterns()}
USER_PATTERNS = sorted(n for n in PATTERNS if not n.startswith(("admin:", "safety:", "icatplus")))
ADMIN_PATTERNS = sorted(n for n in PATTERNS if n.startswith(tuple(ADMIN_PREFIXES)))
SHIPPING_KINDS = {"shipment", "parcel", "item", "container", "container_position"}
CELLS = {"count": 0}


def test_every_url_pattern_has_a_row() -> None:
    missing = [n for n in PATTERNS if not n.startswith(tuple(ADMIN_PREFIXES))]
    missing = [n for n in missing if n not in KIND or n not in RULES]
    assert missing == [], f"URL patterns missing from tests/access_matrix/table.py: {missing}"
    assert set(KIND) <= set(PATTERNS), set(KIND) - set(PATTERNS)


def _secrets(kind: str, state: str, role: str, world) -> list[str]:
    """What this role must never read in the answer: everything of an experiment it is not in
    the team of, except what its job or the object's release shows."""
    if role in TEAM_STAFF or state in ("released", "session-released", "findable"):
        return []
    secrets = markers(kind, world, state)
    if role in visible_to(kind, state) and kind not in SHIPPING_KINDS and kind != "doi":
        return []  # released, or the role's own object
    if state == "doi_released":
        secrets = [m for m in secrets if "dataset" not in m and "file" not in m]
        secrets = [m for m in secrets if "sample" not in m]  # the released dataset's sample
    if kind in SHIPPING_KINDS and role == "safety":
        secrets = [m for m in secrets if "sample" not in m]  # safety checks the samples
    return secrets


def _check_cell(world, by_role, name, kind, state, method, rule, role, hx, failures) -> None:
    pattern = PATTERNS[name]
    kwargs = fill(kind, world, state)
    path = build_path(pattern, kwargs)
    json = name.startswith("api")
    client = by_role[role]
    label = f"{method} {path} [{state}] as {role}{' (HX)' if hx else ''}"
    CELLS["count"] += 1
    try:
        response = send(client, method, path, hx=hx, json=json)
    except Exception as exc:  # the cell's finding, reported with the others
        failures.append(f"{label}: raised {type(exc).__name__}: {exc}")
        return
    got = classify(response)
    visible = role in visible_to(kind, state)
    expected = rule.expected(role, visible)
    if got == ERROR or got not in expected:
        failures.append(f"{label}: {response.status_code} ({got}), expected {sorted(expected)}")
    body = response.content if not response.streaming else b""
    if role != "anonymous" and response.status_code == 200:
        if "private" not in response.headers.get("Cache-Control", ""):
            failures.append(f"{label}: 200 without Cache-Control: private")
    for secret in _secrets(kind, state, role, world):
        if secret.encode() in body:
            failures.append(f"{label}: the body shows {secret!r}")
    if not visible and kwargs:
        missing = build_path(pattern, nonexistent(kwargs))
        twin = send(client, method, missing, hx=hx, json=json)
        values = [path, missing, quote(path, safe=""), quote(missing, safe="")]
        same = twin.status_code == response.status_code and normalise(body, *values) == normalise(
            twin.content if not twin.streaming else b"", *values
        )
        if not same:
            failures.append(
                f"{label}: answers {response.status_code} where a nonexistent id answers "
                f"{twin.status_code} (or the bodies differ)"
            )


@pytest.mark.parametrize("name", USER_PATTERNS)
def test_url_matrix(in_world, name: str) -> None:
    world = in_world
    by_role = clients(world)
    kind, rules = KIND[name], RULES[name]
    failures: list[str] = []
    for state in STATES_OF[kind]:
        for method, rule in rules.items():
            for role in ROLES:
                for hx in (False, True):
                    _check_cell(world, by_role, name, kind, state, method, rule, role, hx, failures)
    undeclared = [m for m in METHODS if m not in rules]
    if undeclared:
        state = STATES_OF[kind][0]
        role = "staff" if "staff" in visible_to(kind, state) else sorted(visible_to(kind, state))[0]
        path = build_path(PATTERNS[name], fill(kind, world, state))
        response = send(by_role[role], undeclared[0], path, hx=False, json=name.startswith("api"))
        if classify(response) != METHOD:
            failures.append(f"{undeclared[0]} {path} as {role}: {response.status_code}, not 405")
    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize("name", ADMIN_PATTERNS)
def test_admin_sites_are_for_their_team_only(in_world, name: str) -> None:
    world = in_world
    by_role = clients(world)
    route = PATTERNS[name].route
    allowed = next(who for prefix, who in ADMIN_PREFIXES.items() if name.startswith(prefix))
    path = expand(route, {"object_id": 987654321, "id": 987654321, "content_type_id": 1})
    failures = []
    for role in ROLES:
        CELLS["count"] += 1
        response = send(by_role[role], "GET", path, hx=False, json=False)
        got = classify(response)
        if got == ERROR:
            failures.append(f"GET {path} as {role}: {response.status_code}")
        elif role not in allowed and "login" not in name and "logout" not in name:
            if got != LOGIN and response.status_code != 404:
                failures.append(f"GET {path} as {role}: {response.status_code}, not the login page")
    assert failures == [], "\n".join(failures)
