"""Hostile and careless input: dates out of range, bad paging, tag floods, races, stale edits."""

from __future__ import annotations

import io
import json
import threading
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.urls import reverse

from catalogue.models import DownloadJob
from logbook.export import logbook_events
from logbook.models import ApiKey, Tag
from logbook.pdf import logbook_pdf
from logbook.scopes import investigation_scope
from logbook.services import tags_ensure
from logbook.store import EventQuery, get_store
from tests import factories
from tests.logbook.pdf_helpers import pdf_text


@pytest.mark.parametrize(
    "when", [datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC), datetime(1, 1, 1, tzinfo=UTC)]
)
def test_a_stored_event_with_any_date_never_breaks_a_logbook(client, team, when) -> None:
    instrument = team.investigation.instrument
    for owner in ({"investigationId": team.investigation.pk}, {}):
        get_store().insert(
            {
                "type": "notification",
                "category": "info",
                "content": [{"format": "plainText", "text": "far away"}],
                "creationDate": when,
                "instrumentName": instrument.name,
                **owner,
            }
        )
    client.force_login(team.scientist)
    for url in (
        reverse("logbook:investigation", args=[team.investigation.pk]),
        reverse("logbook:beamline", args=[instrument.name]),
        reverse("logbook:beamline", args=[instrument.name]) + "?scope=all",
        f"/api/logbook/events/?investigation={team.investigation.pk}",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(reverse("logbook:investigation", args=[team.investigation.pk]))
    assert "far away" in page.content.decode()
    # The PDF's worker lays the event out too (its date in UTC when local time would overflow).
    scope = investigation_scope(team.scientist, team.investigation.pk)
    docs, _ = logbook_events(scope.base_query())
    pdf = io.BytesIO()
    logbook_pdf(user=team.scientist, scope=scope, docs=docs, out=pdf)
    assert "far away" in pdf_text(pdf.getvalue())


@pytest.fixture
def key(team) -> str:
    return ApiKey.objects.create_key(name="beamline", instrument=team.investigation.instrument)[1]


def notify(client, key: str, instrument: str, **body):
    payload = {"type": "notification", "category": "info", "content": [], **body}
    return client.post(
        f"/icatplus/dataacquisition/{key}/notification?instrumentName={instrument}",
        json.dumps(payload),
        content_type="application/json",
    )


def all_events(team) -> list[dict]:
    return get_store().find(EventQuery(instrument_name=team.investigation.instrument.name))[0]


@pytest.mark.parametrize(
    "when", ["9999-12-31T23:59:59", "1066-10-14T09:00:00", "2020-13-45T00:00:00"]
)
def test_icatplus_event_dated_out_of_range_is_refused(client, team, key, when) -> None:
    response = notify(client, key, team.investigation.instrument.name, creationDate=when)
    assert response.status_code == 400 and response.json()["field"] == "creationDate"
    assert all_events(team) == []


@pytest.mark.parametrize(
    "query,field",
    [
        ("startDate=2020-13-45", "startDate"),
        ("endDate=9999-12-31", "endDate"),
        ("limit=-5", "limit"),
        ("limit=abc", "limit"),
        ("skip=-1", "skip"),
    ],
)
def test_icatplus_investigation_lookup_with_bad_parameters_is_400(
    client, key, query, field
) -> None:
    response = client.get(f"/icatplus/dataacquisition/{key}/investigation?{query}")
    assert response.status_code == 400 and response.json()["field"] == field


@pytest.mark.parametrize("param", ["end", "day", "start"])
def test_far_dates_in_logbook_filters_are_explained_not_500(client, team, add_event, param):
    add_event(team.investigation, text="collect")
    client.force_login(team.participant)
    page = client.get(
        reverse("logbook:investigation", args=[team.investigation.pk]), {param: "9999-12-31"}
    )
    assert page.status_code == 200
    assert "Filters ignored" in page.content.decode() and "collect" in page.content.decode()
    pdf = client.post(
        reverse("logbook:investigation-pdf", args=[team.investigation.pk]) + f"?{param}=9999-12-31"
    )
    assert pdf.status_code == 400 and "1900" in pdf.content.decode()
    assert not DownloadJob.objects.exists()
    api = client.get(
        "/api/logbook/events/", {"investigation": team.investigation.pk, param: "9999-12-31"}
    )
    assert api.status_code == 400 and param in api.json()


def test_impossible_page_cursor_starts_again_from_the_top(client, team, add_event) -> None:
    add_event(team.investigation, text="collect")
    client.force_login(team.participant)
    page = client.get(
        reverse("logbook:investigation", args=[team.investigation.pk]),
        {"after": "2020-13-45T00:00:00~5"},
    )
    assert page.status_code == 200 and "broken" in page.content.decode()


def test_an_event_takes_at_most_fifty_short_tags(client, team, key) -> None:
    client.force_login(team.participant)
    api = "/api/logbook/events/"
    for tags in ([f"t{i}" for i in range(51)], ["x" * 61]):
        response = client.post(
            api,
            {"investigation": team.investigation.pk, "content": "hi", "tags": tags},
            content_type="application/json",
        )
        assert response.status_code == 400 and "tags" in response.json()
        icat = notify(
            client,
            key,
            team.investigation.instrument.name,
            tag=[{"name": t} for t in tags],
        )
        assert icat.status_code == 400 and icat.json()["field"] == "tag"  # ICAT+'s name
    assert all_events(team) == [] and not Tag.objects.exists()
    ok = client.post(
        api,
        {
            "investigation": team.investigation.pk,
            "content": "hi",
            "tags": [f"t{i}" for i in range(50)],
        },
        content_type="application/json",
    )
    assert ok.status_code == 201 and Tag.objects.count() == 50


def run_together(n: int, work) -> list:
    """`work(i)` in n threads released at once; what each returned or raised."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as error:  # noqa: BLE001 - the test asserts on it
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_twenty_writers_creating_one_tag_all_get_it() -> None:
    investigation = factories.InvestigationFactory()
    results = run_together(
        20,
        lambda i: tags_ensure(
            names=["alignment"], investigation=investigation, instrument=investigation.instrument
        ),
    )
    assert results == [["alignment"]] * 20
    assert Tag.objects.filter(investigation=investigation).count() == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_edits_keep_every_version() -> None:
    investigation = factories.InvestigationFactory()
    store = get_store()
    doc = store.insert(
        {"type": "annotation", "category": "comment", "investigationId": investigation.pk}
    )
    results = run_together(
        20, lambda i: store.update(doc["_id"], {"title": f"edit {i}"}, by=f"user{i}")
    )
    assert not [r for r in results if isinstance(r, Exception)]
    history = store.history(doc["_id"])
    assert len(history) == 21
    assert {v["title"] for v in history[:-1]} == {f"edit {i}" for i in range(20)}


def test_stale_edit_gets_409_naming_who_changed_it_and_keeps_the_text(client, team) -> None:
    client.force_login(team.participant)
    doc = get_store().insert(
        {
            "type": "annotation",
            "category": "comment",
            "title": "first",
            "investigationId": team.investigation.pk,
            "instrumentName": team.investigation.instrument.name,
        }
    )
    url = reverse("logbook:event-edit", args=[doc["_id"]])
    form = client.get(url).context["form"]
    started_from = form.initial["version"]
    get_store().update(doc["_id"], {"title": "theirs"}, by="pnovak")
    response = client.post(
        url, {"title": "mine", "content": "<p>my careful words</p>", "version": started_from}
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "changed by pnovak at" in body and "my careful words" in body
    assert [v["title"] for v in get_store().history(doc["_id"])] == ["theirs", "first"]
    api = client.patch(
        f"/api/logbook/events/{doc['_id']}/",
        {"title": "mine", "version": started_from},
        content_type="application/json",
    )
    assert api.status_code == 409 and "pnovak" in api.json()["detail"]
    fresh = client.patch(
        f"/api/logbook/events/{doc['_id']}/",
        {"title": "mine", "version": api.json()["version"]},
        content_type="application/json",
    )
    assert fresh.status_code == 200 and fresh.json()["title"] == "mine"


def test_a_new_beamline_entry_with_tags_creates_them(client, team) -> None:
    instrument = team.investigation.instrument
    client.force_login(team.scientist)
    response = client.post(
        reverse("logbook:beamline-create", args=[instrument.name]),
        {"content": "cryostream refilled", "tags": "cryo, maintenance"},
    )
    assert response.status_code == 302
    tags = Tag.objects.filter(investigation=None, instrument=instrument)
    assert sorted(tags.values_list("name", flat=True)) == ["cryo", "maintenance"]


@pytest.mark.parametrize("field", ["instrumentName", "investigationName"])
@pytest.mark.parametrize("value", [["ID30"], {"name": "ID30"}, 30, True])
def test_icatplus_names_that_are_not_strings_are_400(client, team, key, field, value) -> None:
    response = client.post(
        f"/icatplus/dataacquisition/{key}/notification",
        json.dumps({"type": "annotation", "category": "comment", field: value}),
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["field"] == field
    assert all_events(team) == []


@pytest.mark.parametrize("ids", ["99999999999999999999", "1,-99999999999999999999", "0"])
def test_icatplus_investigation_ids_beyond_any_id_are_400(client, key, ids) -> None:
    response = client.get(f"/icatplus/dataacquisition/{key}/investigation", {"ids": ids})
    assert response.status_code == 400 and response.json()["field"] == "ids"
