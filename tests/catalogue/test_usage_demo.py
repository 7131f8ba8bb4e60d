"""The demo's year of usage: rolled up into every month, and not added twice."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone

from catalogue import demo_usage
from catalogue.models import UsageDay, UsageEvent, UsageKind
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_year_of_every_kind_of_use_rolled_up_once() -> None:
    factories.InvestigationFactory(released=True)
    factories.InvestigationFactory()

    demo_usage.seed(out=io.StringIO())
    events = UsageEvent.objects.count()
    demo_usage.seed(out=io.StringIO())

    assert UsageEvent.objects.count() == events > 10_000
    months = {d.replace(day=1) for d in UsageDay.objects.values_list("day", flat=True)}
    assert len(months) >= 12
    kinds = set(UsageDay.objects.values_list("kind", flat=True))
    assert kinds == set(UsageKind.values)
    rolled = sum(
        UsageDay.objects.filter(kind=UsageKind.LOGBOOK_EVENT).values_list("events", flat=True)
    )
    assert rolled == UsageEvent.objects.filter(kind=UsageKind.LOGBOOK_EVENT).count()
    assert UsageDay.objects.filter(day__lt=timezone.localdate() - timedelta(days=300)).exists()
