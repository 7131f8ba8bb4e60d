"""API groundwork: schema and docs served offline, token and session auth, cursor pagination."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token

from tests import factories


def test_schema_is_openapi_and_docs_load_their_assets_from_this_site(client, db) -> None:
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.")
    assert "/api/investigations/" in schema.json()["paths"]

    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in docs.text
    assert "cdn" not in docs.text.lower()


def test_schema_is_made_once_per_format_and_ignores_a_made_up_version(client, db) -> None:
    yaml_first = client.get("/api/schema/")
    json_doc = client.get("/api/schema/", {"format": "json", "version": "abc"})
    yaml_again = client.get("/api/schema/", {"version": "<script>"})

    assert yaml_first["Content-Type"] == "application/vnd.oai.openapi; charset=utf-8"
    assert yaml_first.content == yaml_again.content and b"<script>" not in yaml_again.content
    assert json_doc["Content-Type"] == "application/vnd.oai.openapi+json"
    assert json_doc.json()["info"]["version"] == "1"
    assert json_doc["Content-Disposition"] == 'inline; filename="Data portal API.json"'


def test_token_auth_shows_the_members_embargoed_investigation(client, team) -> None:
    token = Token.objects.create(user=team.participant)

    anonymous = client.get("/api/investigations/")
    with_token = client.get("/api/investigations/", HTTP_AUTHORIZATION=f"Token {token.key}")

    assert [row["name"] for row in anonymous.json()["results"]] == []
    assert [row["name"] for row in with_token.json()["results"]] == [team.investigation.name]


def test_embargoed_investigation_is_404_in_the_api_for_outsiders(client, team) -> None:
    client.force_login(team.outsider)
    assert client.get(f"/api/investigations/{team.investigation.pk}/").status_code == 404
    client.force_login(team.participant)
    assert client.get(f"/api/investigations/{team.investigation.pk}/").status_code == 200


def test_lists_are_paginated_by_cursor(client, db) -> None:
    factories.InvestigationFactory.create_batch(5, released=True)

    first = client.get("/api/investigations/?page_size=2").json()
    second = client.get(first["next"]).json()

    assert "cursor=" in first["next"]
    assert len(first["results"]) == len(second["results"]) == 2
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}


@pytest.mark.parametrize(
    "url", ["/api/datasets/abc/", "/api/datasets/-1/", "/api/no-such-list/", "/icatplus/nothing"]
)
def test_api_path_that_matches_nothing_answers_the_json_404(client, db, url) -> None:
    response = client.get(url)

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_page_that_matches_nothing_is_still_the_site_404_page(client, db) -> None:
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "<html" in response.content.decode()


@pytest.mark.parametrize("url", ["/api/datasets/", "/api/samples/", "/api/datafiles/"])
def test_damaged_cursor_answers_400_naming_the_cursor(client, db, url) -> None:
    response = client.get(url, {"cursor": "abc"})

    assert response.status_code == 400
    assert response.json() == {"cursor": ["This cursor is not valid for this list."]}
