"""The demo: parcels in every status with histories, one refused with a reason, one dangerous."""

from __future__ import annotations

import io

from django.core import mail

from catalogue.models import Role
from shipments import demo
from shipments.models import Parcel, ParcelStatus
from shipments.workflow import Status
from tests import factories


def test_demo_has_every_status_with_a_history_that_follows_the_rules(db) -> None:
    marie = factories.UserFactory(username="mdubois")
    investigation = factories.InvestigationFactory(name="MX-2468")
    factories.InvestigationUserFactory(
        investigation=investigation, user=marie, role=Role.PRINCIPAL_INVESTIGATOR
    )
    factories.SampleFactory(investigation=investigation, name="lysozyme")
    out = io.StringIO()
    demo.seed(out=out)
    assert "every status" in out.getvalue()
    assert set(Parcel.objects.values_list("status", flat=True)) == set(Status.values)
    refused = ParcelStatus.objects.get(status=Status.REFUSED)
    assert "dry shipper" in refused.comment and refused.created_by.username == "sgarcia"
    dangerous = Parcel.objects.get(is_dangerous=True)
    assert dangerous.status == Status.READY and "UN 2811" in dangerous.dangerous_goods
    back = Parcel.objects.get(status=Status.BACK_USER)
    assert list(back.history.values_list("status", flat=True)) == [
        "CREATED",
        "READY",
        "APPROVED",
        "SENT",
        "STORES",
        "BEAMLINE",
        "BACK_STORES",
        "BACK_USER",
    ]
    assert back.items.filter(container__isnull=False, sample__name="lysozyme").exists()
    assert mail.outbox == []
