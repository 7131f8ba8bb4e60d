"""The OpenAPI schema of the JSON API (/api/schema/), as drf-spectacular builds it, plus the
error answers. Its own module: DRF imports the schema class late, while portal.api is imported
with DRF's generic views (its filter backend), before drf_spectacular.openapi can be."""

from __future__ import annotations

import re

from drf_spectacular import openapi
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions, serializers


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, for a person to read.")


# 400 bodies name the refused fields ({"title": ["..."]}, nested for lists and objects), or
# carry a "detail" when the whole request is refused (malformed JSON, control characters).
_INVALID = OpenApiResponse(
    {"type": "object", "additionalProperties": {}},
    description="Refused input: each refused field with its messages, or `detail`.",
)
_ERRORS = {
    "401": "The token or session is missing or not valid (`WWW-Authenticate` names the scheme).",
    "403": "Signed in, but not allowed to do this.",
    "404": "No such object, or not one the caller may see: the two answers are the same.",
    "413": "The request body is over the upload limit.",
    "415": "The body is in a format the API does not read (send JSON).",
    "429": "Over the request rate; `Retry-After` says when to come back.",
}


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, with the error answers every operation can give, so that the
    schema describes everything the API returns (tests/portal/test_api_schemathesis.py checks
    it): the input guard and the validators answer 400, the authentication classes 401, the
    throttles 429; 403 where a permission or CSRF check applies, 404 for paths naming an
    object, 413 and 415 for requests with a body. A view declares any other (409) with
    extend_schema, and may describe one of these more precisely the same way."""

    # drf-spectacular's step that lists one operation's responses (underscored, but the one
    # place all of them meet; the version is pinned in requirements.txt).
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, error in self._errors().items():
            responses.setdefault(
                code, self._get_response_for_code(error, code, direction=direction)
            )
        for code, declared in responses.items():
            if code >= "400" and "content" not in declared:  # declared with a description only
                body = _INVALID if code == "400" else OpenApiResponse(ErrorSerializer)
                declared["content"] = self._get_response_for_code(body, code)["content"]
        return responses

    def _errors(self) -> dict[str, OpenApiResponse]:
        codes = ["401", "429"]
        unsafe = self.method not in permissions.SAFE_METHODS
        if unsafe or not all(
            isinstance(p, permissions.AllowAny) for p in self.view.get_permissions()
        ):
            codes.append("403")
        if "{" in self.path:
            codes.append("404")
        if self.method in ("POST", "PUT", "PATCH"):
            codes += ["413", "415"]
        errors = {"400": _INVALID}
        errors.update(
            {code: OpenApiResponse(ErrorSerializer, description=_ERRORS[code]) for code in codes}
        )
        return errors


class IcatPlusErrorSerializer(serializers.Serializer):
    message = serializers.CharField(help_text="What went wrong, for a person to read.")
    field = serializers.CharField(
        required=False, help_text="With refused input: the first refused field."
    )


# The first path segment under /icatplus/ -> the ICAT+ group (`icat-plus-client`'s API class)
# where the two differ; any other segment is its group's name.
ICATPLUS_GROUPS = {
    "dataacquisition": "data_acquisition",
    "h5grove": "h5_grove",
    "samplemetadata": "sample_metadata",
}

_ICATPLUS_ERRORS = {
    "400": "Refused input: `message` says why and `field` names the first refused field.",
    "401": "An unknown API key (on the routes that take one).",
    "403": "Session not found or expired, a revoked API key, or not allowed to do this.",
    "404": "No such object, or not one the caller may see: the two answers are the same.",
    "413": "The request body is over the upload limit.",
    "415": "The body is in a format the route does not read (send JSON).",
    "429": "Over the request rate; `Retry-After` says when to come back.",
}


class IcatPlusAutoSchema(AutoSchema):
    """The ICAT+ routes (`portal.icatplus.IcatPlusView` and its subclasses), tagged with their
    ICAT+ group and answering ICAT+'s error body, `{"message": ...}`. Their credential is in
    the path (the session id or API key) or a bearer token, as ICAT+'s own OpenAPI has it; the
    shapes are `icat-plus-client`'s, which the contract tests check."""

    def get_tags(self) -> list[str]:
        segment = self.path.removeprefix("/icatplus/").split("/")[0]
        group = getattr(self.view, "icatplus_group", None) or ICATPLUS_GROUPS.get(segment, segment)
        return [f"ICAT+ {group}"]

    def get_auth(self) -> list:
        return []  # the session id or key is a path parameter (or a bearer token), not a scheme

    def get_operation_id(self) -> str:
        """The name of the operation's method in `icat-plus-client` (`session_session_id_get`)."""
        path = self.path.removeprefix("/icatplus/")
        path = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", path)  # sampleParameters: sample_parameters
        return f"{re.sub(r'[^a-z0-9]+', '_', path.lower()).strip('_')}_{self.method.lower()}"

    def _get_serializer(self):
        view = self.view
        if hasattr(view, "serializer_class") or callable(getattr(view, "get_serializer", None)):
            return super()._get_serializer()
        return None  # most ICAT+ views build their JSON from several serializers or none

    def get_request_serializer(self):
        return getattr(self.view, "request_serializer_class", None) or self._get_serializer()

    def get_response_serializers(self):
        return self._get_serializer() or {
            "200": OpenApiResponse(
                OpenApiTypes.ANY,
                description="ICAT+'s JSON answer, as `icat-plus-client`'s models describe it.",
            )
        }

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, declared in responses.items():
            if code >= "400":  # ICAT+'s body, whatever the portal's API answers
                declared["content"] = self._get_response_for_code(
                    OpenApiResponse(IcatPlusErrorSerializer), code
                )["content"]
                declared["description"] = _ICATPLUS_ERRORS.get(code, declared["description"])
        return responses

    def _errors(self) -> dict[str, OpenApiResponse]:
        errors = super()._errors()
        errors["403"] = OpenApiResponse(IcatPlusErrorSerializer)
        return errors
