"""Sample shipments: address book, shipments per investigation, parcels, items, status history.

A parcel's status changes only through `parcel.move_to(...)`, which asks `shipments.workflow`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from catalogue.models import Investigation, Sample
from portal.fields import validate_date_in_range

from . import plans
from .containers import CAPACITY, ContainerType, capacity_errors, slot_errors
from .workflow import EDITABLE, Change, Status, move

if TYPE_CHECKING:
    from portal.models import User


class AddressQuerySet(models.QuerySet):
    def for_user(self, user: User) -> AddressQuerySet:
        from catalogue import access

        return self & access.visible_addresses(user)


class Address(models.Model):
    """One entry of a user's address book, reused across investigations."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="addresses"
    )
    name = models.CharField("contact name", max_length=255)
    company = models.CharField("company / institute", max_length=255, blank=True)
    street = models.TextField()
    city = models.CharField(max_length=255)
    region = models.CharField(max_length=255, blank=True)
    postal_code = models.CharField(max_length=32)
    country = models.CharField(max_length=100)
    email = models.EmailField("e-mail")
    phone = models.CharField(max_length=50)
    courier_company = models.CharField("default courier", max_length=255, blank=True)
    courier_account = models.CharField("courier account", max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = AddressQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "addresses"
        ordering = ["owner", "name", "id"]
        indexes = [models.Index(fields=["owner", "name", "id"])]

    def __str__(self) -> str:
        company = f"{self.company}, " if self.company else ""
        return f"{self.name}, {company}{self.city} ({self.country})"

    def lines(self) -> list[str]:
        """The address as printed on a label."""
        lines = [self.name, self.company, *self.street.splitlines()]
        lines += [
            " ".join(p for p in (self.postal_code, self.city) if p),
            self.region,
            self.country,
        ]
        lines += [f"Tel. {self.phone}", self.email]
        return [line.strip() for line in lines if line and line.strip()]


class ShipmentQuerySet(models.QuerySet):
    def for_user(self, user: User) -> ShipmentQuerySet:
        from catalogue import access

        return self & access.visible_shipments(user)


class Shipment(models.Model):
    investigation = models.ForeignKey(
        Investigation, on_delete=models.CASCADE, related_name="shipments"
    )
    name = models.CharField(max_length=255)
    comments = models.TextField(blank=True)
    shipping_address = models.ForeignKey(
        Address,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Where the parcels come from (printed on the label as the sender).",
    )
    return_address = models.ForeignKey(
        Address,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Where the facility sends the parcels back.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ShipmentQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["investigation", "id"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.investigation.name})"

    def get_absolute_url(self) -> str:
        return reverse("shipments:shipment", args=[self.pk])


class StorageCondition(models.TextChoices):
    ROOM = "room", "Room temperature"
    FRIDGE = "+4", "+4 °C (fridge)"
    FREEZER = "-20", "-20 °C (freezer)"
    DEEP_FREEZER = "-80", "-80 °C (deep freezer)"
    NITROGEN = "ln2", "Liquid nitrogen dewar"


class ReturnInstructions(models.TextChoices):
    FACILITY = "facility", "The facility returns it"
    USER = "user", "We organise the return (forwarder, account, pickup date below)"
    DESTROY = "destroy", "Destroy it after the experiment"


class ParcelQuerySet(models.QuerySet):
    def for_user(self, user: User) -> ParcelQuerySet:
        from catalogue import access

        return self & access.visible_parcels(user)


class Parcel(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="parcels")
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    storage_condition = models.CharField(
        max_length=16, choices=StorageCondition.choices, default=StorageCondition.ROOM
    )
    is_dangerous = models.BooleanField("dangerous goods", default=False)
    dangerous_goods = models.TextField(
        "dangerous goods description",
        blank=True,
        help_text="What is dangerous and why (UN number, hazard class, quantities).",
    )
    return_instructions = models.CharField(
        max_length=16, choices=ReturnInstructions.choices, default=ReturnInstructions.FACILITY
    )
    return_forwarder = models.CharField(max_length=255, blank=True)
    return_account = models.CharField("forwarder account", max_length=255, blank=True)
    return_pickup_date = models.DateField("planned pickup date", null=True, blank=True)
    comments = models.TextField(blank=True)
    reimbursement_requested = models.BooleanField(
        default=False, help_text="Ask the facility to reimburse the shipping costs."
    )
    expected_on = models.DateField("expected arrival", null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.CREATED, editable=False
    )
    status_changed_at = models.DateTimeField(default=timezone.now, editable=False)
    location = models.CharField(max_length=255, blank=True, editable=False)
    tracking_number = models.CharField(max_length=255, blank=True, editable=False)
    forwarder = models.CharField(max_length=255, blank=True, editable=False)
    return_tracking_number = models.CharField(max_length=255, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Optimistic concurrency: an edit names the version it started from (see `save_edit`).
    version = models.PositiveIntegerField(default=1, editable=False)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    edited_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ParcelQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["shipment", "id"]),
            models.Index(fields=["status", "is_dangerous", "status_changed_at"]),
            models.Index(fields=["expected_on", "id"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_dangerous=False) | ~Q(dangerous_goods=""),
                name="parcel_dangerous_goods_described",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("shipments:parcel", args=[self.pk])

    def clean(self) -> None:
        errors = {}
        if self.is_dangerous and not self.dangerous_goods.strip():
            errors["dangerous_goods"] = "Describe the dangerous goods."
        if (
            self.return_instructions == ReturnInstructions.USER
            and not self.return_forwarder.strip()
        ):
            errors["return_forwarder"] = "Name the forwarder that will pick it up."
        # A day near year 1 or 9999 overflows the week views and calendars that show it.
        for name in ("expected_on", "return_pickup_date"):
            if getattr(self, name) is not None:
                try:
                    validate_date_in_range(getattr(self, name))
                except ValidationError as error:
                    errors[name] = error.messages
        if errors:
            raise ValidationError(errors)

    def save_edit(self, *, fields: list[str], version: int, by: User) -> None:
        """Save the edited `fields` if nobody saved the parcel since `version` was read; else
        raise `StaleEdit` naming who changed it and when, and write nothing."""
        with transaction.atomic():
            current = (
                Parcel.objects.select_for_update(of=("self",))
                .select_related("edited_by")
                .only("version", "edited_at", "edited_by__full_name", "edited_by__username")
                .get(pk=self.pk)
            )
            if current.version != version:
                raise StaleEdit(current)
            self.version = version + 1
            self.edited_by = by
            self.edited_at = timezone.now()
            self.save(update_fields=[*fields, "version", "edited_by", "edited_at"])

    @property
    def code(self) -> str:
        """What the label's barcode and QR code carry, and what the scan page reads."""
        return f"PCL-{self.pk:06d}"

    @staticmethod
    def pk_from_code(code: str) -> int | None:
        code = code.strip().upper()
        if "/PARCELS/" in code:  # a QR code holds the parcel page's URL
            code = code.rstrip("/").rsplit("/", 1)[-1]
        code = code.removeprefix("PCL-")
        return int(code) if code.isdigit() and len(code) < 12 else None

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE

    def move_to(
        self,
        status: str,
        *,
        by: User | None,
        location: str = "",
        comment: str = "",
        tracking_number: str = "",
        forwarder: str = "",
        notify: bool = True,
    ) -> ParcelStatus:
        """Change the status through the workflow; raises `workflow.TransitionRefused` with why."""
        change = Change(
            Status(status) if status in Status.values else status,
            location,
            comment,
            tracking_number,
            forwarder,
        )
        return move(self, change, by=by, notify=notify)


class StaleEdit(Exception):
    """Someone saved the parcel after this edit began: the message says who and when."""

    def __init__(self, current: Parcel) -> None:
        self.current = current
        who = current.edited_by.display_name if current.edited_by else "someone"
        when = (
            timezone.localtime(current.edited_at).strftime("%d %b %Y %H:%M")
            if current.edited_at
            else "just now"
        )
        super().__init__(
            f"This parcel was changed by {who} at {when} while you were editing it. "
            "Reload the page to see their changes, then make yours again."
        )


class ItemKind(models.TextChoices):
    SAMPLE = "sample", "Sample"
    CONTAINER = "container", "Container"
    TOOL = "tool", "Tool"
    OTHER = "other", "Other"


class ItemQuerySet(models.QuerySet):
    def for_user(self, user: User) -> ItemQuerySet:
        from catalogue import access

        return self & access.visible_items(user)


class Item(models.Model):
    """Something in a parcel; containers (a puck) hold samples at numbered positions."""

    parcel = models.ForeignKey(Parcel, on_delete=models.CASCADE, related_name="items")
    container = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="contents",
        limit_choices_to={"kind": ItemKind.CONTAINER},
    )
    kind = models.CharField(max_length=16, choices=ItemKind.choices, default=ItemKind.SAMPLE)
    container_type = models.CharField(max_length=16, choices=ContainerType.choices, blank=True)
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="slot in the container"
    )
    sample = models.ForeignKey(
        Sample,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="shipment_items",
        help_text="The catalogue sample this is, when the proposal declared it.",
    )
    experiment_plan = models.JSONField(default=dict, blank=True)
    # Where the beamline put this container in the sample changer: MXCuBE loads the samples of
    # the containers that have one (ICAT+'s `sampleChangerLocation`).
    sample_changer_location = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="slot of the beamline's sample changer"
    )

    objects = ItemQuerySet.as_manager()

    class Meta:
        ordering = ["parcel", "container_id", "position", "id"]
        indexes = [models.Index(fields=["parcel", "id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["container", "position"],
                name="item_one_sample_per_position",
                condition=Q(container__isnull=False, position__isnull=False),
                violation_error_message="That position of the container is already taken.",
            ),
        ]

    def __str__(self) -> str:
        kind = self.get_container_type_display() if self.container_type else self.get_kind_display()
        return f"{kind} {self.name}"

    def clean(self) -> None:
        errors = {}
        if self.kind == ItemKind.CONTAINER and not self.container_type:
            errors["container_type"] = "Say what kind of container this is."
        if self.kind != ItemKind.CONTAINER and self.container_type:
            errors["container_type"] = "Only containers have a container type."
        if self.container_id is not None:
            container = self.container
            if container.kind != ItemKind.CONTAINER:
                errors["container"] = "Only a container can hold items."
            elif container.parcel_id != self.parcel_id:
                errors["container"] = "The container is in another parcel."
            elif (
                self.kind == ItemKind.CONTAINER and container.container_type != ContainerType.DEWAR
            ):
                errors["container"] = "Only a dewar can hold other containers."
            else:
                errors.update(slot_errors(self, container))
        elif self.position is not None:
            errors["position"] = "A position needs a container."
        if self.kind == ItemKind.CONTAINER and self.pk and self.container_type in CAPACITY:
            errors.update(capacity_errors(self))
        if self.sample_id is not None:
            if self.kind != ItemKind.SAMPLE:
                errors["sample"] = "Only sample items link to a catalogue sample."
            elif self.sample.investigation_id != self.parcel.shipment.investigation_id:
                errors["sample"] = "Pick a sample of this experiment."
        if self.experiment_plan and self.kind != ItemKind.SAMPLE:
            errors["experiment_plan"] = "Only samples carry an experiment plan."
        if self.sample_changer_location is not None and self.kind != ItemKind.CONTAINER:
            errors["sample_changer_location"] = "Only containers go in the sample changer."
        if self.experiment_plan and not isinstance(self.experiment_plan, dict):
            errors["experiment_plan"] = 'An object of key/value pairs, e.g. {"energy": "12.7"}.'
        elif self.experiment_plan and self.kind == ItemKind.SAMPLE:
            if problems := plans.check(self.experiment_plan):
                errors["experiment_plan"] = problems
        if errors:
            raise ValidationError(errors)

    @property
    def capacity(self) -> int | None:
        return CAPACITY.get(self.container_type)


class ParcelStatus(models.Model):
    """One step of a parcel's history: every status change, by whom, when and where."""

    parcel = models.ForeignKey(Parcel, on_delete=models.CASCADE, related_name="history")
    status = models.CharField(max_length=16, choices=Status.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    location = models.CharField(max_length=255, blank=True)
    comment = models.TextField(blank=True)
    tracking_number = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name = "status change"
        verbose_name_plural = "status history"
        ordering = ["parcel", "created_at", "id"]
        indexes = [models.Index(fields=["parcel", "created_at", "id"])]

    def __str__(self) -> str:
        return f"{self.parcel.code} {self.status} at {self.created_at:%Y-%m-%d %H:%M}"


class SafetyQueueParcel(Parcel):
    """The safety team's queue in admin: parcels declared ready, dangerous goods first."""

    class Meta:
        proxy = True
        verbose_name = "parcel awaiting safety check"
        verbose_name_plural = "safety queue"


class ParcelScan(models.Model):
    """One read on the scan page that moved a parcel, with where the parcel was before: whoever
    scanned may undo a wrong read for a minute, and a second read of the same parcel is known
    for what it is (see `shipments.scanning`)."""

    parcel = models.ForeignKey(Parcel, on_delete=models.CASCADE, related_name="scans")
    scanned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    scanned_at = models.DateTimeField(default=timezone.now)
    location = models.CharField(max_length=255, blank=True)
    from_status = models.CharField(max_length=16, choices=Status.choices)
    from_location = models.CharField(max_length=255, blank=True)
    from_return_tracking_number = models.CharField(max_length=255, blank=True)
    to_status = models.CharField(max_length=16, choices=Status.choices)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["parcel", "scanned_at", "id"]
        indexes = [models.Index(fields=["parcel", "scanned_at", "id"])]

    def __str__(self) -> str:
        return f"{self.parcel.code} scanned {self.from_status} → {self.to_status}"
