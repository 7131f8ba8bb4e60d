from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_groups(**kwargs) -> None:
    # Also after a flush (tests, a wiped demo), which deletes what migration 0002 created.
    from .groups import ensure_groups

    ensure_groups()


class ShipmentsConfig(AppConfig):
    name = "shipments"
    verbose_name = "Sample shipments"

    def ready(self) -> None:
        # After auth has made the permissions (post_migrate of auth runs first: app order).
        post_migrate.connect(_ensure_groups, sender=self)
