"""Schemathesis against /api/schema/: every operation of the JSON API, called in-process with
generated input (valid and invalid) by a member of two teams with data, answers without a server
error, and with a status, content type and body that the schema describes.

Generated ids would almost never name a real object, so path parameters and the id fields of
bodies are drawn from the team's objects (or kept as generated): the success answers, whose
bodies the schema must describe, are reached as often as the refusals."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from catalogue import downloads
from catalogue.models import Datafile, Dataset, Sample
from doi import services as doi_services
from doi.models import DataCollection
from doi.providers import LocalProvider
from logbook.services import event_create
from portal.wsgi import application
from shipments.models import ItemKind
from tests import factories
from tests.shipments.factories import AddressFactory, ItemFactory, ParcelFactory, ShipmentFactory

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
# Per operation; about 45 operations share the budget of a few minutes on a busy machine.
MAX_EXAMPLES = 25


@dataclass
class World:
    """What the caller may reach, by the first segment after /api/ of a path."""

    token: str
    ids: dict[str, list] = field(default_factory=dict)

    def known(self, path: str, name: str) -> list:
        if name in ("prefix", "suffix"):
            return [doi.split("/", 1)[name == "suffix"] for doi in self.ids["dois"]]
        resource = path.removeprefix("/api/").split("/")[0]
        if resource == "logbook":
            resource = "events"
        return self.ids.get(resource, [])


# Body fields and query parameters that name another object, and the resource of their ids.
REFERENCES = {
    "investigation": "investigations",
    "shipment": "shipments",
    "shipping_address": "addresses",
    "return_address": "addresses",
    "sample": "samples",
    "container": "items",
    "datasets": "datasets",
    "datafiles": "datafiles",
}


@pytest.fixture
def world(db, monkeypatch, settings) -> World:
    # Throttling would turn later examples into 429s and hide what they would have found.
    rates = {"anon": "100000/min", "user": "100000/min", "apikey": "100000/min"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}

    team = factories.make_team()  # embargoed
    released = factories.InvestigationFactory(released=True)
    user = team.participant
    factories.InvestigationUserFactory(investigation=released, user=user)
    events = []
    for investigation in (team.investigation, released):
        for n in range(2):
            dataset = factories.DatasetFactory(
                investigation=investigation, size=1000 * (n + 1), file_count=1
            )
            factories.DatafileFactory(dataset=dataset, size=1000 * (n + 1))
        event = event_create(
            investigation=investigation,
            instrument=investigation.instrument,
            type="annotation",
            category="comment",
            by=user.username,
            title="Beam is back",
            text="Aligned the sample; first images look good.",
            tags=["alignment"],
        )
        events.append(str(event["_id"]))
    address = AddressFactory(owner=user)
    shipment = ShipmentFactory(
        investigation=team.investigation,
        shipping_address=address,
        return_address=address,
        created_by=user,
    )
    parcel = ParcelFactory(shipment=shipment)
    puck = ItemFactory(parcel=parcel, kind=ItemKind.CONTAINER, container_type="puck")
    ItemFactory(parcel=parcel, container=puck, position=1)
    embargoed_dataset = team.investigation.datasets.first()
    doi_services.collection_create(
        by=user, datasets=[embargoed_dataset], title="Lysozyme", abstract="Diffraction data."
    )
    session_doi = doi_services.session_doi_register(
        investigation_id=released.pk, provider=LocalProvider(prefix="10.5072")
    )
    job, _ = downloads.download_job_create(
        owner=user, datafiles=list(embargoed_dataset.datafiles.all())
    )

    investigations = [team.investigation, released]
    return World(
        token=Token.objects.create(user=user).key,
        ids={
            "investigations": [i.pk for i in investigations],
            "datasets": list(
                Dataset.objects.filter(investigation__in=investigations).values_list(
                    "pk", flat=True
                )
            ),
            "datafiles": list(
                Datafile.objects.filter(dataset__investigation__in=investigations).values_list(
                    "pk", flat=True
                )
            ),
            "samples": list(
                Sample.objects.filter(investigation__in=investigations).values_list("pk", flat=True)
            ),
            "events": events,
            "addresses": [address.pk],
            "shipments": [shipment.pk],
            "parcels": [parcel.pk],
            "items": list(parcel.items.values_list("pk", flat=True)),
            "doi-collections": list(DataCollection.objects.values_list("pk", flat=True)),
            "dois": [session_doi.identifier],
            "downloads": [str(job.pk)],
        },
    )


@pytest.fixture(autouse=True)
def in_process_wsgi(db) -> Iterator[None]:
    """Requests go straight to the WSGI application, as with Django's test client, which
    likewise keeps the end of a request from closing the connection: that would close the
    test's transaction, and the data with it."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Loaded once at collection: generating the schema reads no data. The portal's own API only:
# the ICAT+ routes in the schema (/icatplus/) take a session id or API key in the path, which
# generated input never names, so here they would only ever answer 403/401; they are checked
# through `icat-plus-client` itself (tests/*/test_icatplus_*client.py) and their schema entries
# by tests/portal/test_icatplus_schema.py.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application).include(path_regex=r"^/api/")


@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
@schema.parametrize()
@schema.given(data=st.data())
def test_api_answers_as_its_schema_says(case, data, world: World) -> None:
    for name, value in list((case.path_parameters or {}).items()):
        if known := world.known(case.operation.path, name):
            case.path_parameters[name] = data.draw(st.sampled_from([*known, value]))
    for values in (case.query, case.body):
        if isinstance(values, dict):
            _refer_to_known_objects(values, world, data)
    # Most generated strings hold a control character, which the input guard refuses before any
    # view runs (portal/middleware.py); half the cases lose theirs, to reach the views.
    if data.draw(st.booleans()):
        case.query = _without_control_characters(case.query)
        case.body = _without_control_characters(case.body)
    case.call_and_validate(headers={"Authorization": f"Token {world.token}"}, checks=CHECKS)


def _refer_to_known_objects(values: dict, world: World, data) -> None:
    for name, resource in REFERENCES.items():
        if name in values and (known := world.ids.get(resource)):
            choices = st.sampled_from(known)
            if isinstance(values[name], list):
                choices = st.lists(choices, min_size=1, max_size=3, unique=True)
            values[name] = data.draw(st.one_of(st.just(values[name]), choices))


def _without_control_characters(value):
    if isinstance(value, str):
        return CONTROL_CHARACTERS.sub("", value)
    if isinstance(value, list):
        return [_without_control_characters(item) for item in value]
    if isinstance(value, dict):
        return {
            _without_control_characters(k): _without_control_characters(v) for k, v in value.items()
        }
    return value


def test_logbook_list_and_new_entry_answer_as_the_schema_says(world: World) -> None:
    """The two operations whose success needs several fields right at once, which generated
    input seldom gets: one valid call each, checked the same way."""
    investigation = world.ids["investigations"][0]
    listed = schema["/api/logbook/events/"]["GET"].Case(query={"investigation": investigation})
    written = schema["/api/logbook/events/"]["POST"].Case(
        body={"investigation": investigation, "title": "Sample changed", "content": "<p>ok</p>"},
        media_type="application/json",
    )
    headers = {"Authorization": f"Token {world.token}"}

    assert listed.call_and_validate(headers=headers, checks=CHECKS).status_code == 200
    assert written.call_and_validate(headers=headers, checks=CHECKS).status_code == 201
