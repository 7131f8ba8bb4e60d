"""The DRF base of ICAT+ routes that take an API key in the path (`/dataacquisition/{apiKey}/...`,
`/logbook/{apiKey}/...`), on top of `portal.icatplus.IcatPlusView` (ICAT+'s error body, no
caching, in /api/schema/). The key in the path is the only credential: unknown keys get 401,
revoked ones 403, and nothing is stored; every key is limited to the "apikey" rate.

The key is no user: `request.user` is anonymous and `request.auth` the `ApiKey`, so whatever such
a route answers comes from the `catalogue.access.api_key_*` policy, never from a user's rights.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from rest_framework import exceptions, permissions
from rest_framework.authentication import BaseAuthentication
from rest_framework.response import Response

from portal.icatplus import IcatPlusView
from portal.throttles import KeyedRateThrottle

from .models import ApiKey, hash_key
from .services import EventInvalid


class ApiError(Exception):
    """A refusal in ICAT+'s shape: `{"message": ..., "field": ...}` with its status."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.field = status, message, field

    def response(self) -> Response:
        body = {"message": self.message}
        if self.field:
            body["field"] = self.field
        return Response(body, status=self.status)


def authenticate(raw: str) -> ApiKey:
    key = ApiKey.objects.select_related("instrument").filter(key_hash=hash_key(raw or "")).first()
    if key is None:
        raise ApiError(401, "Unknown API key")
    if not key.is_active:
        raise ApiError(403, "This API key has been revoked")
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key


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
    """An ICAT+ route of beamline software; `request.auth` is its `ApiKey`. An `ApiError` or a
    refused event (`EventInvalid`) raised by the handler becomes its JSON answer."""

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasApiKey]
    throttle_classes: list = []  # the "apikey" rate, counted in perform_authentication

    def perform_authentication(self, request) -> None:
        # Counted per key before the key is looked up, so guessing keys is limited too.
        throttle = KeyedRateThrottle(scope="apikey", ident=self.kwargs.get("api_key", ""))
        if not throttle.allow_request(request, self):
            self.throttled(request, throttle.wait())
        super().perform_authentication(request)

    def handle_exception(self, exc):
        if isinstance(exc, EventInvalid):
            exc = ApiError(400, f"{exc.field} {exc.message}", exc.field)
        if isinstance(exc, ApiError):
            return exc.response()
        return super().handle_exception(exc)
