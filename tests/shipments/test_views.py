"""Shipment pages: who sees what (outsider 404), forms that keep what was typed, status buttons."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from shipments.models import Item, Parcel, Shipment
from shipments.workflow import Status
from tests.shipments.factories import AddressFactory, ParcelFactory, ShipmentFactory, safety_officer

SEES = {
    "participant": 200,
    "principal_investigator": 200,
    "collaborator": 200,
    "local_contact": 200,
    "scientist": 200,
    "staff": 200,
    "outsider": 404,
    "other_scientist": 404,
}


@pytest.mark.parametrize("role,expected", SEES.items())
def test_shipment_pages_permission_matrix(client, team, parcel, role: str, expected: int) -> None:
    client.force_login(getattr(team, role))
    for url in (
        reverse("shipments:investigation", args=[team.investigation.pk]),
        reverse("shipments:shipment", args=[parcel.shipment.pk]),
        reverse("shipments:parcel", args=[parcel.pk]),
        reverse("shipments:parcel-label", args=[parcel.pk]),
        reverse("shipments:parcel-contents", args=[parcel.pk]),
    ):
        assert client.get(url).status_code == expected, url


def test_safety_officer_sees_every_parcel_but_cannot_edit(client, team, parcel) -> None:
    client.force_login(safety_officer())
    assert client.get(reverse("shipments:parcel", args=[parcel.pk])).status_code == 200
    assert parcel.shipment.name in client.get(reverse("shipments:index")).text
    assert client.get(reverse("shipments:parcel-new", args=[parcel.shipment.pk])).status_code == 403


def test_anonymous_is_sent_to_login(client, parcel) -> None:
    response = client.get(reverse("shipments:parcel", args=[parcel.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_index_lists_only_my_shipments_in_few_queries(
    client, team, parcel, django_assert_max_num_queries
) -> None:
    for n in range(10):
        ParcelFactory(shipment=ShipmentFactory(investigation=team.investigation, name=f"Batch {n}"))
    hidden = ShipmentFactory(name="Someone else's dewar")
    client.force_login(team.participant)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("shipments:index"))
    assert "Batch 9" in response.text and parcel.code in response.text
    assert hidden.name not in response.text


def test_index_filters_by_parcel_status_with_htmx(client, team, parcel) -> None:
    other = ShipmentFactory(investigation=team.investigation, name="Still empty")
    client.force_login(team.participant)
    response = client.get(
        reverse("shipments:index"), {"status": "CREATED"}, headers={"HX-Request": "true"}
    )
    assert "<html" not in response.text
    assert parcel.shipment.name in response.text and other.name not in response.text


def test_team_member_creates_a_shipment_from_their_address_book(client, team) -> None:
    address = AddressFactory(owner=team.participant, name="Marie Dubois")
    client.force_login(team.participant)
    response = client.post(
        reverse("shipments:shipment-new", args=[team.investigation.pk]),
        {"name": "Crystals for May", "shipping_address": address.pk, "return_address": address.pk},
    )
    shipment = Shipment.objects.get(name="Crystals for May")
    assert response.status_code == 302 and response["Location"] == shipment.get_absolute_url()
    assert shipment.investigation == team.investigation and shipment.created_by == team.participant


def test_invalid_parcel_htmx_post_shows_errors_and_keeps_what_was_typed(
    client, team, parcel
) -> None:
    client.force_login(team.participant)
    response = client.post(
        reverse("shipments:parcel-new", args=[parcel.shipment.pk]),
        {
            "name": "Nitrogen dewar",
            "storage_condition": "ln2",
            "is_dangerous": "on",
            "return_instructions": "user",
            "description": "12 pucks",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400 and "<html" not in response.text
    assert "Describe the dangerous goods." in response.text
    assert "Name the forwarder" in response.text
    assert 'value="Nitrogen dewar"' in response.text and "12 pucks" in response.text
    assert not Parcel.objects.filter(name="Nitrogen dewar").exists()


def test_valid_parcel_htmx_post_redirects_the_client_and_starts_the_history(
    client, team, parcel
) -> None:
    client.force_login(team.participant)
    response = client.post(
        reverse("shipments:parcel-new", args=[parcel.shipment.pk]),
        {"name": "Second dewar", "storage_condition": "ln2", "return_instructions": "facility"},
        headers={"HX-Request": "true"},
    )
    created = Parcel.objects.get(name="Second dewar")
    assert response["HX-Redirect"] == created.get_absolute_url()
    assert list(created.history.values_list("status", flat=True)) == ["CREATED"]


def test_item_form_puts_a_sample_in_a_puck_with_an_experiment_plan(client, team, parcel) -> None:
    puck = parcel.items.get(name="Puck A")
    sample = team.investigation.samples.create(name="lysozyme-4-catalogue")
    client.force_login(team.participant)
    response = client.post(
        reverse("shipments:item-new", args=[parcel.pk]),
        {
            "kind": "sample",
            "name": "lysozyme-4",
            "container": puck.pk,
            "position": 4,
            "sample": sample.pk,
            "plan_exposure_time": "0.02",
            "plan_required_resolution": "1,8",
            "plan_comments": "Collect at 100 K",
        },
    )
    assert response.status_code == 302
    item = Item.objects.get(name="lysozyme-4")
    assert item.container == puck and item.sample == sample
    assert item.experiment_plan == {
        "exposure_time": "0.02",
        "required_resolution": "1.8",
        "comments": "Collect at 100 K",
    }


def test_item_form_refuses_a_taken_position_and_a_bad_plan_value(client, team, parcel) -> None:
    puck = parcel.items.get(name="Puck A")
    client.force_login(team.participant)
    response = client.post(
        reverse("shipments:item-new", args=[parcel.pk]),
        {
            "kind": "sample",
            "name": "intruder",
            "container": puck.pk,
            "position": 2,
            "plan_energy": "twelve",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    assert "already taken by lysozyme-2" in response.text and "Enter a number." in response.text
    assert 'value="intruder"' in response.text
    assert not Item.objects.filter(name="intruder").exists()


def test_sample_of_another_experiment_is_refused(client, team, parcel) -> None:
    from tests.factories import SampleFactory

    foreign = SampleFactory()
    client.force_login(team.participant)
    response = client.post(
        reverse("shipments:item-new", args=[parcel.pk]),
        {"kind": "sample", "name": "x", "sample": foreign.pk},
    )
    assert response.status_code == 400 and not Item.objects.filter(name="x").exists()


def test_declaring_ready_from_the_page_locks_the_content(client, team, parcel) -> None:
    client.force_login(team.participant)
    page = client.get(reverse("shipments:parcel", args=[parcel.pk])).text
    assert 'data-target-status="READY"' in page and 'data-target-status="APPROVED"' not in page
    response = client.post(reverse("shipments:parcel-move", args=[parcel.pk]), {"status": "READY"})
    assert response.status_code == 302
    parcel.refresh_from_db()
    assert parcel.status == Status.READY
    edit = client.get(reverse("shipments:parcel-edit", args=[parcel.pk]), follow=True)
    assert "content is locked" in edit.text
    item = parcel.items.first()
    client.post(reverse("shipments:item-delete", args=[item.pk]))
    assert Item.objects.filter(pk=item.pk).exists()


def test_refused_status_change_shows_why_in_the_fragment(client, team, parcel) -> None:
    parcel.move_to(Status.READY, by=team.participant)
    client.force_login(team.participant)
    response = client.post(
        reverse("shipments:parcel-move", args=[parcel.pk]),
        {"status": "APPROVED"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400 and "<html" not in response.text
    assert "Only the safety team may make the change" in response.text
    parcel.refresh_from_db()
    assert parcel.status == Status.READY


def test_timeline_shows_each_step(client, team, parcel) -> None:
    parcel.move_to(Status.READY, by=team.participant)
    parcel.move_to(Status.REFUSED, by=safety_officer(), comment="Seal the dewar lid")
    client.force_login(team.participant)
    page = client.get(reverse("shipments:parcel", args=[parcel.pk])).text
    timeline = page.split('id="parcel-history"')[1]
    assert (
        timeline.index('data-status="CREATED"')
        < timeline.index('data-status="READY"')
        < timeline.index('data-status="REFUSED"')
    )
    assert "Seal the dewar lid" in timeline


def test_address_book_is_private(client, team) -> None:
    mine = AddressFactory(owner=team.participant, name="Marie at IBS")
    theirs = AddressFactory(owner=team.collaborator, name="Anna at Krakow")
    client.force_login(team.participant)
    page = client.get(reverse("shipments:addresses")).text
    assert "Marie at IBS" in page and "Anna at Krakow" not in page
    assert client.get(reverse("shipments:address-edit", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("shipments:address-delete", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("shipments:address-delete", args=[mine.pk])).status_code == 405


def test_index_pages_with_a_keyset_cursor(client, team) -> None:
    for n in range(30):
        ShipmentFactory(investigation=team.investigation, name=f"S{n:02d}")
    client.force_login(team.participant)
    first = client.get(reverse("shipments:index")).text
    assert "S29" in first and "S05" in first and "S04" not in first
    cursor = re.search(r'rel="next" href="\?cursor=([^"&]+)"', first).group(1)
    second = client.get(reverse("shipments:index"), {"cursor": cursor}).text
    assert "S04" in second and "S00" in second and "S05" not in second
    assert 'rel="prev"' in second
    assert client.get(reverse("shipments:index"), {"cursor": "abc"}).status_code == 200


def test_parcel_page_query_count_does_not_grow_with_its_content(
    client, team, parcel, django_assert_max_num_queries
) -> None:
    puck = parcel.items.get(name="Puck A")
    sample = team.investigation.samples.create(name="catalogued")
    for position in range(4, 16):
        parcel.items.create(
            name=f"extra-{position}", container=puck, position=position, sample=sample
        )
    client.force_login(team.participant)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("shipments:parcel", args=[parcel.pk])).text
    assert "extra-15" in page and "catalogue: catalogued" in page


@pytest.mark.parametrize("next_url", ["abc", "https://evil.example/"])
def test_saved_address_goes_back_only_to_a_path_of_this_site(client, team, next_url) -> None:
    client.force_login(team.participant)
    response = client.post(
        reverse("shipments:address-new") + f"?next={next_url}",
        {
            "name": "Marie at IBS",
            "street": "71 avenue des Martyrs",
            "postal_code": "38000",
            "city": "Grenoble",
            "country": "France",
            "email": "marie@example.org",
            "phone": "+33 4 76 88 10 00",
        },
    )
    assert response.status_code == 302 and response.url == reverse("shipments:addresses")
