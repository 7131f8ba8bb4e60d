"""Experiment plans: fields per technique with defaults, free-text comments, old plans kept."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from catalogue.models import Technique
from shipments import plans
from shipments.models import Item
from tests import factories


def test_each_technique_gets_its_plan_and_others_the_comments_only(db) -> None:
    saxs = factories.InvestigationFactory(name="SC-5001")
    saxs.techniques.add(Technique.objects.create(name="small angle x-ray scattering"))
    assert plans.schema_for(saxs) is plans.SAXS
    assert plans.schema_for(factories.InvestigationFactory(name="MX-9")) is plans.MX
    other = factories.InvestigationFactory(name="HC-1234")
    assert plans.schema_for(other) is plans.GENERIC
    other.instrument.techniques.add(Technique.objects.create(name="serial crystallography"))
    assert plans.schema_for(other) is plans.MX  # the beamline's technique


def test_new_sample_form_offers_the_defaults_and_takes_free_text(client, team, parcel) -> None:
    client.force_login(team.participant)
    url = reverse("shipments:item-new", args=[parcel.pk])
    form = client.get(url).content.decode()
    assert "Experiment plan (MX)" in form and 'value="3600"' in form
    assert '<option value="native" selected>' in form

    response = client.post(
        url,
        {
            "kind": "sample",
            "name": "free-text",
            "plan_strategy": "anomalous",
            "plan_energy": "12.66",
            "plan_number_of_images": "7200",
            "plan_comments": "Please: collect at the Se edge; crystals are fragile!",
        },
    )
    assert response.status_code == 302
    assert Item.objects.get(name="free-text").experiment_plan == {
        "strategy": "anomalous",
        "energy": "12.66",
        "number_of_images": "7200",
        "comments": "Please: collect at the Se edge; crystals are fragile!",
    }
    # A container posted with the form's defaults carries no plan.
    response = client.post(
        url, {"kind": "container", "container_type": "spine", "name": "S1", "plan_energy": "12.7"}
    )
    assert response.status_code == 302 and Item.objects.get(name="S1").experiment_plan == {}


def test_bad_plan_values_are_field_errors(client, team, parcel) -> None:
    client.force_login(team.participant)
    response = client.post(
        reverse("shipments:item-new", args=[parcel.pk]),
        {"kind": "sample", "name": "bad", "plan_number_of_images": "2.5", "plan_oscillation": "0"},
    )
    text = response.content.decode()
    assert response.status_code == 400 and not Item.objects.filter(name="bad").exists()
    assert "Enter a whole number." in text and "Enter between 0.001 and 10°." in text


def test_old_free_key_plans_still_show_and_survive_an_edit(client, team, parcel) -> None:
    old = parcel.items.get(name="lysozyme-1")
    old.experiment_plan = {"exposure_time": "0.02", "resolution": "1.8", "beamsize": "20x20"}
    old.save()
    client.force_login(team.participant)
    page = client.get(parcel.get_absolute_url()).content.decode()
    assert 'Exposure time: <span class="text-body">0.02 s</span>' in page
    assert 'resolution: <span class="text-body">1.8</span>' in page
    form = client.get(reverse("shipments:item-edit", args=[old.pk])).content.decode()
    assert "Kept as entered before" in form and "beamsize = 20x20" in form
    response = client.post(
        reverse("shipments:item-edit", args=[old.pk]),
        {
            "kind": "sample",
            "name": "lysozyme-1",
            "container": old.container_id,
            "position": 1,
            "plan_exposure_time": "0.04",
            "plan_comments": "thin plates",
        },
    )
    assert response.status_code == 302
    old.refresh_from_db()
    assert old.experiment_plan == {
        "resolution": "1.8",
        "beamsize": "20x20",
        "exposure_time": "0.04",
        "comments": "thin plates",
    }


def test_the_api_checks_the_plans_known_fields_and_keeps_the_others(team, parcel) -> None:
    api = APIClient()
    api.force_authenticate(team.participant)
    url = f"/api/parcels/{parcel.pk}/items/"
    bad = api.post(url, {"name": "x", "experiment_plan": {"energy": "hot"}}, format="json")
    assert bad.status_code == 400
    assert bad.json()["experiment_plan"] == ["Energy should be a number."]
    good = api.post(
        url, {"name": "y", "experiment_plan": {"energy": 12.7, "detector": "Eiger"}}, format="json"
    )
    assert good.status_code == 201, good.json()
    assert good.json()["experiment_plan"] == {"energy": "12.7", "detector": "Eiger"}


def test_a_plan_that_is_not_an_object_is_refused_by_the_model(parcel) -> None:
    item = parcel.items.get(name="lysozyme-1")
    item.experiment_plan = ["resolution 2"]
    with pytest.raises(ValidationError) as error:
        item.full_clean()
    assert "An object of key/value pairs" in error.value.message_dict["experiment_plan"][0]
