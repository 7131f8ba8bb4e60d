"""Building blocks of the ICAT+ routes that take a session (`/icatplus/...`), whichever app serves
them: authentication by ICAT+ session id, and a DRF base view answering in ICAT+'s error shape.

ICAT+ names the caller's session in the path (`/session/{sessionId}`,
`/catalogue/{sessionId}/investigation`), on a few routes in the query string (`?sessionId=`), and
on its newest as a bearer token. A route takes it as the URL keyword `session_id`; an unknown,
expired or revoked id, and a deactivated user's, all get the same 403 (ICAT's answer to a
session it does not know).
"""

from __future__ import annotations

import re

from django.utils.cache import add_never_cache_headers
from rest_framework import exceptions, permissions
from rest_framework.authentication import BaseAuthentication
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.settings import api_settings
from rest_framework.views import APIView, exception_handler

from .models import IcatPlusSession
from .schema import IcatPlusAutoSchema

SESSION_NOT_FOUND = "Session not found or expired"


class IcatPlusSessionAuthentication(BaseAuthentication):
    """The user of the ICAT+ session the request names; `request.auth` is the session."""

    def authenticate(self, request):
        raw = session_id_of(request)
        if raw is None:
            return None
        session = IcatPlusSession.objects.find(raw)
        if session is None:
            raise exceptions.AuthenticationFailed(SESSION_NOT_FOUND)
        return session.user, session

    # No WWW-Authenticate scheme: DRF then answers a refused session 403, as ICAT does.
    def authenticate_header(self, request) -> None:
        return None


def validated(serializer_class, data, **kwargs):
    """`serializer_class` over `data` (a body or the query parameters), checked: a refusal is
    raised, and answered as ICAT+'s 400 naming the first refused field."""
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer


def session_id_of(request) -> str | None:
    """The session id in the path, else `?sessionId=`, else `Authorization: Bearer <id>`, which
    ICAT+'s newer routes (`/ids/data/download`, `/catalogue/datasets`) take instead."""
    kwargs = (request.parser_context or {}).get("kwargs") or {}
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    bearer = token.strip() if scheme.lower() == "bearer" else ""
    return kwargs.get("session_id") or request.query_params.get("sessionId") or bearer or None


def icatplus_exception_handler(exc, context):
    """DRF's answer to an exception, with ICAT+'s body: `{"message": ...}`, and for refused
    input the first refused field as well (like the API-key routes)."""
    response = exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError) and isinstance(data, dict):
        where, message = _first_error(data)
        field = re.split(r"[.\[]", where)[0]
        response.data = {"message": f"{where}: {message}", "field": field}
    elif isinstance(exc, exceptions.ParseError):
        response.data = {"message": f"body: {data['detail']}", "field": "body"}
    elif isinstance(data, dict) and "detail" in data:
        response.data = {"message": str(data["detail"])}
    else:  # a validation error not tied to a field: a list of messages
        response.data = {"message": str(data[0] if isinstance(data, list) and data else data)}
    return response


def _first_error(errors, where: str = "") -> tuple[str, str]:
    """The first refusal in DRF's nested errors and where it is, as one line a person reads:
    `content[1].format`, not a dict of lists of dicts."""
    if isinstance(errors, dict):
        for key, value in errors.items():
            if key == api_settings.NON_FIELD_ERRORS_KEY:
                inner = where  # the field's own refusal (a list where an object was wanted...)
            elif isinstance(key, int):
                inner = f"{where}[{key}]"
            else:
                inner = f"{where}.{key}" if where else str(key)
            found = _first_error(value, inner)
            if found[1]:
                return found
    elif isinstance(errors, list):
        for index, value in enumerate(errors):
            # A list of messages belongs to the field; a list of items' errors is indexed.
            found = _first_error(value, f"{where}[{index}]" if isinstance(value, dict) else where)
            if found[1]:
                return found
    elif errors:
        return where, str(errors)
    return where, ""


class JsonWhateverAccepted(DefaultContentNegotiation):
    """ICAT+ answers JSON whatever `Accept` says; its clients send `Accept: text/plain` on
    routes whose answer they ignore (refresh, logout), which must not make them a 406."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class IcatPlusView(APIView):
    """A route of ICAT+ taking a session: the caller is the session's user, throttled per user
    by the project's DRF throttles, and nothing it answers may be kept by any cache. Every
    subclass is in /api/schema/, tagged with its ICAT+ group (`schema.IcatPlusAutoSchema`)."""

    authentication_classes = [IcatPlusSessionAuthentication]
    permission_classes = [permissions.IsAuthenticated]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JsonWhateverAccepted
    schema = IcatPlusAutoSchema()

    def get_exception_handler(self):
        return icatplus_exception_handler

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response
