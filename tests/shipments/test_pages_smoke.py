from __future__ import annotations

from django.urls import reverse


def test_every_page_renders_for_a_team_member(client, team, parcel) -> None:
    client.force_login(team.participant)
    shipment = parcel.shipment
    item = parcel.items.first()
    for url in [
        reverse("shipments:index"),
        reverse("shipments:investigation", args=[team.investigation.pk]),
        reverse("shipments:shipment-new", args=[team.investigation.pk]),
        reverse("shipments:shipment", args=[shipment.pk]),
        reverse("shipments:shipment-edit", args=[shipment.pk]),
        reverse("shipments:parcel-new", args=[shipment.pk]),
        reverse("shipments:parcel", args=[parcel.pk]),
        reverse("shipments:parcel-edit", args=[parcel.pk]),
        reverse("shipments:parcel-contents", args=[parcel.pk]),
        reverse("shipments:item-new", args=[parcel.pk]),
        reverse("shipments:item-edit", args=[item.pk]),
        reverse("shipments:addresses"),
        reverse("shipments:address-new"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
    assert (
        client.get(reverse("shipments:parcel-label", args=[parcel.pk]))["Content-Type"]
        == "application/pdf"
    )
