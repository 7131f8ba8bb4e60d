"""Two people edit one parcel at once: the second save is refused with 409, names who changed it
and when, and keeps what was typed; nothing is overwritten."""

from __future__ import annotations

from django.urls import reverse


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
