from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from catalogue import access
from catalogue.models import Sample

from .models import Address, Item, Parcel, ParcelStatus, Shipment
from .workflow import Status


def _model_clean(instance, attrs: dict) -> None:
    """Run the model's own rules (Model.clean) so the API refuses what forms and admin refuse."""
    for name, value in attrs.items():
        setattr(instance, name, value)
    try:
        instance.clean()
    except DjangoValidationError as error:
        raise serializers.ValidationError(error.message_dict) from None


class AddressSerializer(serializers.ModelSerializer):
    class Meta:
        model = Address
        fields = [
            "id",
            "name",
            "company",
            "street",
            "city",
            "region",
            "postal_code",
            "country",
            "email",
            "phone",
            "courier_company",
            "courier_account",
        ]


class ShipmentSerializer(serializers.ModelSerializer):
    investigation_name = serializers.CharField(source="investigation.name", read_only=True)

    class Meta:
        model = Shipment
        fields = [
            "id",
            "investigation",
            "investigation_name",
            "name",
            "comments",
            "shipping_address",
            "return_address",
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request and request.user.is_authenticated:
            # Where the caller may not create shipments is as unknown as what never existed.
            self.fields["investigation"].queryset = access.shipment_investigations_to_manage(
                request.user
            )
            mine = Address.objects.for_user(request.user)
            self.fields["shipping_address"].queryset = mine
            self.fields["return_address"].queryset = mine
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            self.fields["investigation"].read_only = True


class ParcelSerializer(serializers.ModelSerializer):
    code = serializers.CharField(read_only=True)
    label_url = serializers.SerializerMethodField()
    version = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=2**31 - 1,
        help_text="The version this edit started from: a PATCH or PUT naming an older one gets "
        "409 and changes nothing. Leave it out to edit whatever is current.",
    )

    class Meta:
        model = Parcel
        fields = [
            "id",
            "code",
            "shipment",
            "name",
            "description",
            "storage_condition",
            "is_dangerous",
            "dangerous_goods",
            "return_instructions",
            "return_forwarder",
            "return_account",
            "return_pickup_date",
            "comments",
            "reimbursement_requested",
            "expected_on",
            "status",
            "status_changed_at",
            "location",
            "tracking_number",
            "forwarder",
            "return_tracking_number",
            "label_url",
            "version",
        ]
        read_only_fields = [
            "status",
            "status_changed_at",
            "location",
            "tracking_number",
            "forwarder",
            "return_tracking_number",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request and request.user.is_authenticated:
            # Parcels go into shipments the caller manages; any other id reads "Invalid pk".
            self.fields["shipment"].queryset = Shipment.objects.for_user(request.user).filter(
                investigation__in=access.shipment_investigations_to_manage(request.user)
            )
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            self.fields["shipment"].read_only = True

    def get_label_url(self, parcel: Parcel) -> str:
        from django.urls import reverse

        return reverse("shipments:parcel-label", args=[parcel.pk])

    def validate(self, attrs: dict) -> dict:
        _model_clean(self.instance or Parcel(), {k: v for k, v in attrs.items() if k != "version"})
        return attrs

    def create(self, validated_data: dict) -> Parcel:
        validated_data.pop("version", None)  # a new parcel starts at version 1
        return super().create(validated_data)

    def update(self, parcel: Parcel, validated_data: dict) -> Parcel:
        """Saved through `Parcel.save_edit`, as the edit page does: raises `StaleEdit` if the
        named version is not the current one."""
        version = validated_data.pop("version", None)
        for name, value in validated_data.items():
            setattr(parcel, name, value)
        parcel.save_edit(
            fields=list(validated_data),
            version=parcel.version if version is None else version,
            by=self.context["request"].user,
        )
        return parcel


class ItemSerializer(serializers.ModelSerializer):
    # Narrowed to the parcel's experiment and the parcel itself in __init__: a sample or item
    # from elsewhere, hidden or not, gets the same "Invalid pk" as an id that does not exist.
    sample = serializers.PrimaryKeyRelatedField(
        queryset=Sample.objects.none(), required=False, allow_null=True
    )
    container = serializers.PrimaryKeyRelatedField(
        queryset=Item.objects.none(), required=False, allow_null=True
    )

    class Meta:
        model = Item
        fields = [
            "id",
            "parcel",
            "container",
            "kind",
            "container_type",
            "name",
            "description",
            "position",
            "sample",
            "experiment_plan",
            "sample_changer_location",
        ]
        read_only_fields = ["parcel"]
        # Position uniqueness is checked by Model.clean with a message for people; DRF's
        # generated validator would make container and position required.
        validators: list = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        parcel = self.context.get("parcel")
        if parcel is not None:
            self.fields["sample"].queryset = parcel.shipment.investigation.samples.all()
            self.fields["container"].queryset = parcel.items.all()

    def validate_experiment_plan(self, value) -> dict:
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise serializers.ValidationError(
                'An object of key/value pairs, e.g. {"exposure": "0.1"}.'
            )
        return {k: str(v) for k, v in value.items()}

    def validate(self, attrs: dict) -> dict:
        # Model.clean checks the position against the container (its size, who is there).
        item = self.instance or Item(parcel=self.context["parcel"])
        _model_clean(item, dict(attrs))
        return attrs


class ParcelStatusSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=Status.choices)
    created_by = serializers.CharField(
        source="created_by.username", read_only=True, default=None, allow_null=True
    )
    forwarder = serializers.CharField(write_only=True, required=False, allow_blank=True)

    class Meta:
        model = ParcelStatus
        fields = [
            "id",
            "status",
            "created_by",
            "created_at",
            "location",
            "comment",
            "tracking_number",
            "forwarder",
        ]
        read_only_fields = ["created_at"]
        extra_kwargs = {
            "location": {"required": False},
            "comment": {"required": False},
            "tracking_number": {"required": False},
        }
