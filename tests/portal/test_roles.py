"""Facility roles follow the identity provider's groups, only where the facility maps them."""

import pytest

from catalogue import access
from portal.roles import apply_facility_roles
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def mapped(settings):
    settings.AUTH_STAFF_GROUPS = ["esrf-staff"]
    settings.AUTH_SAFETY_GROUPS = ["safety-office"]
    settings.AUTH_STORES_GROUPS = ["stores"]
    settings.AUTH_BEAMLINE_GROUP_PATTERN = "beamline-{beamline}"


def test_groups_grant_each_mapped_role(mapped):
    user = factories.UserFactory()
    id23 = factories.InstrumentFactory(name="ID23-1")
    bm29 = factories.InstrumentFactory(name="BM29")

    apply_facility_roles(user, ["ESRF-Staff", "safety-office", "stores", "beamline-id23-1"])

    user.refresh_from_db()
    assert user.is_staff
    assert access.is_safety_officer(user)
    assert set(user.groups.values_list("name", flat=True)) == {"Safety", "Stores"}
    assert access.is_beamline_scientist(user, id23)
    assert not access.is_beamline_scientist(user, bm29)


def test_leaving_a_group_at_the_provider_removes_the_role(mapped):
    user = factories.UserFactory()
    id23 = factories.InstrumentFactory(name="ID23-1")
    apply_facility_roles(user, ["esrf-staff", "safety-office", "beamline-ID23-1"])

    apply_facility_roles(user, ["users"])

    user.refresh_from_db()
    assert not user.is_staff
    assert not access.is_safety_officer(user)
    assert not access.is_beamline_scientist(user, id23)


def test_unmapped_roles_keep_what_an_administrator_set(settings):
    settings.AUTH_STAFF_GROUPS = []
    user = factories.UserFactory(is_staff=True)
    instrument = factories.InstrumentFactory(name="ID01")
    instrument.scientists.add(user)

    apply_facility_roles(user, [])

    user.refresh_from_db()
    assert user.is_staff
    assert access.is_beamline_scientist(user, instrument)


def test_a_superuser_is_never_demoted_by_a_missing_claim(mapped):
    admin = factories.UserFactory(is_staff=True, is_superuser=True)
    apply_facility_roles(admin, [])
    admin.refresh_from_db()
    assert admin.is_staff
