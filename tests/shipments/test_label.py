"""The label PDF carries the parcel's data, readable by a machine (its text extracted)."""

from __future__ import annotations

import io

from django.urls import reverse
from pypdf import PdfReader
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from catalogue.models import Role
from shipments.labels import _wrap
from tests import factories
from tests.shipments.factories import stores_user


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


TITLE = (
    "Time-resolved serial crystallography of photoactive yellow protein intermediates "
    "trapped at cryogenic temperatures after femtosecond laser excitation in microcrystals"
)


def _words(text: str) -> list[str]:
    return text.replace("\n", " ").split()


def test_label_is_addressed_to_the_facility_with_the_full_title_wrapped(
    client, team, parcel, settings
) -> None:
    settings.FACILITY_DELIVERY_ADDRESS = ["Sample stores, Building 40", "38043 Grenoble Cedex 9"]
    team.investigation.title = TITLE
    team.investigation.save()
    client.force_login(team.participant)
    label = _text(client.get(reverse("shipments:parcel-label", args=[parcel.pk])))[0]
    assert "DELIVER TO" in label and "Return to".upper() in label
    for line in settings.FACILITY_DELIVERY_ADDRESS:
        assert line in label, line
    # Every word of the title, whole: wrapped between words, never cut inside one.
    printed = _words(label)
    assert all(word in printed for word in _words(TITLE)), printed


def test_stores_label_keeps_the_title_off(client, team, parcel) -> None:
    team.investigation.title = TITLE
    team.investigation.save()
    client.force_login(stores_user())
    label = _text(client.get(reverse("shipments:parcel-label", args=[parcel.pk])))[0]
    assert "photoactive" not in label and team.investigation.name in label
    assert "38043 Grenoble Cedex 9" in label  # the embedded demo facility's address


def test_text_too_long_for_its_lines_ends_with_an_ellipsis_after_a_whole_word() -> None:
    lines = _wrap(TITLE * 3, "Helvetica", 10, 60 * mm, max_lines=3)
    assert len(lines) == 3 and lines[-1].endswith(" …")
    words = set(_words(TITLE))
    assert all(word in words for line in lines for word in line.removesuffix(" …").split())
    # A single word wider than a line (a long code) is the one thing split, to stay on the page.
    code = "X" * 120
    split = _wrap(f"Batch {code}", "Helvetica", 10, 60 * mm)
    assert split[0] == "Batch" and "".join(split[1:]) == code
    assert all(stringWidth(line, "Helvetica", 10) <= 60 * mm for line in split)
