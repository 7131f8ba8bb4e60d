from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "catalogue"
    verbose_name = "Catalogue"

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from catalogue.access import forget_memberships

        # The ICAT sync's admin lives beside the sync (catalogue/admin.py belongs to the catalogue).
        from catalogue.icat import admin  # noqa: F401
        from catalogue.models import Instrument, InvestigationUser
        from catalogue.zip_crc import use_isal_crc32

        use_isal_crc32()

        # Memos of team and beamline lookups (catalogue/access.py) are dropped on any change.
        for signal in (post_save, post_delete):
            signal.connect(forget_memberships, sender=InvestigationUser)
        m2m_changed.connect(forget_memberships, sender=Instrument.scientists.through)
