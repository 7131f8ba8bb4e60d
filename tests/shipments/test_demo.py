"""The demo: Marie's parcels are where their sessions' dates put them, with believable histories."""

from __future__ import annotations

import io
from collections import Counter
from datetime import timedelta

from django.core import mail
from django.utils import timezone

from catalogue.models import Role
from shipments import demo
from shipments.models import Item, Parcel, ParcelStatus
from shipments.workflow import Status
from tests import factories

HOME = {Status.BACK_USER, Status.DESTROYED, Status.REMOVED}
AT_FACILITY = {Status.STORES, Status.BEAMLINE, Status.BACK_STORES}
ON_THE_WAY = {Status.CREATED, Status.READY, Status.APPROVED, Status.REFUSED, Status.SENT}


def test_parcels_follow_their_sessions_with_a_believable_mix_of_statuses(db) -> None:
    now = timezone.now()
    marie = factories.UserFactory(username="mdubois")
    sessions = {}
    for when, starts in (("past", -60), ("older", -200), ("ongoing", -1), ("upcoming", 9)):
        sessions[when] = factories.InvestigationFactory(
            name="MX-2468",
            start_date=now + timedelta(days=starts),
            end_date=now + timedelta(days=starts + 2),
        )
        factories.InvestigationUserFactory(
            investigation=sessions[when], user=marie, role=Role.PRINCIPAL_INVESTIGATOR
        )
        factories.SampleFactory(investigation=sessions[when], name="lysozyme")
    out = io.StringIO()
    demo.seed(out=out)
    assert "parcels" in out.getvalue()

    def statuses(when: str) -> set[str]:
        return set(
            Parcel.objects.filter(shipment__investigation=sessions[when]).values_list(
                "status", flat=True
            )
        )

    assert statuses("past") | statuses("older") <= HOME
    assert statuses("ongoing") <= AT_FACILITY and Status.BEAMLINE in statuses("ongoing")
    assert statuses("upcoming") <= ON_THE_WAY and Status.SENT in statuses("upcoming")
    counts = Counter(Parcel.objects.values_list("status", flat=True))
    assert counts[Status.BACK_USER] >= 3 and counts[Status.SENT] >= 2  # not one of each

    for parcel in Parcel.objects.prefetch_related("history"):
        dates = [entry.created_at for entry in parcel.history.all()]
        assert dates == sorted(dates) and dates[-1] <= now, parcel  # in order, none to come
        if parcel.status != Status.SENT:
            assert parcel.expected_on == timezone.localdate(
                parcel.shipment.investigation.start_date
            )
    # Those on their way are due from today: stores have something to look out for.
    on_the_way = Parcel.objects.filter(status=Status.SENT).order_by("expected_on")
    today = timezone.localdate()
    assert [p.expected_on for p in on_the_way] == [today, today + timedelta(days=1)]
    refused = ParcelStatus.objects.get(status=Status.REFUSED)
    assert "dry shipper" in refused.comment and refused.created_by.username == "sgarcia"
    dangerous = Parcel.objects.get(is_dangerous=True)
    assert dangerous.status == Status.READY and "UN 2811" in dangerous.dangerous_goods
    back = Parcel.objects.filter(status=Status.BACK_USER).first()
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
    session = back.shipment.investigation
    arrived = back.history.get(status=Status.BEAMLINE).created_at
    assert session.start_date < arrived < session.start_date + timedelta(hours=3)
    assert back.history.get(status=Status.BACK_USER).created_at > session.end_date
    assert back.items.filter(container__isnull=False, sample__name="lysozyme").exists()
    assert mail.outbox == []

    # Each parcel's Unipuck is nearly full, and every demo item passes the rules a form applies.
    puck = back.items.get(container_type="puck")
    assert 11 <= puck.contents.count() <= 14
    assert {i.experiment_plan["strategy"] for i in Item.objects.exclude(experiment_plan={})} >= {
        "native",
        "anomalous",
    }
    for item in Item.objects.select_related("container", "parcel__shipment"):
        item.full_clean()
