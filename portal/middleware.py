"""Project-wide middleware: the input guard, and private caching of answers to signed-in callers.

The input guard is the one place where malformed requests are refused before any view runs.

A NUL byte in a path, query string or body reaches PostgreSQL as a DataError (a 500) whatever
the view does with it, and other control characters have no business in a URL or a form; so
they are refused here once, with a 400, instead of in every view. Bodies over
DATA_UPLOAD_MAX_MEMORY_SIZE (or with too many fields) are answered here too, so a beamline
client posting JSON gets a JSON 413 rather than Django's bare HTML "Bad Request (400)".
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.utils.cache import patch_cache_control

# Paths and query strings: every C0 control character and DEL.
_CONTROL_IN_URL = re.compile(r"[\x00-\x1f\x7f]")
# Bodies: the same, except tab, line feed and carriage return, which text areas send.
_CONTROL_IN_BODY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Machine clients read these prefixes: they get JSON, people get a short page.
_JSON_PREFIXES = ("/api/", "/icatplus/")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def wants_json(request: HttpRequest) -> bool:
    return request.path_info.startswith(_JSON_PREFIXES)


def _refuse(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"detail": message}, status=status)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _strings(value: Any) -> Iterable[str]:
    """Every string in decoded JSON, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _body_strings(request: HttpRequest) -> Iterable[str]:
    """The text a view may read from the body. Raises RequestDataTooBig / TooManyFieldsSent."""
    content_type = request.content_type or ""
    if content_type in _FORM_TYPES:
        # Parsed once here, then reused by CSRF and the view; uploaded files are not read.
        for key, values in request.POST.lists():
            yield key
            yield from values
        return
    if content_type.endswith("json"):
        try:
            document = json.loads(request.body)
        except ValueError:
            return  # the view answers malformed JSON in its own way
        yield from _strings(document)


class InputGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _CONTROL_IN_URL.search(request.path_info):
            return _refuse(request, "The address contains control characters.", status=400)
        for key, values in request.GET.lists():
            if any(_CONTROL_IN_URL.search(text) for text in (key, *values)):
                return _refuse(
                    request, f"The parameter {key!r} contains control characters.", status=400
                )
        try:
            if any(_CONTROL_IN_BODY.search(text) for text in _body_strings(request)):
                return _refuse(request, "The request body contains control characters.", status=400)
        except RequestDataTooBig:
            limit = filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
            return _refuse(request, f"The request body is too large (at most {limit}).", status=413)
        except (TooManyFieldsSent, TooManyFilesSent):
            return _refuse(request, "The request has too many fields or files.", status=413)
        return self.get_response(request)


def _has_cache_scope(response: HttpResponse) -> bool:
    directives = {
        part.split("=", 1)[0].strip().lower()
        for part in response.get("Cache-Control", "").split(",")
    }
    return bool(directives & {"public", "private"})


class PrivateCacheMiddleware:
    """An answer to a signed-in caller (a session, or a token in `Authorization`) carries what that
    caller may see, so it is `Cache-Control: private` unless the view chose a scope itself: no
    shared cache (a proxy, a CDN) hands one team's embargoed page to someone else. Anonymous
    answers are left to their views: released data is public by design, and views whose answer
    depends on access all the same (file downloads) mark themselves private."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = (user is not None and user.is_authenticated) or (
            "HTTP_AUTHORIZATION" in request.META
        )
        if signed_in and not _has_cache_scope(response):
            patch_cache_control(response, private=True)
        return response
