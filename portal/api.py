"""API building blocks shared by the apps' api.py modules: list filters are plain Django forms
over the query string (ids with `IdField`, so a hidden object filters like a nonexistent one),
documented with `query_parameter`."""

from __future__ import annotations

from typing import Any

from django import forms
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request


def query_filters(form_class: type[forms.Form], request: Request) -> dict[str, Any]:
    """The list's cleaned filters, or a 400 naming each bad query parameter (DRF's shape)."""
    form = form_class(request.query_params)
    if not form.is_valid():
        raise ValidationError(
            {
                ("non_field_errors" if field == "__all__" else field): list(errors)
                for field, errors in form.errors.items()
            }
        )
    return form.cleaned_data


def query_parameter(name: str, kind: type, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, kind, OpenApiParameter.QUERY, description=description)
