"""Facility roles from an identity provider's groups, for every sign-in mechanism (OIDC, LDAP).

Each role is mapped only when the facility configures it; a role without a mapping is left as an
administrator set it by hand, so switching SSO on never demotes anybody by accident. A mapped role
is re-applied at every login: removing someone from the group at the provider removes the role here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction

# Django groups that catalogue/access.py reads.
SAFETY_GROUP = "Safety"
STORES_GROUP = "Stores"


def _beamlines_named_by(groups: set[str]) -> set[str]:
    """Upper-case beamline names that AUTH_BEAMLINE_GROUP_PATTERN finds in `groups`."""
    pattern = settings.AUTH_BEAMLINE_GROUP_PATTERN
    head, _, tail = pattern.partition("{beamline}")
    shape = re.compile(f"^{re.escape(head)}(?P<beamline>.+){re.escape(tail)}$", re.IGNORECASE)
    return {m["beamline"].upper() for m in map(shape.match, groups) if m}


def _set_group(user, name: str, member: bool) -> None:
    group, _ = Group.objects.get_or_create(name=name)
    if member:
        user.groups.add(group)
    else:
        user.groups.remove(group)


@transaction.atomic
def apply_facility_roles(user, groups: Iterable[str]) -> None:
    """Give `user` exactly the mapped roles that `groups` (claim values, LDAP group names) grant."""
    names = {g.strip().lower() for g in groups if g and g.strip()}

    def granted(setting: list[str]) -> bool:
        return bool(names & {g.lower() for g in setting})

    if settings.AUTH_STAFF_GROUPS and not user.is_superuser:
        user.is_staff = granted(settings.AUTH_STAFF_GROUPS)
        user.save(update_fields=["is_staff"])
    if settings.AUTH_SAFETY_GROUPS:
        _set_group(user, SAFETY_GROUP, granted(settings.AUTH_SAFETY_GROUPS))
    if settings.AUTH_STORES_GROUPS:
        _set_group(user, STORES_GROUP, granted(settings.AUTH_STORES_GROUPS))
    if "{beamline}" in settings.AUTH_BEAMLINE_GROUP_PATTERN:
        wanted = _beamlines_named_by(names)
        # By name, not import: portal is the base the catalogue builds on.
        for instrument in apps.get_model("catalogue", "Instrument").objects.all():
            if instrument.name.upper() in wanted:
                instrument.scientists.add(user)
            else:
                instrument.scientists.remove(user)
