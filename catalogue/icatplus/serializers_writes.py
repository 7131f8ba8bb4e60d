"""The bodies ICAT+'s catalogue writes take (`Parameter`, the team member's `name`, the new
release date), validated against the object they change: a refused body is a 400 naming the
field, and nothing is written."""

from __future__ import annotations

import math
from datetime import datetime, time

from django.utils import timezone
from rest_framework import serializers

from catalogue.forms import AddCollaboratorForm
from catalogue.models import Investigation, Parameter, ParameterType, ValueType
from portal.fields import validate_date_in_range

from .serializers import IdField


class TeamMemberBody(serializers.Serializer):
    """`{"name": ...}`: the ICAT user name of the person added or removed (an e-mail address
    is accepted too, as on the team page)."""

    name = serializers.CharField(max_length=254)


def collaborator_to_add(investigation: Investigation, name: str):
    """The user the team page would add for this name, else a 400 with the page's reason
    (nobody by that name or e-mail, or already in the team)."""
    form = AddCollaboratorForm(data={"user": name}, investigation=investigation)
    if not form.is_valid():
        raise serializers.ValidationError({"name": form.errors["user"][0]})
    return form.cleaned_data["user"]


class ParameterBody(serializers.Serializer):
    """ICAT+'s `Parameter`: `name`, `value` (a string, as ICAT+ gives every value), `units`;
    `_id` and `description` are accepted and ignored."""

    name = serializers.CharField(max_length=255)
    value = serializers.CharField(max_length=4000, allow_blank=True, trim_whitespace=False)
    units = serializers.CharField(max_length=64, required=False, allow_blank=True)


def typed_value(parameter_type: ParameterType, value: str) -> dict:
    """The model fields holding `value` for a parameter of this type: a finite number for a
    numeric type, the text for a string one."""
    if parameter_type.value_type != ValueType.NUMERIC:
        return {"string_value": value, "numeric_value": None}
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise serializers.ValidationError({"value": f"{parameter_type.name} takes a number"})
    return {"numeric_value": number, "string_value": ""}


def parameter_change(parameter: Parameter, data: dict) -> dict:
    """The new value of an existing parameter. Its name (and units, if sent) must be the
    parameter's own: renaming a parameter or changing its units is not what ICAT+ does here."""
    if data["name"].lower() != parameter.type.name.lower():
        raise serializers.ValidationError(
            {"name": f"this parameter is {parameter.type.name}, not {data['name']}"}
        )
    if data.get("units") and data["units"] != parameter.type.units:
        units = parameter.type.units or "no unit"
        raise serializers.ValidationError({"units": f"{parameter.type.name} is in {units}"})
    return typed_value(parameter.type, data["value"])


def parameter_type_for(data: dict) -> ParameterType:
    """The catalogue's parameter type a new parameter names (name, and units when several types
    share the name). Types come from ICAT: a name it does not know is refused, not invented."""
    types = list(ParameterType.objects.filter(name__iexact=data["name"]).order_by("units"))
    if not types:
        raise serializers.ValidationError(
            {"name": f"the catalogue has no parameter type named {data['name']}"}
        )
    measured_in = ", ".join(t.units or "no unit" for t in types)
    if data.get("units"):
        types = [t for t in types if t.units == data["units"]]
        if not types:
            raise serializers.ValidationError(
                {"units": f"{data['name']} is measured in {measured_in}"}
            )
    if len(types) > 1:
        raise serializers.ValidationError(
            {"units": f"{data['name']} is measured in {measured_in}: say which"}
        )
    return types[0]


class ParameterQuery(serializers.Serializer):
    """`?investigationId=`: the sample's investigation, as ICAT+'s clients send it. Optional here
    (the parameter or sample says which it is); when sent, any other id is a nonexistent one."""

    investigationId = IdField(required=False)


class DatasetParameterQuery(serializers.Serializer):
    parameterId = IdField()


class ReleaseDateBody(serializers.Serializer):
    """`{"releaseDate": "YYYY-MM-DD", "message": ...}`: the day the data becomes public (at the
    start of that day, in the facility's time zone)."""

    releaseDate = serializers.DateField(validators=[validate_date_in_range])
    message = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    def release_date(self) -> datetime:
        day = self.validated_data["releaseDate"]
        return timezone.make_aware(datetime.combine(day, time.min))
