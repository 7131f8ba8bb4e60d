"""h5grove's routes for one datafile, `/datafiles/<pk>/h5grove/<route>/` (catalogue/h5grove.py),
so that H5Web's `H5GroveProvider(url="/datafiles/<pk>/h5grove")` browses it. The caller is the
session's user or an API token's owner (notebooks); a hidden datafile and a nonexistent one get
the same 404, in h5grove's error shape."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from . import access
from .downloads.serving import session_or_token
from .h5grove import error_response, h5grove_response

NOT_FOUND = "File not found: no such datafile."


@cache_control(private=True)
@require_safe
@session_or_token
def h5grove(request: HttpRequest, pk: int, route: str) -> HttpResponse:
    try:
        datafile = access.get_datafile_or_404(request.user, pk)
    except Http404:
        return error_response(NOT_FOUND, 404)
    return h5grove_response(datafile=datafile, route=route, params=request.GET)
