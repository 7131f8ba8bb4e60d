from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "catalogue"
    verbose_name = "Catalogue"

    def ready(self) -> None:
        # The ICAT sync's admin lives beside the sync (catalogue/admin.py belongs to the catalogue).
        from catalogue.icat import admin  # noqa: F401
