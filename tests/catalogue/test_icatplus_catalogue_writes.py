"""ICAT+'s catalogue writes in process: every refused body is a 400 naming the field, and the
database is exactly as it was (parameters, team, history, release date, no e-mail)."""

from __future__ import annotations

import json

import pytest
from django.core import mail

from catalogue.models import (
    DatasetParameter,
    Investigation,
    InvestigationUser,
    SampleParameter,
    TeamChange,
)
from portal.models import IcatPlusSession
from tests import factories

pytestmark = pytest.mark.django_db


def _snapshot() -> list:
    return [
        sorted(
            SampleParameter.objects.values_list("id", "type_id", "numeric_value", "string_value")
        ),
        sorted(DatasetParameter.objects.values_list("id", "numeric_value", "string_value")),
        sorted(InvestigationUser.objects.values_list("id", "user_id", "role")),
        TeamChange.objects.count(),
        sorted(Investigation.objects.values_list("id", "release_date", "mod_time")),
        len(mail.outbox),
    ]


def test_refused_bodies_are_400s_naming_the_field_and_change_nothing(
    client, django_capture_on_commit_callbacks
) -> None:
    team = factories.make_team()
    investigation = team.investigation
    other = factories.make_team().investigation  # the staff member's too: staff see it
    factories.ParameterTypeFactory(name="temperature", units="K")
    factories.ParameterTypeFactory(name="temperature", units="degC")
    energy = factories.ParameterTypeFactory(name="energy", units="keV")
    position = factories.ParameterTypeFactory(name="position", units="", value_type="string")
    sample = factories.SampleFactory(investigation=investigation)
    dataset = factories.DatasetFactory(investigation=investigation, sample=sample)
    at = SampleParameter.objects.create(sample=sample, type=position, string_value="pin 3")
    measured = DatasetParameter.objects.create(dataset=dataset, type=energy, numeric_value=12)
    staff = IcatPlusSession.objects.open(user=team.staff)[1]
    base = f"/icatplus/catalogue/{staff}"
    add_parameter = f"{base}/samples/{sample.pk}/sampleParameters"
    change_parameter = f"{base}/sampleParameters/{at.pk}"
    change_measured = f"{base}/datasetparameter?parameterId={measured.pk}"
    team_path = f"{base}/investigation/id/{investigation.pk}/investigationusers"
    release = (
        f"/icatplus/catalogue/investigations/{investigation.pk}/release-date?sessionId={staff}"
    )
    cases = [
        ("post", add_parameter, {}, "name"),
        ("post", add_parameter, {"name": "energy"}, "value"),
        ("post", add_parameter, {"name": "pressure", "value": "1"}, "name"),
        ("post", add_parameter, {"name": "energy", "value": "twelve"}, "value"),
        ("post", add_parameter, {"name": "energy", "value": "NaN"}, "value"),
        ("post", add_parameter, {"name": "energy", "value": "1", "units": "eV"}, "units"),
        ("post", add_parameter, {"name": "temperature", "value": "100"}, "units"),
        ("post", add_parameter, {"name": "position", "value": "pin 4"}, "name"),  # has one
        ("post", add_parameter, {"name": "e" * 256, "value": "1"}, "name"),
        ("post", add_parameter, {"name": "energy", "value": "1" * 4001}, "value"),
        ("post", add_parameter + "?investigationId=0", {"name": "energy", "value": "1"}, None),
        ("put", change_parameter, {"name": "energy", "value": "1"}, "name"),
        ("put", change_parameter, {"name": "position", "value": "x", "units": "mm"}, "units"),
        ("put", change_parameter, ["position", "x"], None),
        ("put", change_measured, {"name": "energy", "value": "inf"}, "value"),
        ("put", change_measured, {"name": "energy", "value": "1", "units": "eV"}, "units"),
        ("put", f"{base}/datasetparameter", {"name": "energy", "value": "1"}, "parameterId"),
        ("post", team_path, {}, "name"),
        ("post", team_path, {"name": "nobody-by-that-name"}, "name"),
        ("post", team_path, {"name": team.participant.username}, "name"),  # already in
        ("delete", team_path, {"name": team.outsider.username}, "name"),  # not in the team
        ("delete", team_path, {"name": team.principal_investigator.username}, "name"),
        ("post", release, {}, "releaseDate"),
        ("post", release, {"releaseDate": "2020-13-45"}, "releaseDate"),
        ("post", release, {"releaseDate": "1800-01-01"}, "releaseDate"),
        ("post", release, {"releaseDate": "2031-01-01", "message": "x" * 2001}, "message"),
    ]
    before = _snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        for method, path, body, field in cases:
            response = getattr(client, method)(
                path, json.dumps(body), content_type="application/json"
            )
            assert response.status_code == 400, (path, body, response.content)
            answer = response.json()
            assert answer.get("message"), (path, body, answer)
            assert answer.get("field") == (field or answer.get("field")), (path, body, answer)

        # Another experiment's id beside the object: the object is not there.
        elsewhere = client.put(
            f"{change_parameter}?investigationId={other.pk}",
            json.dumps({"name": "position", "value": "x"}),
            content_type="application/json",
        )
        nowhere = client.put(
            f"{base}/sampleParameters/987654321",
            json.dumps({"name": "position", "value": "x"}),
            content_type="application/json",
        )
    assert (elsewhere.status_code, elsewhere.json()) == (nowhere.status_code, nowhere.json())
    assert elsewhere.status_code == 404
    assert _snapshot() == before
