"""The label PDF carries the parcel's data, readable by a machine (its text extracted)."""

from __future__ import annotations

import io

from django.urls import reverse
from pypdf import PdfReader

from catalogue.models import Role
from tests import factories


def _text(response) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages]


def test_label_has_proposal_beamline_contact_addresses_storage_and_content(
    client, team, parcel
) -> None:
    team.local_contact.full_name = "Petr Novák"
    team.local_contact.save()
    client.force_login(team.participant)
    response = client.get(reverse("shipments:parcel-label", args=[parcel.pk]))
    assert response["Content-Type"] == "application/pdf"
    label, contents = _text(response)
    investigation = team.investigation
    for expected in (
        parcel.code,
        parcel.name,
        investigation.name,
        investigation.visit_id,
        investigation.instrument.name,
        "Petr Novák",
        "Liquid nitrogen dewar",
        "Institut de Biologie Structurale",
        "38000 Grenoble",
    ):
        assert expected in label, expected
    assert "DANGEROUS GOODS" not in label
    for expected in ("Puck A", "1. Sample lysozyme-1", "3. Sample lysozyme-3"):
        assert expected in contents, expected


def test_label_of_dangerous_goods_says_so(client, team, parcel) -> None:
    parcel.is_dangerous = True
    parcel.dangerous_goods = "Sodium azide 0.02%"
    parcel.save()
    client.force_login(team.participant)
    label = _text(client.get(reverse("shipments:parcel-label", args=[parcel.pk])))[0]
    assert "DANGEROUS GOODS" in label and "Sodium azide 0.02%" in label


def test_outsider_gets_404_for_the_label(client, team, parcel) -> None:
    client.force_login(factories.UserFactory())
    assert client.get(reverse("shipments:parcel-label", args=[parcel.pk])).status_code == 404
    assert Role.LOCAL_CONTACT  # the team fixture has one of every role
