"""Staff's admin site wears the facility's name and leads back to the portal."""

from __future__ import annotations

from django.urls import reverse

from tests import factories


def test_admin_index_names_the_facility_and_links_to_the_portal(client, db, settings) -> None:
    settings.FACILITY_NAME = "Grenoble Light Source"
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:index")).text
    assert "Grenoble Light Source" in page and "Administration" in page
    assert f'href="{reverse("portal:home")}"' in page
    assert "Django administration" not in page and "Django site admin" not in page
