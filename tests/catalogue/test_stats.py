"""/stats/: staff see the usage figures as charts and CSV; for everyone else the page does not
exist. A released session's page tells its team how often it was downloaded."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from catalogue import usage
from catalogue.models import Audience, UsageDay, UsageKind, UsageTotal
from tests import factories

pytestmark = pytest.mark.django_db

STATS = reverse("catalogue:stats")
CSV = reverse("catalogue:stats-csv")


@pytest.fixture
def staff(client):
    client.force_login(factories.UserFactory(is_staff=True))
    return client


def _day(day: date, kind: str, audience: str, events: int, size: int = 0, beamline="ID23"):
    UsageDay.objects.create(
        day=day, kind=kind, beamline=beamline, year=2024, audience=audience,
        events=events, users=1, bytes=size,
    )  # fmt: skip


def _this_month(day: int = 1) -> date:
    return timezone.localdate().replace(day=day)


@pytest.mark.parametrize("role", ["anonymous", "outsider", "participant", "scientist"])
@pytest.mark.parametrize("url", [STATS, CSV + "?figure=files"])
def test_the_figures_do_not_exist_for_anyone_but_staff(client, team, role, url) -> None:
    if role != "anonymous":
        client.force_login(getattr(team, role))
    assert client.get(url).status_code == 404


def test_staff_see_every_figure_with_this_months_downloads(staff, django_assert_max_num_queries):
    month = _this_month()
    _day(month, UsageKind.FILE_DOWNLOAD, Audience.PUBLIC, 7, 7000)
    _day(month, UsageKind.FILE_DOWNLOAD, Audience.TEAM, 5, 3000, beamline="BM29")
    _day(month, UsageKind.OAI_HARVEST, Audience.PUBLIC, 11)
    factories.InvestigationFactory(instrument=factories.InstrumentFactory(name="ID23"))
    usage.catalogue_years_refresh()

    with django_assert_max_num_queries(6):
        response = staff.get(STATS)

    assert response.status_code == 200
    charts = response.context["charts"]
    assert set(charts) == {
        "files",
        "bytes",
        "zips",
        "landing",
        "oai",
        "logbook",
        "sessions",
        "volume",
    }
    files = charts["files"]
    assert [c.total for c in files.columns][-1] == 12
    assert files.values["Public"][-1] == 7 and files.values["Team"][-1] == 5
    assert charts["bytes"].columns[-1].total == 10_000
    assert charts["oai"].total == 11
    assert charts["sessions"].total == 1
    body = response.content.decode()
    for figure in ("files", "bytes", "zips", "landing", "oai", "logbook", "sessions", "volume"):
        assert f'id="figure-{figure}"' in body and f"figure={figure}&amp;period=12m" in body


def test_a_year_shows_its_twelve_months_only(staff) -> None:
    _day(date(2025, 2, 3), UsageKind.ZIP_DOWNLOAD, Audience.PUBLIC, 4)
    _day(date(2024, 12, 31), UsageKind.ZIP_DOWNLOAD, Audience.PUBLIC, 9)

    response = staff.get(STATS, {"period": "2025"})

    zips = response.context["charts"]["zips"]
    assert [c.name for c in zips.columns] == [f"2025-{m:02d}" for m in range(1, 13)]
    assert zips.total == 4
    assert ("2025", "2025") in response.context["periods"]


def test_a_figure_as_csv_has_a_row_per_month_and_a_column_per_audience(staff) -> None:
    _day(date(2025, 2, 3), UsageKind.FILE_DOWNLOAD, Audience.PUBLIC, 4)
    _day(date(2025, 2, 9), UsageKind.FILE_DOWNLOAD, Audience.TEAM, 1)

    response = staff.get(CSV, {"figure": "files", "period": "2025"})

    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="files-2025.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["period", "Public", "Team", "total"]
    assert rows[2] == ["2025-02", "4", "1", "5"]
    assert len(rows) == 13


def test_an_unknown_figure_is_a_404(staff) -> None:
    assert staff.get(CSV, {"figure": "nope"}).status_code == 404


def test_a_released_sessions_team_reads_how_often_it_was_downloaded(client) -> None:
    investigation = factories.InvestigationFactory(released=True)
    team = factories.make_team(investigation)
    UsageTotal.objects.create(investigation=investigation, downloads=12, people=5)
    url = investigation.get_absolute_url()

    client.force_login(team.participant)
    assert "Downloaded 12 times by 5 people" in client.get(url).content.decode()
    client.force_login(team.outsider)
    assert "Downloaded" not in client.get(url).content.decode()


def test_an_embargoed_session_shows_no_download_line(client, team) -> None:
    UsageTotal.objects.create(investigation=team.investigation, downloads=3, people=1)
    client.force_login(team.participant)
    assert "Downloaded" not in client.get(team.investigation.get_absolute_url()).content.decode()


def test_last_twelve_months_end_with_this_month() -> None:
    from catalogue.usage_figures import Period

    period = Period.from_query(None, today=date(2026, 3, 15))
    assert period.month_starts[0] == date(2025, 4, 1)
    assert period.month_starts[-1] == date(2026, 3, 1)
    assert Period.from_query("1999", today=date(2026, 3, 15)).key == "12m"
