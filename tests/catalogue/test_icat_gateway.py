"""The python-icat gateway, without an ICAT server: python-icat's own Client and Query classes run
against a recorded ICAT 5 schema (getEntityInfo answers, tests/catalogue/icat_fixtures/), and the
server's search answers are canned. The stand-in is the server, named `RecordedSchemaClient`."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import icat.client
import icat.entities
import icat.exception
import pytest
import suds.sudsobject
from icat.helper import Version

from catalogue.icat.gateway import (
    IcatGateway,
    query_by_ids,
    query_ids,
    query_investigation,
    query_later,
    query_same_second,
    to_record,
)
from catalogue.icat.records import ENTITIES, Cursor, GatewayError

SCHEMA = Path(__file__).parent / "icat_fixtures" / "icat5_entity_info.json"


class _Info(dict):
    """Answers `info.fields` and `field["name"]` alike, as suds objects do."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class _Factory:
    def __init__(self, info: dict[str, _Info]) -> None:
        self.info = info

    def create(self, name: str) -> Any:
        obj = suds.sudsobject.Factory.object(name)
        for field in self.info[name[0].upper() + name[1:]].fields:
            setattr(obj, field.name, None)
        return obj


class RecordedSchemaClient(icat.client.Client):
    """python-icat's Client with the server replaced: entity info from a recording, searches
    answered from `answers` (a list; an exception in it is raised), queries kept in `queries`."""

    instances: list[RecordedSchemaClient] = []

    def __init__(self, url: str = "https://icat.invalid", **kwargs: Any) -> None:
        data = json.loads(SCHEMA.read_text())
        self.ids, self.autoLogout = None, False  # read by Client.__setattr__ and __del__
        self.url, self.kwargs, self.sessionId = url, kwargs, None
        self.apiversion = Version(data["apiversion"])
        entities = dict(data["entities"])
        entities["Parameter"] = {
            "constraint": [],
            "fields": [f for f in entities["DatasetParameter"]["fields"] if f["name"] != "dataset"],
        }
        self.entityInfoCache = {
            bean: _Info(
                constraints=[_Info(fieldNames=v["constraint"])],
                fields=[_Info(f) for f in v["fields"]],
            )
            for bean, v in entities.items()
        }
        self.factory = _Factory(self.entityInfoCache)
        self.typemap = icat.entities.getTypeMap(self)
        self.queries: list[str] = []
        self.answers: list[Any] = []
        self.logins = 0
        self.refreshes = 0
        RecordedSchemaClient.instances.append(self)

    def getEntityNames(self) -> list[str]:
        return [name for name in self.entityInfoCache if name != "Parameter"]

    def login(self, auth: str, credentials: dict) -> str:
        self.logins += 1
        self.sessionId = f"session-{self.logins}"
        return self.sessionId

    def logout(self) -> None:
        self.sessionId = None

    def autoRefresh(self) -> None:
        self.refreshes += 1

    def search(self, query: Any) -> list[Any]:
        self.queries.append(str(query))
        answer = self.answers.pop(0) if self.answers else []
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def client() -> RecordedSchemaClient:
    return RecordedSchemaClient()


def test_every_include_and_investigation_path_exists_in_the_recorded_icat5_schema(client) -> None:
    # python-icat's Query checks each attribute and relation against the entity info.
    for spec in ENTITIES:
        assert str(query_later(client, spec.name, datetime(2024, 1, 1, tzinfo=UTC), 10)).startswith(
            f"SELECT o FROM {spec.name} o WHERE"
        )
        if spec.investigation_path is not None:
            assert "MX-2468" in str(query_investigation(client, spec.name, "MX-2468", 0, 10))


def test_later_query_on_recorded_schema_reads_in_mod_time_then_id_order(client) -> None:
    query = query_later(client, "Dataset", datetime(2024, 3, 1, 8, 0, 0, 500000, tzinfo=UTC), 1000)
    text = str(query)
    assert text.startswith(
        "SELECT o FROM Dataset o WHERE o.modTime >= {ts 2024-03-01 08:00:00}"
        " ORDER BY o.modTime, o.id"
    )
    assert text.endswith("LIMIT 0, 1000")
    for rel in ("o.investigation", "o.type", "o.sample"):
        assert rel in text.split("INCLUDE", 1)[1]


def test_same_second_query_on_recorded_schema_reads_the_rest_of_a_second_by_id(client) -> None:
    text = str(
        query_same_second(client, "Datafile", datetime(2024, 3, 1, 8, 0, tzinfo=UTC), 42, 500)
    )
    assert text == (
        "SELECT o FROM Datafile o WHERE o.id > 42 AND o.modTime >= {ts 2024-03-01 08:00:00}"
        " AND o.modTime < {ts 2024-03-01 08:00:01} ORDER BY o.id INCLUDE o.dataset LIMIT 0, 500"
    )


def test_recorded_schema_timestamps_are_written_in_the_icat_server_time_zone(client) -> None:
    from zoneinfo import ZoneInfo

    text = str(
        query_later(
            client, "User", datetime(2024, 7, 1, 8, 0, tzinfo=UTC), 5, ZoneInfo("Europe/Paris")
        )
    )
    assert "{ts 2024-07-01 10:00:00}" in text


def test_investigation_query_on_recorded_schema_joins_and_quotes_the_name(client) -> None:
    text = str(query_investigation(client, "DatasetParameter", "O'Brien-1", 7, 100))
    assert "JOIN o.dataset AS ds JOIN ds.investigation AS" in text
    assert ".name = 'O''Brien-1'" in text
    assert "o.id > 7" in text


def test_id_queries_on_recorded_schema_for_the_reconciliation(client) -> None:
    assert str(query_ids(client, "Datafile", 99, 10000)) == (
        "SELECT o.id FROM Datafile o WHERE o.id > 99 ORDER BY o.id LIMIT 0, 10000"
    )
    assert "WHERE o.id IN (3, 5)" in str(query_by_ids(client, "Sample", [3, 5]))


def test_a_python_icat_entity_of_the_recorded_schema_becomes_a_plain_record(client) -> None:
    investigation = client.new("Investigation", id=100, name="MX-2468", visitId="id231")
    dataset_type = client.new("DatasetType", id=31, name="acquisition")
    dataset = client.new(
        "Dataset",
        id=300,
        name="lyso_0001",
        location="/data/x",
        investigation=investigation,
        type=dataset_type,
    )
    dataset.instance.modTime = datetime(
        2024, 3, 1, 8, 0, tzinfo=UTC
    )  # set by the server, never by clients
    record = to_record("Dataset", dataset)
    assert (record.entity, record.id, record.mod_time) == (
        "Dataset",
        300,
        datetime(2024, 3, 1, 8, 0, tzinfo=UTC),
    )
    assert record.fields["name"] == "lyso_0001"
    assert record.fields["investigation"]["id"] == 100
    assert record.fields["type"]["name"] == "acquisition"
    assert record.fields["sample"] is None


def _gateway(**kwargs: Any) -> IcatGateway:
    RecordedSchemaClient.instances.clear()
    return IcatGateway(
        url="https://icat.invalid",
        auth="simple",
        username="reader",
        password="secret",
        client_factory=RecordedSchemaClient,
        **kwargs,
    )


def test_gateway_on_recorded_schema_client_logs_in_once_and_refreshes_each_search() -> None:
    gateway = _gateway()
    gateway.read_ids("Datafile", 0, 10)
    gateway.read_ids("Datafile", 0, 10)
    (client,) = RecordedSchemaClient.instances
    assert (client.logins, client.refreshes) == (1, 2)
    assert gateway.entity_types() == [spec.name for spec in ENTITIES]


def test_gateway_on_recorded_schema_client_logs_in_again_when_the_session_expired() -> None:
    gateway = _gateway()
    gateway.read_ids("User", 0, 10)
    first = RecordedSchemaClient.instances[0]
    first.answers.append(icat.exception.ICATSessionError("Unable to find user by sessionid"))
    assert gateway.read_ids("User", 0, 10) == []
    assert len(RecordedSchemaClient.instances) == 2  # a new client, logged in afresh


def test_gateway_on_recorded_schema_client_turns_icat_failures_into_gateway_errors() -> None:
    gateway = _gateway()
    gateway.read_ids("User", 0, 10)
    RecordedSchemaClient.instances[0].answers.append(
        icat.exception.ICATInternalError("database down")
    )
    with pytest.raises(GatewayError, match="database down"):
        gateway.read_ids("User", 0, 10)


def test_an_unreachable_icat_with_the_real_client_is_a_gateway_error() -> None:
    # The real python-icat client, pointed at a closed port.
    gateway = IcatGateway(url="http://127.0.0.1:9/", auth="simple", username="u", password="p")
    started = time.monotonic()
    with pytest.raises(GatewayError, match="unreachable at http://127.0.0.1:9/"):
        gateway.read_batch("Investigation", Cursor(), 10)
    assert time.monotonic() - started < 30


def test_password_comes_from_the_secret_file_when_set(settings, tmp_path) -> None:
    secret = tmp_path / "icat-password"
    secret.write_text("s3cret\n")
    settings.ICAT_PASSWORD_FILE = str(secret)
    settings.ICAT_PASSWORD = "ignored"
    assert IcatGateway(url="https://icat.invalid").password == "s3cret"
