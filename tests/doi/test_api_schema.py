"""The DOI API's schema (/api/schema/) describes what the DOI API really returns: every
response below is validated against the schema's response for its path and method."""

from __future__ import annotations

from urllib.parse import urlparse

import jsonschema
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from doi import services
from doi.models import DataCollection
from tests.doi.conftest import filled_collection


@pytest.fixture
def schema(db) -> dict:
    return APIClient().get(reverse("api-schema"), {"format": "json"}).json()


def _response_schema(schema: dict, path: str, method: str, status: int) -> dict:
    content = schema["paths"][path][method]["responses"][str(status)]["content"]
    return content["application/json"]["schema"]


def _as_json_schema(node, components: dict):
    """OpenAPI 3.0 -> JSON Schema for a response: $ref resolved, `nullable` as a null type,
    writeOnly properties forbidden, and no property the schema does not name."""
    if isinstance(node, list):
        return [_as_json_schema(n, components) for n in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _as_json_schema(components[node["$ref"].rsplit("/", 1)[1]], components)
    node = {k: _as_json_schema(v, components) for k, v in node.items() if k != "example"}
    if node.pop("nullable", False):
        node = {"anyOf": [node, {"type": "null"}]}
    elif "properties" in node:
        readable = {k: v for k, v in node["properties"].items() if not v.get("writeOnly")}
        node["properties"] = readable
        node["required"] = [k for k in node.get("required", []) if k in readable]
        node["additionalProperties"] = False
    return node


_formats = jsonschema.FormatChecker()


@_formats.checks("uri")
def _is_absolute_uri(value) -> bool:
    parts = urlparse(value)
    return bool(parts.scheme and parts.netloc)


def _conforms(schema: dict, path: str, method: str, response) -> None:
    described = _as_json_schema(
        _response_schema(schema, path, method, response.status_code),
        schema["components"]["schemas"],
    )
    jsonschema.validate(response.json(), described, format_checker=_formats)


def test_doi_api_responses_match_the_schema(schema, two_teams, local_provider) -> None:
    first, _ = two_teams
    api = APIClient()
    api.force_authenticate(first.participant)
    empty = services.collection_create(by=first.participant)  # no DOI, no datasets yet
    reserved = filled_collection(first.participant, [first.investigation.datasets.first()])
    services.collection_reserve(collection=reserved, by=first.participant)
    services.collection_register_draft(collection_id=reserved.pk, provider=local_provider)
    services.session_doi_register(investigation_id=first.investigation.pk, provider=local_provider)
    doi = DataCollection.objects.get(pk=reserved.pk).doi

    listed = api.get(reverse("api-doi-collection-list"))
    assert {len(c["datasets"]) for c in listed.json()["results"]} == {0, 1}
    _conforms(schema, "/api/doi-collections/", "get", listed)
    for collection in (empty, reserved):
        url = reverse("api-doi-collection-detail", args=[collection.pk])
        _conforms(schema, "/api/doi-collections/{id}/", "get", api.get(url))
        patched = api.patch(url, {"keywords": ["lysozyme"]}, format="json")
        _conforms(schema, "/api/doi-collections/{id}/", "patch", patched)
    created = api.post(reverse("api-doi-collection-list"), {"title": "T"}, format="json")
    _conforms(schema, "/api/doi-collections/", "post", created)
    _conforms(schema, "/api/dois/", "get", api.get(reverse("api-doi-list")))
    detail = api.get(reverse("api-doi-detail", args=doi.identifier.split("/")))
    _conforms(schema, "/api/dois/{prefix}/{suffix}/", "get", detail)


def test_the_schema_validator_catches_what_is_not_described(schema, two_teams) -> None:
    """The check above is only worth something if it fails on an undescribed field."""
    first, _ = two_teams
    api = APIClient()
    api.force_authenticate(first.participant)
    services.collection_create(by=first.participant)
    data = api.get(reverse("api-doi-collection-list")).json()
    data["results"][0]["surprise"] = 1
    described = _as_json_schema(
        _response_schema(schema, "/api/doi-collections/", "get", 200),
        schema["components"]["schemas"],
    )
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, described, format_checker=_formats)
