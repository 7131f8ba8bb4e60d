"""The "Safety" and "Stores" groups with just the permissions their work needs.

Created by migration 0002; `ensure_groups()` recreates them where a database was emptied since
(the demo, tests that flush tables)."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

SAFETY = [
    "view_safetyqueueparcel",
    "view_parcel",
    "view_item",
    "view_parcelstatus",
    "view_shipment",
]
STORES = [*SAFETY, "view_address", "change_parcel"]


def ensure_groups() -> dict[str, Group]:
    groups = {}
    for name, codenames in (("Safety", SAFETY), ("Stores", STORES)):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="shipments", codename__in=codenames)
        )
        groups[name] = group
    return groups
