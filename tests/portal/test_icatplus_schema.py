"""The ICAT+ routes in /api/schema/: every answered operation of `icat-plus-client` that a DRF
view serves is there, under the client's own operation name, tagged with the client's group, and
with ICAT+'s error body `{"message"}` for its refusals (what they return on success is the
client's models, checked by the contract tests through the client)."""

from __future__ import annotations

import re

import pytest
from django.urls import resolve
from rest_framework.test import APIClient

from portal.icatplus import IcatPlusView
from tests.test_icatplus_coverage import IMPLEMENTED, PREFIX, operations

pytestmark = pytest.mark.django_db


def _shape(path: str) -> str:
    return re.sub(r"\{\w+\}", "{}", path).lower()


def test_every_icatplus_view_is_in_the_schema_with_its_group_and_error_body() -> None:
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    documented = {
        (method.upper(), _shape(path)): operation
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    }
    checked, problems = 0, []
    for op in operations():
        if (op.group, op.name) not in IMPLEMENTED:
            continue
        view = getattr(resolve(PREFIX + re.sub(r"\{\w+\}", "1", op.path)).func, "view_class", None)
        checked += 1
        if view is None or not issubclass(view, IcatPlusView):
            problems.append(f"{op.name} is not served by an IcatPlusView: not in the schema")
            continue
        entry = documented.get((op.method, _shape(PREFIX + op.path)))
        if entry is None:
            problems.append(f"{op.method} {op.path} is missing")
            continue
        if entry["operationId"] != op.name:
            problems.append(f"{op.name} is named {entry['operationId']}")
        if entry["tags"] != [f"ICAT+ {op.group}"]:
            problems.append(f"{op.name} is tagged {entry['tags']}")
        errors = {
            code: response["content"]["application/json"]["schema"]
            for code, response in entry["responses"].items()
            if code >= "400"
        }
        if "400" not in errors or any(
            body != {"$ref": "#/components/schemas/IcatPlusError"} for body in errors.values()
        ):
            problems.append(f"{op.name} answers errors as {errors}")
    assert problems == [], "\n".join(problems)
    assert checked == len(IMPLEMENTED)
    assert set(schema["components"]["schemas"]["IcatPlusError"]["required"]) == {"message"}
