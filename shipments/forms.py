from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from . import plans
from .models import Address, ContainerType, Item, ItemKind, Parcel, Shipment
from .workflow import NEEDS_TRACKING, Status


class AddressForm(forms.ModelForm):
    class Meta:
        model = Address
        fields = [
            "name",
            "company",
            "street",
            "postal_code",
            "city",
            "region",
            "country",
            "email",
            "phone",
            "courier_company",
            "courier_account",
        ]
        widgets = {"street": forms.Textarea(attrs={"rows": 2})}


class ShipmentForm(forms.ModelForm):
    class Meta:
        model = Shipment
        fields = ["name", "shipping_address", "return_address", "comments"]
        widgets = {"comments": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The user's own address book, plus whatever the shipment already uses (a teammate's).
        current = [
            pk for pk in (self.instance.shipping_address_id, self.instance.return_address_id) if pk
        ]
        addresses = Address.objects.filter(owner=user) | Address.objects.filter(pk__in=current)
        for name in ("shipping_address", "return_address"):
            self.fields[name].queryset = addresses.order_by("name", "id")
            self.fields[name].help_text += " Add addresses in your address book."


class ParcelForm(forms.ModelForm):
    # The version the edit started from, so a stale edit is refused instead of overwriting.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    class Meta:
        model = Parcel
        fields = [
            "name",
            "description",
            "storage_condition",
            "is_dangerous",
            "dangerous_goods",
            "expected_on",
            "return_instructions",
            "return_forwarder",
            "return_account",
            "return_pickup_date",
            "comments",
            "reimbursement_requested",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "dangerous_goods": forms.Textarea(attrs={"rows": 2}),
            "comments": forms.Textarea(attrs={"rows": 2}),
            "expected_on": forms.DateInput(attrs={"type": "date"}),
            "return_pickup_date": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version


class PlanFieldsMixin:
    """The experiment plan as form fields (`plan_<key>`, from the technique's schema, with its
    defaults for a new sample) plus free-text comments; keys outside the schema are kept."""

    def add_plan_fields(self, investigation) -> None:
        self.plan_schema = plans.schema_for(investigation)
        plan = self.instance.experiment_plan or {}
        new = not self.instance.pk
        for field in self.plan_schema.fields:
            self.fields[f"plan_{field.key}"] = _plan_form_field(field)
            value = plan.get(field.key, field.default if new else "")
            self.initial.setdefault(f"plan_{field.key}", value)
        self.fields["plan_comments"] = forms.CharField(
            label="Comments for the beamline",
            required=False,
            max_length=2000,
            widget=forms.Textarea(attrs={"rows": 2}),
            help_text="Anything the fields above do not say, in your own words.",
        )
        self.initial.setdefault("plan_comments", plan.get(plans.COMMENTS, ""))
        self.plan_kept = {
            k: v
            for k, v in plan.items()
            if k != plans.COMMENTS and k not in {f.key for f in self.plan_schema.fields}
        }

    def main_fields(self) -> list:
        return [f for f in self.visible_fields() if not f.name.startswith("plan_")]

    def plan_bound_fields(self) -> list:
        return [self[name] for name in self.fields if name.startswith("plan_")]

    def cleaned_plan(self, data: dict) -> dict:
        plan = dict(self.plan_kept)
        for field in self.plan_schema.fields:
            value = data.get(f"plan_{field.key}")
            if value not in (None, ""):
                plan[field.key] = field.parse(value)
        if data.get("plan_comments", "").strip():
            plan[plans.COMMENTS] = data["plan_comments"].strip()
        return plan


def _plan_form_field(field: plans.PlanField) -> forms.Field:
    label = f"{field.label} ({field.unit})" if field.unit else field.label
    common = {"label": label, "required": False, "help_text": field.help}
    if field.kind == "choice":
        return forms.ChoiceField(choices=[("", "—"), *field.choices], **common)
    if field.kind == "text":
        return forms.CharField(max_length=255, **common)
    return forms.CharField(
        validators=[_plan_validator(field)],
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        **common,
    )


def _plan_validator(field: plans.PlanField):
    def validate(value: str) -> None:
        try:
            field.parse(value)
        except ValueError as error:
            raise ValidationError(f"Enter {error}.") from None

    return validate


class ItemForm(PlanFieldsMixin, forms.ModelForm):
    class Meta:
        model = Item
        fields = [
            "kind",
            "container_type",
            "name",
            "description",
            "container",
            "position",
            "sample",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, parcel: Parcel, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.parcel = parcel
        containers = parcel.items.filter(kind=ItemKind.CONTAINER)
        if self.instance.pk:
            containers = containers.exclude(pk=self.instance.pk)
        self.fields["container"].queryset = containers
        self.fields["container"].help_text = "Leave empty for an item loose in the parcel."
        self.fields["sample"].queryset = parcel.shipment.investigation.samples.order_by("name")
        self.fields["sample"].label = "Catalogue sample"
        self.fields["container_type"].help_text = ", ".join(
            f"{kind.label} {kind.capacity}" for kind in ContainerType
        ).join(("Positions: ", "."))
        self.add_plan_fields(parcel.shipment.investigation)

    def clean(self) -> dict:
        data = super().clean()
        # Only samples carry a plan: a container saved from this form drops the defaults.
        is_sample = data.get("kind") == ItemKind.SAMPLE
        self.instance.experiment_plan = self.cleaned_plan(data) if is_sample else {}
        return data


class PositionForm(PlanFieldsMixin, forms.ModelForm):
    """The puck grid's form: a sample at one position of a container."""

    class Meta:
        model = Item
        fields = ["name", "sample", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, container: Item, position: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        item = self.instance
        item.parcel, item.container, item.position = container.parcel, container, position
        item.kind = ItemKind.SAMPLE
        investigation = container.parcel.shipment.investigation
        self.fields["sample"].queryset = investigation.samples.order_by("name")
        self.fields["sample"].label = "Catalogue sample"
        self.fields["name"].widget.attrs["autofocus"] = True
        self.add_plan_fields(investigation)

    def clean(self) -> dict:
        data = super().clean()
        self.instance.experiment_plan = self.cleaned_plan(data)
        return data


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices, widget=forms.HiddenInput)
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    tracking_number = forms.CharField(required=False, max_length=255)
    forwarder = forms.CharField(
        required=False, max_length=255, help_text="e.g. DHL, FedEx, World Courier"
    )
    location = forms.CharField(required=False, max_length=255)

    def needs_tracking(self) -> bool:
        return self["status"].value() in NEEDS_TRACKING


class ScanForm(forms.Form):
    code = forms.CharField(
        max_length=300,
        label="Parcel code",
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )
    location = forms.CharField(
        max_length=255, help_text="Where this scanner is, e.g. Stores or ID23-1"
    )
    tracking_number = forms.CharField(
        required=False, max_length=255, help_text="Only when sending a parcel back to its owner."
    )
    # Sent by the confirm panel's button: the move the person saw and said yes to.
    confirm = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)


class SampleSheetForm(forms.Form):
    file = forms.FileField(
        label="Sample sheet",
        help_text="A .csv or .xlsx file with the template's columns, one row per sample (≤ 1 MB).",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    replace = forms.BooleanField(
        label="Replace the samples already in this container",
        required=False,
        help_text="Otherwise the rows are added to them.",
    )
