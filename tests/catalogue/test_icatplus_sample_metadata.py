"""ICAT+'s sample_metadata routes through the Django test client: who may write samples (per
role, hidden answered as nonexistent), refused input changing nothing, bounded queries. The
contract with `icat-plus-client` itself: test_icatplus_sample_metadata_client.py."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from catalogue.models import Sample, SampleFile, SampleParameter
from portal.models import IcatPlusSession
from tests import factories

pytestmark = pytest.mark.django_db

BASE = "/icatplus/samplemetadata"
MISSING = 987654321


@pytest.fixture
def world(db) -> dict:
    embargoed = factories.InvestigationFactory(name="MX-2590")
    team = factories.make_team(embargoed)
    released = factories.InvestigationFactory(name="MX-1000", released=True)
    factories.make_team(released)
    factories.ParameterTypeFactory(name="concentration", units="mg/ml")
    factories.ParameterTypeFactory(name="buffer", units="", value_type="string")
    factories.ParameterTypeFactory(name="volume", units="ul")
    factories.ParameterTypeFactory(name="volume", units="ml")
    return {
        "team": team,
        "embargoed": embargoed,
        "released": released,
        "embargoed_sample": factories.SampleFactory(investigation=embargoed, name="e-sample"),
        "released_sample": factories.SampleFactory(investigation=released, name="r-sample"),
    }


def _sid(user) -> str:
    return IcatPlusSession.objects.open(user=user)[1]


def _send(client, method: str, sid: str, route: str, query: str, body: dict | None = None):
    if method == "GET":
        return client.get(f"{BASE}/{sid}/{route}?{query}")
    call = getattr(client, method.lower())
    return call(
        f"{BASE}/{sid}/{route}?{query}",
        data=json.dumps(body or {}),
        content_type="application/json",
    )


def test_team_writes_readers_get_403_outsiders_get_what_a_nonexistent_id_gets(
    client, world
) -> None:
    team = world["team"]
    writers = {
        "principal_investigator": team.principal_investigator,
        "participant": team.participant,
        "collaborator": team.collaborator,
        "local_contact": team.local_contact,
        "scientist": team.scientist,
        "staff": team.staff,
    }
    others = {"outsider": team.outsider, "other_scientist": team.other_scientist}
    embargoed, released = world["embargoed"], world["released"]
    failures = []
    for role, user in writers.items():
        sid = _sid(user)
        made = _send(
            client, "POST", sid, "samples", f"investigationId={embargoed.pk}", {"name": role}
        )
        if made.status_code != 200:
            failures.append(f"{role} POST: {made.status_code}")
            continue
        pk = made.json()["_id"]
        put = _send(
            client,
            "PUT",
            sid,
            "samples",
            f"investigationId={embargoed.pk}&sampleId={pk}",
            {"name": f"{role}-2"},
        )
        gone = _send(
            client, "DELETE", sid, "samples", f"investigationId={embargoed.pk}&sampleIds={pk}"
        )
        if (put.status_code, gone.status_code, gone.json()) != (200, 200, {"deletedCount": 1}):
            failures.append(f"{role} PUT/DELETE: {put.status_code} {gone.status_code}")
    for role, user in others.items():
        sid = _sid(user)
        sample = world["embargoed_sample"].pk
        for method, route, hidden, missing in [
            ("POST", "samples", f"investigationId={embargoed.pk}", f"investigationId={MISSING}"),
            (
                "PUT",
                "samples",
                f"investigationId={embargoed.pk}&sampleId={sample}",
                f"investigationId={MISSING}&sampleId={MISSING}",
            ),
            (
                "DELETE",
                "samples",
                f"investigationId={embargoed.pk}&sampleIds={sample}",
                f"investigationId={MISSING}&sampleIds={MISSING}",
            ),
            (
                "GET",
                "samples/files",
                f"investigationId={embargoed.pk}&sampleId={sample}&fileId=1",
                f"investigationId={MISSING}&sampleId={MISSING}&fileId=1",
            ),
            (
                "DELETE",
                "samples/files",
                f"investigationId={embargoed.pk}&sampleId={sample}&fileIds=1",
                f"investigationId={MISSING}&sampleId={MISSING}&fileIds=1",
            ),
        ]:
            body = {"name": "intruder"}
            seen = _send(client, method, sid, route, hidden, body)
            twin = _send(client, method, sid, route, missing, body)
            strip = (str(embargoed.pk), str(sample), str(MISSING))
            shown, expected = seen.content.decode(), twin.content.decode()
            for value in strip:
                shown, expected = shown.replace(value, "<ID>"), expected.replace(value, "<ID>")
            if (seen.status_code, shown) != (twin.status_code, expected) or seen.status_code != 404:
                failures.append(f"{role} {method} {route}: {seen.status_code} {shown}")
            if b"e-sample" in seen.content or b"MX-2590" in seen.content:
                failures.append(f"{role} {method} {route}: leaks a name")
        # Released samples are read by anyone, changed by none of them.
        r_sample = world["released_sample"].pk
        for method, query in [
            ("POST", f"investigationId={released.pk}"),
            ("PUT", f"investigationId={released.pk}&sampleId={r_sample}"),
            ("DELETE", f"investigationId={released.pk}&sampleIds={r_sample}"),
        ]:
            answer = _send(client, method, sid, "samples", query, {"name": "intruder"})
            if answer.status_code != 403:
                failures.append(f"{role} {method} released: {answer.status_code}")
    assert failures == []
    assert not Sample.objects.filter(name="intruder").exists()
    assert Sample.objects.filter(pk=world["released_sample"].pk, name="r-sample").exists()


def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(client, world) -> None:
    sid = _sid(world["team"].participant)
    inv = world["embargoed"].pk
    sample = world["embargoed_sample"]
    SampleParameter.objects.create(
        sample=sample,
        type=factories.ParameterTypeFactory(name="concentration", units="mg/ml"),
        numeric_value=3,
    )
    bodies = [
        ({}, "name"),
        ({"name": "x" * 256}, "name"),
        ({"name": "s", "metadata": [{"name": "unknown", "value": ["1"]}]}, "metadata"),
        ({"name": "s", "metadata": [{"name": "concentration", "value": ["lots"]}]}, "metadata"),
        ({"name": "s", "metadata": [{"name": "concentration", "value": ["nan"]}]}, "metadata"),
        ({"name": "s", "metadata": [{"name": "concentration", "value": ["1", "2"]}]}, "metadata"),
        ({"name": "s", "metadata": [{"name": "volume", "value": ["1"]}]}, "metadata"),
        ({"name": "s", "metadata": "buffer"}, "metadata"),
        (
            {
                "name": "s",
                "metadata": [
                    {"name": "buffer", "value": "a"},
                    {"name": "buffer", "value": "b"},
                ],
            },
            "metadata",
        ),
        ({"name": "s", "relatedItems": [{"relatedSample": {"name": "a"}}]}, "relatedItems"),
    ]
    for body, field in bodies:
        for method, query in [
            ("POST", f"investigationId={inv}"),
            ("PUT", f"investigationId={inv}&sampleId={sample.pk}"),
        ]:
            answer = _send(client, method, sid, "samples", query, body)
            assert answer.status_code == 400, (method, body, answer.content)
            assert answer.json()["field"] == field, (method, body, answer.json())
            assert "{" not in answer.json()["message"], answer.json()
    queries = [
        ("GET", "samples", "", "investigationId"),
        ("GET", "samples", "investigationId=1,x", "investigationId"),
        ("GET", "samples", f"investigationId={inv}&limit=0", "limit"),
        ("GET", "samples", f"investigationId={inv}&sortBy=secret", "sortBy"),
        ("GET", "samples", f"investigationId={inv}&createdBy=me", "createdBy"),
        ("GET", "samples", f"investigationId={inv}&parameters=a~eq~1", "parameters"),
        ("GET", "metadata", f"investigationId={inv}", "metadataName"),
        ("GET", "samples/acquisition", "proposal=MX-2590", "beamline"),
        ("GET", "samples/acquisition", "proposal=a&beamline=b&startDate=soon", "startDate"),
        ("GET", "samples/prefix", "", "rule"),
        ("POST", "samples", "investigationId=0", "investigationId"),
        ("PUT", "samples", f"investigationId={inv}", "sampleId"),
        ("DELETE", "samples", f"investigationId={inv}&sampleIds=", "sampleIds"),
        ("GET", "samples/files", f"investigationId={inv}", "sampleId"),
    ]
    for method, route, query, field in queries:
        answer = _send(client, method, sid, route, query, {"name": "s"})
        assert answer.status_code == 400, (route, query, answer.content)
        assert answer.json()["field"] == field, (route, query, answer.json())
    sample.refresh_from_db()
    assert Sample.objects.count() == 2 and sample.name == "e-sample"
    assert [p.value for p in sample.parameters.all()] == [3.0]


def test_refused_uploads_are_a_400_and_store_nothing(client, world, settings) -> None:
    settings.SAMPLE_FILE_MAX_BYTES = 1000
    sid = _sid(world["team"].participant)
    sample = world["embargoed_sample"]
    url = (
        f"{BASE}/{sid}/samples/files?investigationId={world['embargoed'].pk}"
        f"&sampleId={sample.pk}&metadataname=photo"
    )
    pdf = b"%PDF-1.7\n"
    uploads = [
        [SimpleUploadedFile("big.pdf", pdf + b"x" * 1000)],
        [SimpleUploadedFile("tool.exe", b"MZ\x90")],
        [SimpleUploadedFile("fake.png", pdf)],
        [SimpleUploadedFile("notes.txt", b"caf\xe9 \x00 binary")],
        [SimpleUploadedFile(f"f{n}.pdf", pdf) for n in range(11)],
        [SimpleUploadedFile("ok.pdf", pdf), SimpleUploadedFile("bad.jpg", pdf)],
        [],
    ]
    for files in uploads:
        answer = client.post(url, {"files": files})
        assert answer.status_code == 400, (files, answer.content)
        assert answer.json()["field"] == "files"
    no_name = client.post(url.removesuffix("&metadataname=photo"), {"files": [pdf]})
    assert no_name.status_code == 400 and no_name.json()["field"] == "metadataname"
    assert not SampleFile.objects.exists()
    assert not any((settings.MEDIA_ROOT / "sample-files").rglob("*.*"))


def test_a_measured_sample_and_a_partly_wrong_list_are_not_removed(client, world) -> None:
    sid = _sid(world["team"].participant)
    inv = world["embargoed"]
    measured = world["embargoed_sample"]
    factories.DatasetFactory(investigation=inv, sample=measured)
    spare = factories.SampleFactory(investigation=inv, name="spare")
    elsewhere = world["released_sample"]

    with_data = _send(
        client,
        "DELETE",
        sid,
        "samples",
        f"investigationId={inv.pk}&sampleIds={spare.pk},{measured.pk}",
    )
    other_inv = _send(
        client,
        "DELETE",
        sid,
        "samples",
        f"investigationId={inv.pk}&sampleIds={spare.pk},{elsewhere.pk}",
    )

    assert with_data.status_code == 403 and "e-sample" in with_data.json()["message"]
    assert other_inv.status_code == 404
    assert Sample.objects.filter(pk__in=[spare.pk, measured.pk, elsewhere.pk]).count() == 3


def test_removing_a_sample_or_its_file_removes_the_stored_bytes(
    client, world, django_capture_on_commit_callbacks
) -> None:
    sid = _sid(world["team"].participant)
    inv = world["embargoed"]
    spare = factories.SampleFactory(investigation=inv, name="spare")
    kept, dropped, with_sample = (
        SampleFile.objects.create(
            sample=sample,
            metadata_name="notes",
            filename=f"{n}.txt",
            content_type="text/plain",
            size=2,
            file=ContentFile(b"hi", name=f"{n}.txt"),
        )
        for n, sample in enumerate([world["embargoed_sample"], world["embargoed_sample"], spare])
    )
    paths = [Path(f.file.path) for f in (kept, dropped, with_sample)]
    base = f"investigationId={inv.pk}"

    with django_capture_on_commit_callbacks(execute=True):
        one = _send(
            client,
            "DELETE",
            sid,
            "samples/files",
            f"{base}&sampleId={kept.sample_id}&fileIds={dropped.pk}",
        )
        both = _send(client, "DELETE", sid, "samples", f"{base}&sampleIds={spare.pk}")

    assert one.status_code == 200
    assert {m["name"]: m["value"] for m in one.json()["metadata"]} == {"notes": [str(kept.pk)]}
    assert both.json() == {"deletedCount": 1}
    assert [p.exists() for p in paths] == [True, False, False]


def test_sample_list_and_acquisition_take_bounded_queries(
    client, world, django_assert_max_num_queries
) -> None:
    inv = world["embargoed"]
    inv.start_date = timezone.now() - timedelta(hours=1)
    inv.end_date = timezone.now() + timedelta(hours=1)
    inv.save()
    buffer = factories.ParameterTypeFactory(name="buffer", units="", value_type="string")
    for n in range(15):
        sample = factories.SampleFactory(investigation=inv, name=f"s{n:02d}")
        SampleParameter.objects.create(sample=sample, type=buffer, string_value=f"b{n}")
    sid = _sid(world["team"].participant)

    with django_assert_max_num_queries(6):
        listed = client.get(f"{BASE}/{sid}/samples?investigationId={inv.pk}&limit=10&skip=2")
    with django_assert_max_num_queries(6):
        metadata = client.get(
            f"{BASE}/{sid}/metadata?investigationId={inv.pk}&metadataName=buffer"
            "&metadataValue=b3&projectName=any"
        )
    with django_assert_max_num_queries(6):
        acquisition = client.get(
            f"{BASE}/{sid}/samples/acquisition?proposal=mx2590"
            f"&beamline={inv.instrument.name.lower()}&startDate={timezone.localdate().isoformat()}"
        )

    assert [s["name"] for s in listed.json()] == [f"s{n:02d}" for n in range(1, 11)]
    assert listed.json()[0]["metadata"][0]["value"] == ["b1"]
    assert [s["name"] for s in metadata.json()] == ["s03"]
    assert len(acquisition.json()) == 16
