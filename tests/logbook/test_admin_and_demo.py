from __future__ import annotations

import io

from django.contrib.messages import get_messages

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


def test_demo_seeds_realistic_logbooks(db) -> None:
    instrument = factories.InstrumentFactory(name="ID23-1")
    team = factories.make_team(factories.InvestigationFactory(instrument=instrument))
    factories.DatasetFactory(investigation=team.investigation, name="lyso_1")
    factories.UserFactory(username="admin", is_staff=True)
    out = io.StringIO()
    demo.seed(out=out)
    docs, _ = get_store().find(EventQuery(investigation_id=team.investigation.pk), limit=500)
    kinds = {(d["type"], d["category"]) for d in docs}
    assert ("notification", "commandline") in kinds and ("attachment", "file") in kinds
    assert sum(d["category"] == "commandline" for d in docs) >= 80
    assert (
        Attachment.objects.exists()
        and Tag.objects.filter(investigation=team.investigation).exists()
    )
    beamline, _ = get_store().find(
        EventQuery(instrument_name="ID23-1", beamline_only=True, all_broadcasts=True)
    )
    assert {d["type"] for d in beamline} == {"annotation", "broadcast"}
    assert "events" in out.getvalue()
