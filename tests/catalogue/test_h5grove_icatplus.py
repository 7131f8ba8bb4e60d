"""ICAT+'s `h5grove` group (`/icatplus/h5grove/...?sessionId=&datafileId=`), through
`icat-plus-client` itself, and the 404 an outsider gets from every h5grove route, web and ICAT+,
for an embargoed file: the same bytes as for a datafile that does not exist."""

from __future__ import annotations

import pytest
from django.urls import reverse
from icat_plus_client import ApiClient, Configuration
from icat_plus_client.api.h5_grove_api import H5GroveApi

from catalogue.h5grove import ROUTES
from portal.models import IcatPlusSession
from tests import factories
from tests.catalogue.dataset_files import datafile, write_h5

MISSING_ID = 987654321


def _embargoed_h5(member) -> object:
    investigation = factories.InvestigationFactory()  # ends in the future: under embargo
    factories.InvestigationUserFactory(investigation=investigation, user=member)
    dataset = factories.DatasetFactory(investigation=investigation, name="secret-scan")
    h5 = datafile(dataset, "secret-scan.h5")
    write_h5(h5.location)
    return h5


def test_icatplus_client_reads_the_file_through_its_h5grove_routes(live_server) -> None:
    member = factories.UserFactory()
    h5 = _embargoed_h5(member)
    _, session_id = IcatPlusSession.objects.open(user=member)
    api = H5GroveApi(ApiClient(Configuration(host=f"{live_server.url}/icatplus")))

    meta = api.h5grove_meta_get_without_preload_content(session_id, str(h5.pk))
    assert meta.status == 200
    assert meta.json()["kind"] == "group" and meta.json()["children"][0]["name"] == "entry"
    stats = api.h5grove_stats_get_without_preload_content(session_id, str(h5.pk))
    assert stats.status == 400 and stats.json() == {"message": "/ is not a dataset."}


@pytest.mark.django_db
def test_outsider_gets_the_404_of_a_nonexistent_file_from_every_h5grove_route(client) -> None:
    member, outsider = factories.UserFactory(), factories.UserFactory()
    h5 = _embargoed_h5(member)
    _, outsider_session = IcatPlusSession.objects.open(user=outsider)
    _, member_session = IcatPlusSession.objects.open(user=member)
    client.force_login(outsider)
    for route in ROUTES:
        query = {"path": "/entry"} if route == "paths" else {"path": "/entry/data/stack"}
        web = [reverse(f"catalogue:h5grove-{route}", args=[pk]) for pk in (h5.pk, MISSING_ID)]
        hidden, missing = (client.get(url, query) for url in web)
        assert (hidden.status_code, hidden.content) == (missing.status_code, missing.content)
        assert hidden.status_code == 404 and b"secret" not in hidden.content

        icat = reverse(f"icatplus-h5grove-{route}")
        hidden, missing = (
            client.get(icat, {**query, "sessionId": outsider_session, "datafileId": pk})
            for pk in (h5.pk, MISSING_ID)
        )
        assert (hidden.status_code, hidden.content) == (missing.status_code, missing.content)
        assert hidden.status_code == 404 and b"secret" not in hidden.content

        member_sees = client.get(icat, {**query, "sessionId": member_session, "datafileId": h5.pk})
        assert member_sees.status_code == 200, member_sees.content
