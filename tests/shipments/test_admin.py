"""The safety team's queue in admin: order, approve and refuse for one or many, the reason page."""

from __future__ import annotations

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.urls import reverse

from catalogue.models import Role
from shipments.groups import ensure_groups
from shipments.workflow import Status
from tests import factories
from tests.shipments.factories import ItemFactory, ParcelFactory, safety_officer

QUEUE = reverse("safety:shipments_safetyqueueparcel_changelist")


def _ready(team, name: str, **kwargs):
    parcel = ParcelFactory(shipment__investigation=team.investigation, name=name, **kwargs)
    ItemFactory(parcel=parcel)
    parcel.move_to(Status.READY, by=team.participant)
    return parcel


def test_safety_group_has_only_view_permissions(db) -> None:
    ensure_groups()  # as after every migrate (a flush in an earlier test removes the groups)
    codenames = set(Group.objects.get(name="Safety").permissions.values_list("codename", flat=True))
    assert codenames == {
        "view_safetyqueueparcel",
        "view_parcel",
        "view_item",
        "view_parcelstatus",
        "view_shipment",
    }


def test_queue_lists_ready_parcels_dangerous_goods_first(client, team) -> None:
    plain = _ready(team, "Plain crystals")
    dangerous = _ready(
        team, "Selenium crystals", is_dangerous=True, dangerous_goods="Selenomethionine, toxic"
    )
    not_ready = ParcelFactory(shipment__investigation=team.investigation, name="Still packing")
    client.force_login(safety_officer())
    page = client.get(QUEUE).text
    assert page.index(dangerous.code) < page.index(plain.code)
    assert not_ready.code not in page
    detail = client.get(reverse("safety:shipments_safetyqueueparcel_change", args=[plain.pk])).text
    assert plain.items.first().name in detail and "Ready for safety check" in detail


def test_queue_is_closed_to_team_members_and_anonymous(client, team) -> None:
    assert client.get(QUEUE).status_code == 302
    client.force_login(team.participant)
    response = client.get(QUEUE)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_approve_many_at_once(client, team) -> None:
    parcels = [_ready(team, f"Box {n}") for n in range(3)]
    client.force_login(safety_officer())
    response = client.post(
        QUEUE, {"action": "approve", ACTION_CHECKBOX_NAME: [p.pk for p in parcels]}, follow=True
    )
    assert "Approved by safety: " in response.text
    for parcel in parcels:
        parcel.refresh_from_db()
        assert parcel.status == Status.APPROVED
        assert parcel.history.last().status == Status.APPROVED


def test_refuse_asks_for_a_reason_on_an_intermediate_page(client, team) -> None:
    parcels = [_ready(team, "Leaky dewar"), _ready(team, "Unlabelled box")]
    ids = [p.pk for p in parcels]
    client.force_login(safety_officer())
    form = client.post(QUEUE, {"action": "refuse", ACTION_CHECKBOX_NAME: ids})
    assert (
        form.status_code == 200 and "Refuse 2 parcels" in form.text and "Leaky dewar" in form.text
    )
    empty = client.post(
        QUEUE, {"action": "refuse", ACTION_CHECKBOX_NAME: ids, "apply": "1", "reason": ""}
    )
    assert "This field is required" in empty.text
    assert all(p.status == Status.READY for p in type(parcels[0]).objects.filter(pk__in=ids))
    done = client.post(
        QUEUE,
        {
            "action": "refuse",
            ACTION_CHECKBOX_NAME: ids,
            "apply": "1",
            "reason": "Use a dry shipper, not a dewar",
        },
        follow=True,
    )
    assert "Refused by safety" in done.text
    for parcel in parcels:
        parcel.refresh_from_db()
        assert parcel.status == Status.REFUSED
        assert parcel.history.last().comment == "Use a dry shipper, not a dewar"


def test_safety_officer_in_the_team_cannot_approve_their_own_parcel(client, team) -> None:
    parcel = _ready(team, "My own box")
    officer = safety_officer()
    factories.InvestigationUserFactory(
        investigation=team.investigation, user=officer, role=Role.PARTICIPANT
    )
    client.force_login(officer)
    response = client.post(
        QUEUE, {"action": "approve", ACTION_CHECKBOX_NAME: [parcel.pk]}, follow=True
    )
    assert "someone else from safety must check" in response.text
    parcel.refresh_from_db()
    assert parcel.status == Status.READY


def test_staff_admin_shows_parcels_without_approve_for_non_safety_staff(client, team) -> None:
    parcel = _ready(team, "Staff view")
    client.force_login(team.staff)
    team.staff.user_permissions.add(*ensure_groups()["Stores"].permissions.all())
    page = client.get(reverse("admin:shipments_parcel_changelist")).text
    assert parcel.code in page and 'value="approve"' not in page


def test_safety_site_carries_the_facility_name_and_fits_one_line_per_parcel(
    client, team, settings
) -> None:
    settings.FACILITY_NAME = "Grenoble Light Source"
    parcel = _ready(team, "Dry shipper 1")
    client.force_login(safety_officer())
    page = client.get(QUEUE).text
    assert "Grenoble Light Source" in page and "Safety validation of parcels" in page
    assert f'href="{reverse("portal:home")}"' in page  # the way back to the portal
    investigation = team.investigation
    assert f"{investigation.name} · {investigation.instrument.name}" in page
    assert "Django administration" not in page
    assert parcel.code in page and "nav-sidebar" not in page
