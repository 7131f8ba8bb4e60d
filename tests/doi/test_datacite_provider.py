"""The DataCite provider against the DataCite stand-in (a local HTTP server, not DataCite)."""

from __future__ import annotations

import base64

import pytest

from doi.providers import ProviderRejected, ProviderUnavailable
from tests.doi.datacite_standin import PASSWORD, REPOSITORY_ID

ATTRIBUTES = {
    "types": {"resourceTypeGeneral": "Dataset"},
    "creators": [{"name": "Dubois, Marie", "nameType": "Personal"}],
    "titles": [{"title": "Lysozyme"}],
    "publisher": {"name": "Synchrotron Light Source"},
    "publicationYear": "2026",
    "schemaVersion": "http://datacite.org/schema/kernel-4",
    "doi": "10.5072/ignored",
    "url": "https://portal.example/doi/x",
}


def test_datacite_standin_draft_with_prefix_only_gets_a_suffix_chosen_by_datacite(
    datacite, datacite_provider
) -> None:
    remote = datacite_provider.create_draft(ATTRIBUTES)

    assert remote.identifier.startswith("10.5072/") and remote.state == "draft"
    (call,) = datacite.requests
    assert call["method"] == "POST" and call["path"] == "/dois"
    assert call["content_type"] == "application/vnd.api+json"
    assert (
        call["authorization"]
        == "Basic " + base64.b64encode(f"{REPOSITORY_ID}:{PASSWORD}".encode()).decode()
    )
    sent = call["body"]["data"]
    assert sent["type"] == "dois"
    assert sent["attributes"]["prefix"] == "10.5072"
    assert "doi" not in sent["attributes"] and "url" not in sent["attributes"]
    assert "event" not in sent["attributes"]  # a draft: no publish event
    assert sent["attributes"]["titles"] == [{"title": "Lysozyme"}]


def test_datacite_standin_draft_with_our_suffix_then_publish_with_landing_url(
    datacite, datacite_provider
) -> None:
    draft = datacite_provider.create_draft(ATTRIBUTES, suffix="SLS-DC-0001")
    published = datacite_provider.publish(
        draft.identifier, ATTRIBUTES, url="https://portal.example/doi/10.5072/SLS-DC-0001"
    )

    assert draft.identifier == "10.5072/SLS-DC-0001"
    assert published.state == "findable"
    post, put = datacite.requests
    assert post["body"]["data"]["attributes"]["doi"] == "10.5072/SLS-DC-0001"
    assert put["method"] == "PUT" and put["path"] == "/dois/10.5072/SLS-DC-0001"
    assert put["body"]["data"]["id"] == "10.5072/SLS-DC-0001"
    assert put["body"]["data"]["attributes"]["event"] == "publish"
    assert (
        put["body"]["data"]["attributes"]["url"] == "https://portal.example/doi/10.5072/SLS-DC-0001"
    )


def test_datacite_standin_lookup_answers_none_for_an_unknown_doi(
    datacite, datacite_provider
) -> None:
    assert datacite_provider.lookup("10.5072/NOPE") is None
    datacite_provider.create_draft(ATTRIBUTES, suffix="THERE")
    assert datacite_provider.lookup("10.5072/THERE").state == "draft"


def test_datacite_standin_update_sends_metadata_without_an_event(
    datacite, datacite_provider
) -> None:
    datacite_provider.create_draft(ATTRIBUTES, suffix="UPD")
    datacite_provider.update("10.5072/UPD", ATTRIBUTES | {"titles": [{"title": "Corrected"}]})

    put = datacite.calls("PUT")[0]["body"]["data"]["attributes"]
    assert put["titles"] == [{"title": "Corrected"}] and "event" not in put
    assert datacite.dois["10.5072/UPD"]["titles"] == [{"title": "Corrected"}]


def test_datacite_standin_422_is_a_rejection_with_datacites_reason(
    datacite, datacite_provider
) -> None:
    datacite_provider.create_draft(ATTRIBUTES, suffix="TAKEN")

    with pytest.raises(ProviderRejected, match="doi: This DOI has already been taken") as info:
        datacite_provider.create_draft(ATTRIBUTES, suffix="TAKEN")
    assert "422" in str(info.value) and not info.value.retryable


def test_datacite_standin_publish_without_url_is_refused_with_the_field(
    datacite, datacite_provider
) -> None:
    datacite_provider.create_draft(ATTRIBUTES, suffix="NOURL")

    with pytest.raises(ProviderRejected, match="url: Can't be blank"):
        datacite_provider.publish("10.5072/NOURL", ATTRIBUTES, url="")


def test_datacite_standin_500_is_retryable(datacite, datacite_provider) -> None:
    datacite.script = [500]
    with pytest.raises(ProviderUnavailable, match="500") as info:
        datacite_provider.create_draft(ATTRIBUTES, suffix="X")
    assert info.value.retryable


def test_datacite_standin_timeout_is_retryable(datacite, datacite_provider) -> None:
    datacite.script = ["timeout"]
    with pytest.raises(ProviderUnavailable, match="did not answer within 1s"):
        datacite_provider.lookup("10.5072/SLOW")


def test_datacite_standin_unreachable_server_is_retryable(datacite_provider) -> None:
    datacite_provider.api_url = "http://127.0.0.1:9"  # discard port: nothing listens
    with pytest.raises(ProviderUnavailable, match="could not be reached"):
        datacite_provider.lookup("10.5072/X")


def test_datacite_standin_bad_credentials_are_a_rejection(datacite, datacite_provider) -> None:
    datacite_provider.session.auth = (REPOSITORY_ID, "wrong")
    with pytest.raises(ProviderRejected, match="401"):
        datacite_provider.create_draft(ATTRIBUTES)
