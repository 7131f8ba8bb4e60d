from __future__ import annotations

import io
from datetime import timedelta

from django.contrib.messages import get_messages

from catalogue.models import DatasetParameter, DatasetType
from logbook import demo
from logbook.models import ApiKey, Attachment, Tag, hash_key
from logbook.store import EventQuery, get_store
from tests import factories


def test_admin_creates_a_key_shown_once_and_revokes_it(client, db) -> None:
    admin_user = factories.UserFactory(is_staff=True, is_superuser=True)
    instrument = factories.InstrumentFactory(name="ID23-1")
    client.force_login(admin_user)
    response = client.post(
        "/admin/logbook/apikey/add/", {"name": "MXCuBE", "instrument": instrument.pk}
    )
    assert response.status_code == 302
    message = next(str(m) for m in get_messages(response.wsgi_request) if "API key is" in str(m))
    raw = message.split("API key is ")[1].split(" ")[0]
    key = ApiKey.objects.get()
    assert (
        key.key_hash == hash_key(raw) and raw not in key.key_hash and key.created_by == admin_user
    )
    client.post("/admin/logbook/apikey/", {"action": "revoke", "_selected_action": [key.pk]})
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert (
        client.post(
            f"/icatplus/dataacquisition/{raw}/notification", {}, content_type="application/json"
        ).status_code
        == 403
    )


def test_demo_logs_each_dataset_inside_its_session_from_its_parameters(db) -> None:
    instrument = factories.InstrumentFactory(name="ID23-1")
    team = factories.make_team(factories.InvestigationFactory(instrument=instrument))
    session = team.investigation
    sample = factories.SampleFactory(investigation=session, name="lyso")
    clock = session.start_date + timedelta(hours=1)
    for run in (1, 2):
        factories.DatasetFactory(
            investigation=session,
            sample=sample,
            name=f"lyso_{run:04d}",
            start_date=clock + timedelta(minutes=10 * run),
            end_date=clock + timedelta(minutes=10 * run + 5),
        )
    processed = factories.DatasetFactory(
        investigation=session,
        sample=sample,
        name="lyso_autoprocessing",
        type=DatasetType.PROCESSED,
        start_date=clock + timedelta(minutes=30),
        end_date=clock + timedelta(minutes=35),
    )
    space_group = factories.ParameterTypeFactory(name="space group", units="", value_type="string")
    DatasetParameter.objects.create(dataset=processed, type=space_group, string_value="P 43 21 2")
    factories.UserFactory(username="admin", is_staff=True)
    out = io.StringIO()
    demo.seed(out=out)
    docs, _ = get_store().find(EventQuery(investigation_id=session.pk), limit=500)
    kinds = {(d["type"], d["category"]) for d in docs}
    assert ("notification", "commandline") in kinds and ("attachment", "file") in kinds
    texts = " ".join(d["content"][0]["text"] for d in docs)
    assert "collect(" in texts and "indexed in P 43 21 2" in texts and "Rg" not in texts
    assert all(session.start_date <= d["creationDate"] <= session.end_date for d in docs)
    about = [d for d in docs if d.get("datasetName") == "lyso_autoprocessing"]
    assert about and all(
        abs(d["creationDate"] - processed.end_date) < timedelta(minutes=20) for d in about
    )
    assert (
        Attachment.objects.exists()
        and Tag.objects.filter(investigation=team.investigation).exists()
    )
    # The richest entry: the PI's summary, with the plot between its paragraphs.
    [summary] = [d for d in docs if d.get("title") == "Shift summary"]
    assert summary["username"] == team.principal_investigator.username
    html = summary["content"][0]["text"]
    plot = Attachment.objects.get(investigation=session).get_absolute_url()
    assert all(part in html for part in ("<h3>", "<strong>", "<ul>", "<table>", plot))
    beamline, _ = get_store().find(
        EventQuery(instrument_name="ID23-1", beamline_only=True, all_broadcasts=True)
    )
    assert {d["type"] for d in beamline} == {"annotation", "broadcast"}
    assert "events" in out.getvalue()
    late = [d for d in docs if d.get("refersTo")]
    assert len(late) == 1 and session.start_date <= late[0]["refersTo"] < late[0]["creationDate"]
    assert len(get_store().history(late[0]["_id"])) == 3
