"""Request rates counted per an identity the caller names (an ICAT+ API key), with DRF's
throttle code and the scopes of REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], so every rate is set in
one place and counted the same way (a sliding window in the shared cache); and the 429 answer of
the views outside DRF (the login page's pause).
"""

from __future__ import annotations

import hashlib
import math

from django.http import JsonResponse
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
