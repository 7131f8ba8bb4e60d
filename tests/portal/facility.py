"""A small facility seen by every demo-like role: shared by the dashboard and navbar tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from catalogue.models import AccessRequest, DatasetRestore, DownloadJob, Investigation, Role
from doi.models import DataCollection
from portal.models import User
from shipments.workflow import Status
from tests import factories
from tests.shipments.factories import ParcelFactory, ShipmentFactory, safety_officer, stores_user


@dataclass
class Facility:
    pi: User
    participant: User
    scientist: User
    safety: User
    stores: User
    staff: User
    ongoing: Investigation
    past: Investigation


def session(instrument, name: str, title: str, *, days_from_now: int, length: int = 2):
    start = timezone.now() + timedelta(days=days_from_now)
    return factories.InvestigationFactory(
        name=name, title=title, instrument=instrument, start_date=start,
        end_date=start + timedelta(days=length),
    )  # fmt: skip


@pytest.fixture
def facility(db) -> Facility:
    return build_facility()


def build_facility() -> Facility:
    """One beamline with an ongoing and a past session, a pending access request, parcels
    waiting for safety and expected by stores today, a download, a restore and a DOI draft."""
    id23 = factories.InstrumentFactory(name="ID23-1", full_name="MX beamline")
    ongoing = session(id23, "MX-2468", "Lysozyme soaking with gold compounds", days_from_now=-1)
    past = session(id23, "MX-2301", "Thaumatin at room temperature", days_from_now=-40)
    # Another team's session on the beamline (tomorrow: this week on most days).
    session(id23, "MX-2512", "Insulin fibrils under pressure", days_from_now=1, length=1)
    pi = factories.UserFactory(username="mdubois", full_name="Marie Dubois")
    participant = factories.UserFactory(username="jsmith", full_name="James Smith")
    for investigation in (ongoing, past):
        factories.InvestigationUserFactory(
            investigation=investigation, user=pi, role=Role.PRINCIPAL_INVESTIGATOR
        )
        factories.InvestigationUserFactory(investigation=investigation, user=participant)
    scientist = factories.UserFactory(username="mchen", full_name="Mei Chen")
    id23.scientists.add(scientist)
    requester = factories.UserFactory(username="rbrown", full_name="Robert Brown")
    AccessRequest.objects.create(requester=requester, proposal="mx-2468", message="Processed it")

    shipment = ShipmentFactory(investigation=ongoing, name="Crystals for MX-2468")
    ParcelFactory(
        shipment=shipment,
        name="Dewar A",
        status=Status.READY,
        is_dangerous=True,
        dangerous_goods="UN 1977 nitrogen, refrigerated liquid (dry shipper)",
    )
    ParcelFactory(
        shipment=shipment, name="Dewar B", status=Status.SENT, expected_on=timezone.localdate()
    )
    dataset = factories.DatasetFactory(investigation=past, name="thau_0001")
    DownloadJob.objects.create(
        owner=participant, selection_key="k", name="thau.zip", label="Thaumatin"
    )
    DatasetRestore.objects.create(dataset=dataset, requested_by=participant)
    DataCollection.objects.create(title="Thaumatin structures", created_by=participant)
    return Facility(
        pi=pi,
        participant=participant,
        scientist=scientist,
        safety=safety_officer("sgarcia"),
        stores=stores_user("pmartin"),
        staff=factories.UserFactory(username="admin", is_staff=True),
        ongoing=ongoing,
        past=past,
    )
