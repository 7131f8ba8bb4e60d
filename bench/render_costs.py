"""Python time and URL/include counts of the long-table pages, rendered in-process.

    DATABASE_URL=... .venv/bin/python -m pytest bench/render_costs.py -p no:randomly -s -q

Each page is rendered 5 times to warm up, then `RUNS` times; the median CPU time of this process
for the whole request (view, query round trips, template; not PostgreSQL's own time) is printed
with the number of URL reversals and template includes of one render. CPU time rather than wall
time: on a shared machine it moves far less. Same data before and after a change, so the
figures compare (a pytest file so that it builds its data with the test factories)."""

from __future__ import annotations

import statistics
import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.template import Template
from django.template.loader_tags import IncludeNode
from django.test.utils import _TestState
from django.urls import resolvers
from django.utils import timezone

from catalogue.models import Datafile, DatasetParameter, DownloadJob, Role
from tests import factories

RUNS = 50


@contextmanager
def _counting():
    counts = {"reverse": 0, "include": 0}
    reverse, include = resolvers.URLResolver._reverse_with_prefix, IncludeNode.render

    def counted_reverse(self, *args, **kwargs):
        counts["reverse"] += 1
        return reverse(self, *args, **kwargs)

    def counted_include(self, context):
        counts["include"] += 1
        return include(self, context)

    resolvers.URLResolver._reverse_with_prefix = counted_reverse
    IncludeNode.render = counted_include
    try:
        yield counts
    finally:
        resolvers.URLResolver._reverse_with_prefix = reverse
        IncludeNode.render = include


@contextmanager
def _production_rendering():
    """Without the test runner's hook on every template render (a signal and a copy of the
    context per include), which would make includes look far dearer than they are."""
    instrumented = Template._render
    Template._render = _TestState.saved_data.template_render
    try:
        yield
    finally:
        Template._render = instrumented


def _measure(client, url: str) -> tuple[float, dict]:
    for _ in range(5):
        assert client.get(url).status_code == 200
    with _counting() as counts:
        client.get(url)
    times = []
    for _ in range(RUNS):
        start = time.process_time()
        client.get(url)
        times.append(time.process_time() - start)
    return statistics.median(times) * 1000, counts


def _world():
    team = factories.make_team()
    investigation = team.investigation
    energy = factories.ParameterTypeFactory(name="energy", units="keV")
    samples = [factories.SampleFactory(investigation=investigation) for _ in range(10)]
    datasets = [
        factories.DatasetFactory(
            investigation=investigation, sample=samples[i % 10], name=f"lysozyme_{i}"
        )
        for i in range(100)
    ]
    DatasetParameter.objects.bulk_create(
        DatasetParameter(dataset=d, type=energy, numeric_value=12.4) for d in datasets
    )
    Datafile.objects.bulk_create(
        Datafile(dataset=datasets[0], name=f"frame_{i:05d}.cbf", location=f"x/{i}", size=10**6)
        for i in range(100)
    )
    past = timezone.now() - timedelta(days=5 * 365)
    for i in range(30):
        released = factories.InvestigationFactory(
            start_date=past,
            end_date=past,
            release_date=past + timedelta(days=1),
            title=f"lysozyme {i}",
        )
        factories.InvestigationUserFactory(
            investigation=released, user=team.principal_investigator, role=Role.PARTICIPANT
        )
    from logbook.services import event_create

    for i in range(60):
        event_create(
            investigation=investigation,
            instrument=investigation.instrument,
            type="notification",
            category="commandline",
            by="",
            title="",
            text=f"mv x {i}",
            html=None,
            tags=None,
            when=None,
            extra={},
        )
    for i in range(25):
        DownloadJob.objects.create(
            owner=team.principal_investigator,
            name=f"job{i}.zip",
            selection_key=str(i),
            status="ready",
        )
    return team, datasets


@pytest.mark.django_db
def test_render_costs(client) -> None:
    from catalogue.models import Investigation

    Investigation.objects.update(is_public=True)  # only the released ones pass released_q
    team, datasets = _world()
    investigation = team.investigation
    client.force_login(team.principal_investigator)
    pages = {
        "datasets tab (50 rows)": f"/investigations/{investigation.pk}/datasets/",
        "dataset page (50 files)": f"/datasets/{datasets[0].pk}/",
        "my experiments (25)": "/experiments/",
        "public (25)": "/public/",
        "search lysozyme": "/search/?q=lysozyme",
        "search datasets (20)": "/search/?q=lysozyme&kind=datasets",
        "logbook (50 events)": f"/investigations/{investigation.pk}/logbook/",
        "downloads (20)": "/downloads/",
    }
    print()
    for label, url in pages.items():
        with _production_rendering():
            ms, counts = _measure(client, url)
        line = f"{label:26s} {ms:6.1f} ms  reverse={counts['reverse']:3d}"
        print(f"{line} include={counts['include']:3d}")
