"""API building blocks shared by the apps' api.py modules."""

from __future__ import annotations

from copy import deepcopy

import django_filters
from django.db import models
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.rest_framework import FilterSet as BaseFilterSet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from .fields import IdField


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.Filter):
    """A related object named by its id alone. django-filter's default, a choice among all rows,
    answers 400 for an id that does not exist and an empty list for one the caller may not see,
    which tells them apart; here both are an empty list."""

    field_class = IdField


class FilterSet(BaseFilterSet):
    FILTER_DEFAULTS = deepcopy(BaseFilterSet.FILTER_DEFAULTS)
    FILTER_DEFAULTS.update(
        {
            models.ForeignKey: {"filter_class": IdFilter},
            models.OneToOneField: {"filter_class": IdFilter},
        }
    )


class FilterBackend(DjangoFilterBackend):
    """`filterset_fields` of every API view, with the filters above."""

    filterset_base = FilterSet
