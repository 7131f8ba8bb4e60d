"""ICAT+'s session group through `icat-plus-client` itself, against a live test server: what
MXCuBE and ESRF's scripts do before anything else."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from icat_plus_client import ApiClient, Configuration
from icat_plus_client.api.session_api import SessionApi
from icat_plus_client.exceptions import ApiException
from icat_plus_client.models.credentials import Credentials

from portal.models import IcatPlusSession
from tests import factories


@pytest.fixture
def api(live_server) -> SessionApi:
    return SessionApi(ApiClient(Configuration(host=f"{live_server.url}/icatplus")))


@pytest.fixture
def scientist(transactional_db):
    user = factories.UserFactory(username="jdoe", full_name="Jane Doe", affiliation="ESRF")
    factories.InstrumentFactory(name="ID23-1").scientists.add(user)
    return user


def test_client_logs_in_reads_refreshes_and_logs_out(api, scientist) -> None:
    session = api.session_post(Credentials(username="jdoe", password="password", plugin="esrf"))

    assert session.username == "jdoe"
    assert session.full_name == "Jane Doe"
    assert session.is_instrument_scientist is True
    assert session.is_administrator is False
    assert 700 < session.life_time_minutes <= 720
    assert datetime.fromisoformat(session.expiration_time) > timezone.now()

    info = api.session_session_id_get(session.session_id)
    assert info.user_name == "jdoe"
    assert info.affiliation == "ESRF"
    assert info.user.session_id == session.session_id
    assert info.user.is_instrument_scientist is True

    IcatPlusSession.objects.update(expires_at=timezone.now() + timedelta(minutes=1))
    assert api.session_session_id_put(session.session_id) is None
    assert api.session_session_id_get(session.session_id).remaining_minutes > 700

    assert api.session_session_id_delete(session.session_id) is None
    with pytest.raises(ApiException) as error:
        api.session_session_id_get(session.session_id)
    assert error.value.status == 403


def test_client_with_a_wrong_password_gets_403(api, scientist) -> None:
    with pytest.raises(ApiException) as error:
        api.session_post(Credentials(username="jdoe", password="wrong"))

    assert error.value.status == 403
    assert not IcatPlusSession.objects.exists()


def test_client_with_an_expired_or_unknown_session_gets_403(api, scientist) -> None:
    session = api.session_post(Credentials(username="jdoe", password="password"))
    IcatPlusSession.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    for session_id in (session.session_id, "00000000-0000-4000-8000-000000000000"):
        for call in (api.session_session_id_get, api.session_session_id_put):
            with pytest.raises(ApiException) as error:
                call(session_id)
            assert error.value.status == 403
            assert "Session not found or expired" in error.value.body
