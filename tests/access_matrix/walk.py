"""Walking the URLconf: every pattern, filled with an object in a given state or a nonexistent
one, requested as a role; the answer reduced to what a user would notice."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from .world import (
    NONEXISTENT_DOI,
    NONEXISTENT_EVENT,
    NONEXISTENT_PK,
    NONEXISTENT_UUID,
    World,
)

# What an answer means to the person who gets it.
OK = "ok"  # 2xx, or a form/field error (400, 409, 413)
REDIRECT = "redirect"  # sent elsewhere than the login page (after a POST, or back with a reason)
LOGIN = "login"  # sent to the login page, or 401
FORBIDDEN = "forbidden"  # 403: the object exists and the user knows it
HIDDEN = "hidden"  # 404
METHOD = "method"  # 405
ERROR = "error"  # 5xx or an exception: always wrong

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Pattern:
    name: str
    route: str


def url_patterns() -> list[Pattern]:
    """Every named and unnamed pattern of the project, with its namespaced name."""

    def walk(resolver, prefix: str, namespace: str | None):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = namespace
                if entry.namespace:
                    inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                yield from walk(entry, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                name = entry.name or f"<unnamed {prefix}{entry.pattern}>"
                yield Pattern(
                    f"{namespace}:{name}" if namespace else name, prefix + str(entry.pattern)
                )

    return list(walk(get_resolver(), "", None))


def classify(response) -> str:
    status = response.status_code
    if status in (301, 302, 303):
        location = response.headers.get("Location", "")
        login = [reverse("portal:login"), reverse("admin:login"), "/safety/login/"]
        return LOGIN if any(location.startswith(url) for url in login) else REDIRECT
    if response.headers.get("HX-Redirect"):
        return REDIRECT
    if status == 401:
        return LOGIN
    if status == 403:
        return FORBIDDEN
    if status == 404:
        return HIDDEN
    if status == 405:
        return METHOD
    if status >= 500:
        return ERROR
    return OK


def send(client: Client, method: str, path: str, *, hx: bool, json: bool, body: str = "{}"):
    """One request inside a savepoint that is rolled back, so no cell changes the world (nor
    the client's cookies: a logout must not log the role out for the next cell)."""
    extra = {"HTTP_HX_REQUEST": "true"} if hx else {}
    cookies = copy.deepcopy(client.cookies)
    sid = transaction.savepoint()
    try:
        if method == "GET":
            return client.get(path, **extra)
        if json:
            return client.generic(method, path, body, content_type="application/json", **extra)
        return client.generic(
            method, path, "", content_type="application/x-www-form-urlencoded", **extra
        )
    finally:
        transaction.savepoint_rollback(sid)
        client.cookies = cookies


def normalise(body: bytes, *values: str) -> bytes:
    """The body with what legitimately differs between two ids taken out: the ids themselves
    (in `next=` links) and per-request tokens."""
    for value in values:
        if value:
            body = body.replace(str(value).encode(), b"<ID>")
    body = re.sub(rb'csrfmiddlewaretoken" value="[^"]+"', b"csrf", body)
    body = re.sub(rb'"X-CSRFToken": "[^"]+"', b"csrf", body)
    body = re.sub(rb"nonce-[A-Za-z0-9+/=]+|nonce=\"[^\"]+\"", b"nonce", body)
    return body


def clients(world: World) -> dict[str, Client]:
    by_role = {}
    for role in ["anonymous", *world.users]:
        client = Client()
        if role != "anonymous":
            client.force_login(world.users[role])
        by_role[role] = client
    return by_role


def build_path(pattern: Pattern, kwargs: dict) -> str:
    """The path of a named pattern with these values (its own defaults, like `kind`, implied)."""
    if pattern.name.startswith("<unnamed"):
        return expand(pattern.route, kwargs)
    if "P<fmt>" in pattern.route:
        kwargs = {"fmt": "bib", **kwargs}
    params = re.findall(r"[<:](\w+)>", pattern.route)
    if len(params) == 1 and list(kwargs) == ["pk"] and params != ["pk"]:
        kwargs = {params[0]: kwargs["pk"]}  # parcels/<parcel_pk>/..., doi/pick/<dataset_pk>/
    return reverse(
        pattern.name,
        kwargs={k: v for k, v in kwargs.items() if re.search(rf"[<:]{k}>", pattern.route)},
    )


def expand(route: str, kwargs: dict) -> str:
    """Fill a route of path converters with values."""
    path = route
    for key, value in kwargs.items():
        path = re.sub(rf"<(?:\w+:)?{key}>", str(value), path)
        path = re.sub(rf"\(\?P<{key}>[^)]*\)", str(value), path)
    path = path.lstrip("^").rstrip("$").replace("\\.", ".")
    return "/" + path


# Ids of things that do not exist, by path parameter.
def nonexistent(kwargs: dict) -> dict:
    missing = {}
    for key, value in kwargs.items():
        if key in ("uuid",) or (key == "pk" and "-" in str(value)):
            missing[key] = NONEXISTENT_UUID
        elif key == "event_id":
            missing[key] = NONEXISTENT_EVENT
        elif key == "prefix":
            missing[key] = NONEXISTENT_DOI[0]
        elif key == "suffix":
            missing[key] = NONEXISTENT_DOI[1]
        elif key in ("name", "instrument_name"):
            missing[key] = "NOSUCHBEAMLINE"
        elif key == "investigation_name":
            missing[key] = "ZZ-0000"
        elif key in ("api_key", "fmt"):
            missing[key] = value
        else:
            missing[key] = NONEXISTENT_PK
    return missing


def data_root() -> str:
    return str(settings.DATA_ROOT)
