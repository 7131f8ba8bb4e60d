"""Beamline pages: a public page per beamline whose sessions and figures are only those the viewer
may see (an embargoed session is neither a row nor a count to outsiders)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from catalogue.models import Investigation
from catalogue.views import beamline as beamline_views
from tests import factories

pytestmark = pytest.mark.django_db
PANET = "http://purl.org/pan-science/PaNET/PaNET01164"


@dataclass
class Beamline:
    team: factories.Team
    url: str
    embargoed: Investigation
    running: Investigation
    proprietary: Investigation
    public_old: Investigation
    public: list[Investigation]
    year: int


def _on(instrument, year: int, month: int, **kwargs) -> Investigation:
    start = timezone.make_aware(datetime(year, month, 10, 9))
    return factories.InvestigationFactory(
        instrument=instrument, start_date=start, end_date=start + timedelta(days=2), **kwargs
    )


@pytest.fixture
def beamline(db) -> Beamline:
    instrument = factories.InstrumentFactory(
        name="ID23-1", full_name="Macromolecular crystallography", description="Tunable MX."
    )
    instrument.techniques.add(
        factories.TechniqueFactory(name="macromolecular crystallography", pid=PANET),
        factories.TechniqueFactory(name="fluorescence scan", pid=""),
    )
    team = factories.make_team(
        factories.InvestigationFactory(instrument=instrument, title="Secret embargoed lysozyme")
    )
    year = timezone.localdate().year
    public_old = _on(instrument, year - 6, 5, title="Public thaumatin", volume=1000)
    public = [
        _on(instrument, year - 4, 3, title="Public insulin", volume=2000),
        _on(instrument, year - 4, 9, title="Public trypsin", volume=3000),
    ]
    proprietary = _on(
        instrument, year - 5, 6, title="Secret industrial", proprietary=True, volume=7
    )
    running = factories.InvestigationFactory(
        instrument=instrument, running=True, title="Secret running now"
    )
    _on(factories.InstrumentFactory(name="BM29"), year - 4, 3, title="Elsewhere")
    return Beamline(
        team=team,
        url=reverse("catalogue:beamline", kwargs={"name": "ID23-1"}),
        embargoed=team.investigation,
        running=running,
        proprietary=proprietary,
        public_old=public_old,
        public=public,
        year=year,
    )


def _bars(chart) -> dict[int, int]:
    return {bar.year: bar.value for bar in chart.bars}


def test_anonymous_sees_public_sessions_and_public_figures_only(client, beamline) -> None:
    response = client.get(beamline.url)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Tunable MX." in page
    for title in ("Public thaumatin", "Public insulin", "Public trypsin"):
        assert title in page
    for secret in ("Secret embargoed lysozyme", "Secret industrial", "Secret running now"):
        assert secret not in page
    figures = response.context["figures"]
    year = beamline.year
    # The idle year between is a zero bar; hidden sessions add nothing, not even a year.
    assert _bars(figures.sessions) == {year - 6: 1, year - 5: 0, year - 4: 2}
    assert _bars(figures.volume) == {year - 6: 1000, year - 5: 0, year - 4: 5000}
    assert 'id="beamline-logbook"' not in page
    assert "Elsewhere" not in page


def test_outsider_signed_in_sees_what_anonymous_sees(client, beamline) -> None:
    client.force_login(beamline.team.outsider)
    response = client.get(beamline.url)
    page = response.content.decode()
    assert "Secret" not in page
    assert response.context["figures"].sessions.total == 3


def test_scientist_of_the_beamline_sees_every_session_and_its_logbook(client, beamline) -> None:
    client.force_login(beamline.team.scientist)
    response = client.get(beamline.url)
    page = response.content.decode()
    assert "Secret embargoed lysozyme" in page
    assert "Secret industrial" in page
    now_and_next = page.split('id="now-and-next"')[1].split("Past sessions")[0]
    assert "Secret running now" in now_and_next and "on the beam now" in now_and_next
    figures = response.context["figures"]
    assert figures.sessions.total == 6
    assert _bars(figures.sessions)[beamline.year - 5] == 1
    logbook = reverse("logbook:beamline", kwargs={"name": "ID23-1"})
    assert f'href="{logbook}"' in page


def test_team_member_sees_their_own_embargoed_session_but_not_the_logbook(client, beamline) -> None:
    client.force_login(beamline.team.participant)
    page = client.get(beamline.url).content.decode()
    assert "Secret embargoed lysozyme" in page
    assert "Secret running now" not in page
    assert "Secret industrial" not in page
    assert 'id="beamline-logbook"' not in page


def test_scientist_of_another_beamline_is_an_outsider_here(client, beamline) -> None:
    client.force_login(beamline.team.other_scientist)
    page = client.get(beamline.url).content.decode()
    assert "Secret" not in page
    assert 'id="beamline-logbook"' not in page


def test_techniques_show_their_panet_term_and_scientists_their_names(client, beamline) -> None:
    page = client.get(beamline.url).content.decode()
    assert f'href="{PANET}"' in page and ">PaNET01164<" in page
    assert "fluorescence scan" in page
    assert beamline.team.scientist.display_name in page


def test_unknown_beamline_is_404(client, beamline) -> None:
    response = client.get(reverse("catalogue:beamline", kwargs={"name": "ID99"}))
    assert response.status_code == 404


def test_name_in_any_case_leads_to_the_beamline(client, beamline) -> None:
    response = client.get("/beamlines/id23-1/", follow=True)
    assert response.redirect_chain[-1][0] == beamline.url
    assert response.status_code == 200
    assert response.context["instrument"].name == "ID23-1"


def test_post_is_refused(client, beamline) -> None:
    assert client.post(beamline.url).status_code == 405


def test_past_sessions_page_by_cursor_and_htmx_gets_the_fragment(
    client, beamline, monkeypatch
) -> None:
    monkeypatch.setattr(beamline_views, "PAGE_SIZE", 2)
    first = client.get(beamline.url)
    assert [i.title for i in first.context["page"].rows] == ["Public trypsin", "Public insulin"]
    cursor = first.context["page"].next_cursor
    assert f"?cursor={cursor}" in first.content.decode()
    second = client.get(beamline.url, {"cursor": cursor}, headers={"HX-Request": "true"})
    fragment = second.content.decode()
    assert "<html" not in fragment and 'id="sessions"' in fragment
    assert "Public thaumatin" in fragment and "Public trypsin" not in fragment
    assert "Secret" not in fragment


def test_a_broken_cursor_says_so_and_shows_the_first_page(client, beamline) -> None:
    response = client.get(beamline.url, {"cursor": "not-a-cursor"})
    assert response.status_code == 200
    assert "no longer valid" in response.content.decode()
    assert response.context["page"].rows[0].title == "Public trypsin"


def test_query_count_does_not_grow_with_sessions(
    client, beamline, django_assert_max_num_queries
) -> None:
    for month in range(1, 13):
        _on(beamline.running.instrument, beamline.year - 7, month)
    with django_assert_max_num_queries(8):
        assert client.get(beamline.url).status_code == 200
    client.force_login(beamline.team.scientist)
    with django_assert_max_num_queries(11):
        assert client.get(beamline.url).status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get(reverse("catalogue:beamlines")).status_code == 200


def test_beamline_list_links_each_beamline_with_the_sessions_one_may_see(client, beamline) -> None:
    response = client.get(reverse("catalogue:beamlines"))
    page = response.content.decode()
    assert f'href="{beamline.url}"' in page
    cards = {card["instrument"].name: card["sessions"] for card in response.context["cards"]}
    assert cards["ID23-1"] == 3 and cards["BM29"] == 1
    client.force_login(beamline.team.scientist)
    cards = {
        c["instrument"].name: c for c in client.get(reverse("catalogue:beamlines")).context["cards"]
    }
    assert cards["ID23-1"]["sessions"] == 6 and cards["ID23-1"]["mine"]


def test_home_cards_and_investigation_header_link_to_the_beamline(client, beamline) -> None:
    assert f'href="{beamline.url}"' in client.get(reverse("portal:home")).content.decode()
    released = beamline.public[0].get_absolute_url()
    assert f'href="{beamline.url}"' in client.get(released).content.decode()
