"""The DRF base of ICAT+ routes that take an API key in the path (`/dataacquisition/{apiKey}/...`):
the same key check, the same per-key rate and the same answers as the function routes of
`logbook.icatplus`, on top of `portal.icatplus.IcatPlusView` (ICAT+'s error body, no caching).

The key is no user: `request.user` is anonymous and `request.auth` the `ApiKey`, so whatever such
a route answers comes from the `catalogue.access.api_key_*` policy, never from a user's rights.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from rest_framework import exceptions, permissions
from rest_framework.authentication import BaseAuthentication

from portal.icatplus import IcatPlusView
from portal.throttles import KeyedRateThrottle

from .icatplus import ApiError, authenticate
from .models import ApiKey


class ApiKeyAuthentication(BaseAuthentication):
    """The key named by the URL keyword `api_key`: unknown 401, revoked 403 (as ICAT+)."""

    def authenticate(self, request):
        kwargs = (request.parser_context or {}).get("kwargs") or {}
        try:
            key = authenticate(kwargs.get("api_key", ""))
        except ApiError as error:
            if error.status == 401:
                raise exceptions.AuthenticationFailed(error.message) from None
            raise exceptions.PermissionDenied(error.message) from None
        return AnonymousUser(), key

    # A scheme keeps an unknown key a 401: DRF turns 401s without one into 403s.
    def authenticate_header(self, request) -> str:
        return "ApiKey"


class HasApiKey(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, ApiKey)


class IcatPlusApiKeyView(IcatPlusView):
    """An ICAT+ route of beamline software; `request.auth` is its `ApiKey`."""

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasApiKey]
    throttle_classes: list = []  # the "apikey" rate, counted in perform_authentication

    def perform_authentication(self, request) -> None:
        # Counted per key before the key is looked up, so guessing keys is limited too; the same
        # counter as the function routes' (`portal.throttles.throttled`).
        throttle = KeyedRateThrottle(scope="apikey", ident=self.kwargs.get("api_key", ""))
        if not throttle.allow_request(request, self):
            self.throttled(request, throttle.wait())
        super().perform_authentication(request)
