"""/api/schema/, generated and rendered once per process: the OpenAPI document only changes with
the code, and generating it walks every API view (a second of CPU), rendering it as YAML another
third of one, on every request otherwise."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.utils import translation
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SCHEMA_KWARGS, SpectacularAPIView


class SchemaView(SpectacularAPIView):
    # Keyed by language and format, both bounded: a language Django does not know shares the
    # default's entry.
    _rendered: dict[tuple, tuple[bytes, str, str]] = {}

    @extend_schema(**SCHEMA_KWARGS)
    def get(self, request, *args, **kwargs):
        language = request.GET.get("lang") if settings.USE_I18N else None
        if not (language and translation.check_for_language(language)):
            language = None
        key = (language, request.accepted_media_type)
        if key not in self._rendered:
            with translation.override(language or settings.LANGUAGE_CODE):
                schema = super().get(request, *args, **kwargs)
                renderer = request.accepted_renderer
                body = renderer.render(schema.data, key[1], self.get_renderer_context())
            content_type = key[1] + (f"; charset={renderer.charset}" if renderer.charset else "")
            self._rendered[key] = (body, content_type, schema["Content-Disposition"])
        body, content_type, disposition = self._rendered[key]
        return HttpResponse(
            body, content_type=content_type, headers={"Content-Disposition": disposition}
        )

    def _get_version_parameter(self, request) -> None:
        """The API has one version (SPECTACULAR_SETTINGS["VERSION"]): `?version=` would only be
        echoed into the document's title, and make each value a schema of its own."""
        return None
