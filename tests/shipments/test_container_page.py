"""A container's page: its positions as a grid, filled one at a time through a small form."""

from __future__ import annotations

from django.urls import reverse

from shipments.models import Item, ItemKind
from tests.shipments.factories import ItemFactory


def test_grid_shows_each_position_with_its_sample_in_bounded_queries(
    client, team, parcel, django_assert_max_num_queries
) -> None:
    puck = parcel.items.get(name="Puck A")
    client.force_login(team.participant)
    url = reverse("shipments:container", args=[puck.pk])
    client.get(url)  # warm the session and the navbar's cached counts
    ItemFactory(parcel=parcel, container=puck, position=16, name="last-one")
    with django_assert_max_num_queries(8):
        page = client.get(url).content.decode()
    assert page.count('class="puck-slot') == 16 and page.count("puck-slot filled") == 4
    assert "4 of 16 positions filled" in page and "last-one" in page
    assert reverse("shipments:container-position", args=[puck.pk, 5]) in page  # empty: a link
    # The parcel page leads to it.
    parcel_page = client.get(parcel.get_absolute_url()).content.decode()
    assert f'href="{url}"' in parcel_page and "4/16" in parcel_page


def test_position_form_saves_a_sample_and_answers_the_board(client, team, parcel) -> None:
    puck = parcel.items.get(name="Puck A")
    client.force_login(team.participant)
    url = reverse("shipments:container-position", args=[puck.pk, 9])
    form = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in form and "A sample at position 9" in form
    assert 'name="plan_required_resolution" value="2.0"' in form  # MX defaults

    response = client.post(
        url,
        {"name": "lysozyme-9", "plan_strategy": "screening", "plan_comments": "needles"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and "<html" not in response.content.decode()
    assert 'id="puck-board"' in response.content.decode()
    nine = puck.contents.get(position=9)
    assert (nine.name, nine.kind) == ("lysozyme-9", ItemKind.SAMPLE)
    assert nine.experiment_plan == {"strategy": "screening", "comments": "needles"}

    # The filled position edits the sample there; no JavaScript: back to the page.
    response = client.post(url, {"name": "lysozyme-9b", "plan_strategy": "native"})
    assert response.status_code == 302 and response["Location"].endswith(f"/containers/{puck.pk}/")
    assert puck.contents.get(position=9).name == "lysozyme-9b"
    assert puck.contents.count() == 4


def test_bad_input_is_refused_and_changes_nothing(client, team, parcel) -> None:
    puck = parcel.items.get(name="Puck A")
    sample = parcel.items.get(name="lysozyme-1")
    client.force_login(team.participant)
    position = reverse("shipments:container-position", args=[puck.pk, 4])
    response = client.post(
        position, {"name": "", "plan_energy": "40"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert "Enter between 5 and 30 keV." in response.content.decode()
    assert not puck.contents.filter(position=4).exists()
    assert (
        client.get(reverse("shipments:container-position", args=[puck.pk, 17])).status_code == 404
    )
    assert client.get(reverse("shipments:container", args=[sample.pk])).status_code == 404


def test_a_locked_parcel_shows_the_grid_without_forms(client, team, parcel) -> None:
    puck = parcel.items.get(name="Puck A")
    parcel.move_to("READY", by=team.participant, notify=False)
    client.force_login(team.participant)
    page = client.get(reverse("shipments:container", args=[puck.pk])).content.decode()
    assert "container-position" not in page and "/positions/" not in page
    response = client.get(reverse("shipments:container-position", args=[puck.pk, 5]))
    assert response.status_code == 302 and response["Location"] == parcel.get_absolute_url()
    assert client.get(reverse("shipments:container-import", args=[puck.pk])).status_code == 302
    assert not Item.objects.filter(container=puck, position=5).exists()
