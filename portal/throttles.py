"""Request rates for plain Django views (e.g. the ICAT+ routes), counted by DRF's throttle code.

DRF views get their throttles from REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]; views outside DRF
use `throttled` with one of the scopes of REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], so every rate
is set in one place and counted the same way (a sliding window in the shared cache).
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class KeyedRateThrottle(SimpleRateThrottle):
    """A scope's rate for one identity the caller names, e.g. an API key."""

    def __init__(self, *, scope: str, ident: str) -> None:
        self.scope = scope
        # Hashed: a raw API key must not become a cache key that anyone with the cache can read.
        self.ident = hashlib.sha256(ident.encode()).hexdigest()
        super().__init__()

    def get_rate(self) -> str | None:
        # The live setting, not DRF's copy taken at import (which ignores settings overrides).
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.ident}


def too_many_requests(wait: float | None) -> JsonResponse:
    """The answer over a rate: 429, JSON like the API's, and when to come back."""
    seconds = max(1, math.ceil(wait or 1))
    response = JsonResponse(
        {"message": f"Too many requests; try again in {seconds} seconds"}, status=429
    )
    response["Retry-After"] = str(seconds)
    return response


def throttled(scope: str, *, ident: Callable[..., str]) -> Callable:
    """Limit a view to the `scope` rate per `ident(request, *args, **kwargs)`.

    E.g. `@throttled("apikey", ident=lambda request, api_key, **kwargs: api_key)` (the DRF ICAT+
    API-key routes count the same scope with `KeyedRateThrottle` directly).
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            throttle = KeyedRateThrottle(scope=scope, ident=ident(request, *args, **kwargs))
            if not throttle.allow_request(request, None):
                return too_many_requests(throttle.wait())
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
