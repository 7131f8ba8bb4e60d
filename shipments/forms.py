from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from .models import Address, Item, ItemKind, Parcel, Shipment
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


def parse_plan(text: str) -> dict[str, str]:
    """'key = value' lines into a dict; a line without '=' is an error for the person typing."""
    plan: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise ValidationError(f"Line {number} should read “key = value”.")
        plan[key.strip()] = value.strip()
    return plan


class ItemForm(forms.ModelForm):
    plan = forms.CharField(
        label="Experiment plan",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One “key = value” per line, e.g. <code>exposure_time = 0.02</code>.",
    )

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
        if self.instance.experiment_plan and not self.is_bound:
            self.initial["plan"] = "\n".join(
                f"{k} = {v}" for k, v in self.instance.experiment_plan.items()
            )

    def clean_plan(self) -> dict[str, str]:
        return parse_plan(self.cleaned_data["plan"])

    def clean(self) -> dict:
        data = super().clean()
        self.instance.experiment_plan = data.get("plan") or {}
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
