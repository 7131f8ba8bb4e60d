"""Safety and stores are groups, not staff: they see what their work needs and no more.

Safety: proposal, beamline, dates, parcel contents, sample names and hazards. Stores: shipping
data. Neither reads an embargoed experiment's title, summary, datasets, files or logbook."""

from __future__ import annotations

import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from catalogue.models import Investigation
from portal.models import User
from shipments.models import Parcel
from shipments.workflow import Status
from tests import factories
from tests.shipments.factories import ItemFactory, safety_officer, stores_user

TITLE = "Confidential inhibitor of Acme's patent"
SUMMARY = "Industrial screening of compound XJ-9 before filing"


@pytest.fixture
def secret(team, parcel):
    """The team's embargoed investigation, with a title and summary that must not leak."""
    Investigation.objects.filter(pk=team.investigation.pk).update(title=TITLE, summary=SUMMARY)
    sample = team.investigation.samples.create(name="xj9-crystal")
    ItemFactory(parcel=parcel, name="loose crystal", sample=sample)
    return parcel


def _pages(parcel) -> list[str]:
    shipment = parcel.shipment
    return [
        reverse("shipments:index"),
        reverse("shipments:shipment", args=[shipment.pk]),
        reverse("shipments:parcel", args=[parcel.pk]),
        reverse("shipments:expected"),
        f"/api/shipments/{shipment.pk}/",
        "/api/shipments/",
        f"/api/parcels/{parcel.pk}/",
        f"/api/parcels/{parcel.pk}/items/",
        f"/api/parcels/{parcel.pk}/statuses/",
    ]


def _label_text(response) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)


def test_safety_officer_sees_proposal_and_contents_but_never_the_title(
    client, team, secret
) -> None:
    parcel = secret
    parcel.move_to(Status.READY, by=team.participant)
    client.force_login(safety_officer())
    bodies = []
    for url in [*_pages(parcel), reverse("shipments:parcel-contents", args=[parcel.pk])]:
        response = client.get(url)
        assert response.status_code in (200, 403), url
        bodies.append(response.text)
    queue = reverse("safety:shipments_safetyqueueparcel_changelist")
    change = reverse("safety:shipments_safetyqueueparcel_change", args=[parcel.pk])
    for url in (queue, change):
        response = client.get(url)
        assert response.status_code == 200, url
        bodies.append(response.text)
    label = client.get(reverse("shipments:parcel-label", args=[parcel.pk]))
    bodies.append(_label_text(label))
    text = "\n".join(bodies)
    assert TITLE not in text and SUMMARY not in text
    assert team.investigation.name in text and "xj9-crystal" in text
    assert "Puck A" in bodies[2]  # the parcel page shows the content to safety
    # The experiment itself is still embargoed for safety.
    for url in (
        reverse("catalogue:investigation-detail", args=[team.investigation.pk]),
        reverse("shipments:investigation", args=[team.investigation.pk]),
    ):
        assert client.get(url).status_code == 404, url


def test_stores_scan_parcels_without_being_staff_and_see_no_contents(client, team, secret) -> None:
    parcel = secret
    parcel.move_to(Status.READY, by=team.participant)
    parcel.move_to(Status.APPROVED, by=safety_officer())
    parcel.move_to(Status.SENT, by=team.participant, tracking_number="1Z")
    stores = stores_user()
    assert not stores.is_staff
    client.force_login(stores)
    scanned = client.post(reverse("shipments:scan"), {"code": parcel.code, "location": "Stores"})
    assert scanned.status_code == 200 and "At stores" in scanned.text
    parcel.refresh_from_db()
    assert parcel.status == Status.STORES and parcel.history.last().created_by == stores
    bodies = [client.get(url).text for url in _pages(parcel)]
    label = client.get(reverse("shipments:parcel-label", args=[parcel.pk]))
    assert len(PdfReader(io.BytesIO(label.content)).pages) == 1  # the label, not the content
    bodies.append(_label_text(label))
    text = "\n".join(bodies)
    assert TITLE not in text and SUMMARY not in text
    assert "Puck A" not in text and "xj9-crystal" not in text and "lysozyme" not in text
    assert parcel.code in text and team.investigation.instrument.name in text
    assert "38000" in text  # the addresses are shipping data
    assert client.get(reverse("shipments:parcel-contents", args=[parcel.pk])).status_code == 403
    item = parcel.items.first()
    assert client.get(f"/api/items/{item.pk}/").status_code == 404
    dataset = factories.DatasetFactory(investigation=team.investigation)
    for url in (
        reverse("catalogue:investigation-detail", args=[team.investigation.pk]),
        reverse("catalogue:dataset-detail", args=[dataset.pk]),
    ):
        assert client.get(url).status_code == 404, url


def test_stores_see_the_parcels_expected_at_every_beamline(client, team, parcel) -> None:
    parcel.expected_on = timezone.localdate()
    parcel.save()
    client.force_login(stores_user())
    page = client.get(reverse("shipments:expected"))
    assert page.status_code == 200 and parcel.code in page.text


def test_safety_admin_has_no_view_on_site_shortcut_to_probe_ids(client, team) -> None:
    client.force_login(safety_officer())
    content_type = ContentType.objects.get_for_model(Investigation)
    hidden = client.get(f"/safety/r/{content_type.pk}/{team.investigation.pk}/")
    missing = client.get(f"/safety/r/{content_type.pk}/999999/")
    assert hidden.status_code == missing.status_code and hidden.status_code in (302, 404)
    assert "/investigations/" not in hidden.get("Location", "")


def test_demo_seed_takes_staff_away_from_an_old_demo_stores_user(db) -> None:
    factories.InvestigationFactory()  # a filled database: --if-empty generates nothing
    tom = factories.UserFactory(username="tlee", is_staff=True)
    factories.UserFactory(username="sgarcia", is_staff=True)
    for _ in range(2):  # idempotent
        call_command("seed_demo", "--if-empty", stdout=io.StringIO())
    tom.refresh_from_db()
    assert not tom.is_staff and tom.groups.filter(name="Stores").exists()
    sara = User.objects.get(username="sgarcia")
    assert not sara.is_staff and list(sara.groups.values_list("name", flat=True)) == ["Safety"]
    assert Investigation.objects.count() == 1
    assert not Parcel.objects.exists()
