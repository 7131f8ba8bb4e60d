"""Two people edit one parcel at once: the second save is refused with 409, names who changed it
and when, and keeps what was typed; nothing is overwritten."""

from __future__ import annotations

from django.urls import reverse
from rest_framework.test import APIClient


def _form(parcel, **changes) -> dict:
    data = {
        "name": parcel.name,
        "description": "",
        "storage_condition": parcel.storage_condition,
        "return_instructions": parcel.return_instructions,
        "comments": "",
    }
    return {**data, **changes}


def test_stale_parcel_edit_gets_409_naming_who_changed_it(client, team, parcel) -> None:
    url = reverse("shipments:parcel-edit", args=[parcel.pk])
    client.force_login(team.participant)
    assert 'name="version" value="1"' in client.get(url).text
    client.force_login(team.collaborator)
    first = client.post(url, _form(parcel, name="Renamed by the collaborator", version=1))
    assert first.status_code == 302
    client.force_login(team.participant)
    stale = client.post(
        url, _form(parcel, name="My late rename", version=1), headers={"HX-Request": "true"}
    )
    assert stale.status_code == 409 and "<html" not in stale.text
    assert (
        f"changed by {team.collaborator.display_name} at" in stale.text and "Reload" in stale.text
    )
    assert 'value="My late rename"' in stale.text  # what was typed is still in the form
    parcel.refresh_from_db()
    assert parcel.name == "Renamed by the collaborator" and parcel.version == 2
    assert parcel.edited_by == team.collaborator
    fresh = client.post(url, _form(parcel, name="My rename, after reloading", version=2))
    assert fresh.status_code == 302
    parcel.refresh_from_db()
    assert parcel.name == "My rename, after reloading" and parcel.version == 3


def test_stale_parcel_edit_through_the_api_gets_409_and_changes_nothing(team, parcel) -> None:
    api = APIClient()
    api.force_authenticate(team.participant)
    url = f"/api/parcels/{parcel.pk}/"
    assert api.get(url).json()["version"] == 1
    first = api.patch(url, {"name": "First rename", "version": 1}, format="json")
    assert first.status_code == 200 and first.json()["version"] == 2
    stale = api.patch(url, {"name": "Late rename", "version": 1}, format="json")
    assert stale.status_code == 409
    assert (
        stale.json()
        == {
            "detail": stale.json()["detail"],
            "version": 2,
        }
        and f"changed by {team.participant.display_name} at" in stale.json()["detail"]
    )
    parcel.refresh_from_db()
    assert parcel.name == "First rename" and parcel.version == 2


def test_api_edit_without_a_version_is_applied_and_makes_the_web_form_stale(
    client, team, parcel
) -> None:
    api = APIClient()
    api.force_authenticate(team.collaborator)
    edited = api.patch(f"/api/parcels/{parcel.pk}/", {"name": "By the API"}, format="json")
    assert edited.status_code == 200 and edited.json()["version"] == 2
    client.force_login(team.participant)
    stale = client.post(
        reverse("shipments:parcel-edit", args=[parcel.pk]), _form(parcel, name="Web", version=1)
    )
    assert stale.status_code == 409
    parcel.refresh_from_db()
    assert parcel.name == "By the API" and parcel.edited_by == team.collaborator


def test_a_new_parcel_starts_at_version_one_whatever_is_sent(team, parcel) -> None:
    api = APIClient()
    api.force_authenticate(team.participant)
    created = api.post(
        "/api/parcels/",
        {
            "shipment": parcel.shipment.pk,
            "name": "Second",
            "storage_condition": "ln2",
            "version": 7,
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["version"] == 1
