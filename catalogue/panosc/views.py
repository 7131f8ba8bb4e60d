"""The PaNOSC search API endpoints: `GET /panosc/<Things>`, `/<Things>/count` and
`/<Things>/<pid>`, answered in JSON with Loopback's shapes (a list, `{"count": n}`, errors as
`{"error": {"statusCode", "name", "message"}}`)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from .filters import BadFilter, Filter, read_filter, read_includes, read_where
from .load import attach, render
from .query import scope_q, where_q
from .resources import DETAIL_INCLUDES, ENDPOINTS
from .schema import resource_pid_q


def _error(status: int, name: str, message: str) -> JsonResponse:
    return JsonResponse(
        {"error": {"statusCode": status, "name": name, "message": message}}, status=status
    )


def _bad(error: BadFilter) -> JsonResponse:
    return _error(400, "BadRequestError", str(error))


@require_GET
def search(request: HttpRequest, things: str) -> JsonResponse:
    try:
        query = read_filter(request.GET.get("filter"))
        return JsonResponse(_search(things, query), safe=False)
    except BadFilter as error:
        return _bad(error)


def _search(things: str, query: Filter) -> list[dict]:
    """One page over the endpoint's backends in turn (Documents: sessions, then collections)."""
    results: list[dict] = []
    skip, room = query.skip, query.limit
    for backend in ENDPOINTS[things]:
        if not room:
            break
        matching = backend.base().filter(scope_q(backend, query.scope))
        rows = list(matching.select_related(*backend.select).order_by("pk")[skip : skip + room])
        if rows:
            skip = 0
        elif skip:
            skip = max(0, skip - matching.count())
        room -= len(rows)
        attach(backend, rows, query.scope.include)
        results += [render(backend, row) for row in rows]
    return results


@require_GET
def count(request: HttpRequest, things: str) -> JsonResponse:
    try:
        where = read_where(request.GET.get("where"))
        total = sum(
            backend.base().filter(where_q(backend, where)).count() for backend in ENDPOINTS[things]
        )
    except BadFilter as error:
        return _bad(error)
    return JsonResponse({"count": total})


@require_GET
def detail(request: HttpRequest, things: str, pid: str) -> JsonResponse:
    """One public object by its pid (or local id); anything else, hidden or missing, is the same
    404."""
    try:
        query = read_filter(request.GET.get("filter"))
    except BadFilter as error:
        return _bad(error)
    includes = query.scope.include or read_includes(DETAIL_INCLUDES[things])
    if "\x00" not in pid:
        for backend in ENDPOINTS[things]:
            row = (
                backend.base()
                .filter(resource_pid_q(backend, pid))
                .select_related(*backend.select)
                .first()
            )
            if row is not None:
                try:
                    attach(backend, [row], includes)
                except BadFilter as error:
                    return _bad(error)
                return JsonResponse(render(backend, row))
    label = ENDPOINTS[things][0].label
    return _error(404, "NotFoundError", f"No such {label.lower()}")
