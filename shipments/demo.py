"""Demo shipments: parcels in every status with their histories, one refused with a reason, one
with dangerous goods. Built through `parcel.move_to` by the people who would make each change
(team: Marie Dubois, safety: Sara García, stores: Tom Lee), so histories follow the real rules."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import TextIO

from django.utils import timezone

from catalogue.models import Investigation, Role
from portal.models import User

from .groups import ensure_groups
from .models import Address, Item, ItemKind, Parcel, ParcelStatus, Shipment
from .workflow import Status, start

S = Status
# The path each demo parcel walks; the last status is where it stays.
PATHS = {
    S.CREATED: [],
    S.READY: [S.READY],
    S.APPROVED: [S.READY, S.APPROVED],
    S.REFUSED: [S.READY, S.REFUSED],
    S.SENT: [S.READY, S.APPROVED, S.SENT],
    S.STORES: [S.READY, S.APPROVED, S.SENT, S.STORES],
    S.BEAMLINE: [S.READY, S.APPROVED, S.SENT, S.STORES, S.BEAMLINE],
    S.BACK_STORES: [S.READY, S.APPROVED, S.SENT, S.STORES, S.BEAMLINE, S.BACK_STORES],
    S.BACK_USER: [S.READY, S.APPROVED, S.SENT, S.STORES, S.BEAMLINE, S.BACK_STORES, S.BACK_USER],
    S.DESTROYED: [S.READY, S.APPROVED, S.SENT, S.STORES, S.BEAMLINE, S.BACK_STORES, S.DESTROYED],
    S.REMOVED: [S.REMOVED],
}
WHERE = {S.APPROVED: "Safety office", S.STORES: "Stores", S.BEAMLINE: "", S.BACK_STORES: "Stores"}
SELENIUM = "Selenomethionine-labelled protein, toxic (UN 2811, class 6.1), 5 mg"
REFUSAL = (
    "The dewar is not a dry shipper: liquid nitrogen may not travel by air. Use a dry shipper."
)


def _user(username: str, full_name: str, **extra) -> User:
    """The demo people come from the catalogue's demo; created here only if that step did not."""
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"full_name": full_name, "email": f"{username}@example.org", **extra},
    )
    if created:
        user.set_password("demo")
        user.save()
    return user


def _roles() -> tuple[User, User]:
    """Sara in "Safety", Tom in "Stores", neither staff (staff see every embargoed experiment).
    Idempotent: also what `refresh` does to a demo database made when Tom was staff."""
    sara = _user("sgarcia", "Sara García")
    tom = _user("tlee", "Tom Lee")
    groups = ensure_groups()
    sara.groups.add(groups["Safety"])
    tom.groups.add(groups["Stores"])
    User.objects.filter(pk__in=[sara.pk, tom.pk], is_staff=True).update(is_staff=False)
    return sara, tom


def refresh(*, out: TextIO) -> None:
    """`seed_demo --if-empty` on a database that already has a facility: bring its demo roles up
    to date, and nothing else."""
    if User.objects.filter(username__in=["sgarcia", "tlee"]).exists():
        _roles()
        out.write("shipments: demo safety and stores users are in their groups, not staff.\n")


def _investigations() -> list[Investigation]:
    mine = Investigation.objects.filter(members__user__username="mdubois").select_related(
        "instrument"
    )
    mx = list(mine.filter(name__startswith="MX").order_by("-start_date")[:2])
    return (
        mx
        or list(mine.order_by("-start_date")[:2])
        or list(Investigation.objects.order_by("-start_date")[:2])
    )


def seed(*, out: TextIO) -> None:
    rng = random.Random(6)
    investigations = _investigations()
    if not investigations:
        out.write("shipments: no investigation to ship samples to; skipped.\n")
        return
    marie = _user("mdubois", "Dr Marie Dubois")
    sara, tom = _roles()
    for investigation in investigations:
        # Marie must be able to act for the team; the catalogue demo normally made her PI already.
        investigation.members.get_or_create(
            user=marie, defaults={"role": Role.PRINCIPAL_INVESTIGATOR}
        )

    lab = Address.objects.create(
        owner=marie,
        name="Dr Marie Dubois",
        company="Institut de Biologie Structurale",
        street="71 avenue des Martyrs\nCS 10090",
        city="Grenoble",
        postal_code="38044",
        country="France",
        email="mdubois@example.org",
        phone="+33 4 57 42 85 00",
        courier_company="DHL Express",
        courier_account="DE-449201",
    )
    Address.objects.create(
        owner=marie,
        name="Marie Dubois (home lab, Lyon)",
        company="ENS de Lyon",
        street="46 allée d'Italie",
        city="Lyon",
        postal_code="69007",
        country="France",
        email="mdubois@example.org",
        phone="+33 4 72 72 80 00",
    )
    now = timezone.now()
    count = 0
    for index, investigation in enumerate(investigations):
        samples = list(investigation.samples.order_by("name")[:12])
        shipment = Shipment.objects.create(
            investigation=investigation,
            name=f"Crystals for {investigation.name}",
            created_by=marie,
            shipping_address=lab,
            return_address=lab,
            comments="Pucks in a dry shipper; please keep them cold.",
        )
        statuses = list(PATHS) if index == 0 else [S.CREATED, S.READY, S.SENT]
        for number, final in enumerate(statuses, start=1):
            dangerous = final == S.READY and index == 0
            parcel = Parcel.objects.create(
                shipment=shipment,
                name=f"Dry shipper {number}" if not dangerous else "Selenium derivatives",
                description="Unipucks of cryo-cooled crystals.",
                storage_condition="ln2" if number % 3 else "-80",
                is_dangerous=dangerous,
                dangerous_goods=SELENIUM if dangerous else "",
                return_instructions="destroy" if final == S.DESTROYED else "facility",
                expected_on=(now + timedelta(days=rng.randint(0, 4))).date(),
                created_by=marie,
                created_at=now - timedelta(days=30),
            )
            start(parcel, by=marie)
            _fill(parcel, samples, rng)
            for status in PATHS[final]:
                _step(parcel, status, marie=marie, sara=sara, tom=tom)
            _spread_history(parcel, now)
            count += 1
    out.write(f"shipments: {count} parcels in {len(investigations)} shipments, every status.\n")


def _fill(parcel: Parcel, samples: list, rng: random.Random) -> None:
    """A puck of three samples (linked to catalogue samples where there are some) and a tool."""
    puck = Item.objects.create(
        parcel=parcel,
        kind=ItemKind.CONTAINER,
        container_type="puck",
        name=f"Unipuck ESRF-{rng.randint(100, 999)}",
    )
    for position in (1, 2, 3):
        sample = samples[rng.randrange(len(samples))] if samples else None
        Item.objects.create(
            parcel=parcel,
            container=puck,
            position=position,
            kind=ItemKind.SAMPLE,
            name=f"{sample.name if sample else 'crystal'}-{position}",
            sample=sample,
            experiment_plan={
                "exposure_time": f"{rng.choice([0.01, 0.02, 0.04])}",
                "resolution": f"{rng.choice([1.5, 1.8, 2.2])}",
            },
        )
    Item.objects.create(parcel=parcel, kind=ItemKind.TOOL, name="Cryo-tongs")


def _step(parcel: Parcel, status: Status, *, marie, sara, tom) -> None:
    who = {S.APPROVED: sara, S.REFUSED: sara}.get(status)
    if status in (S.STORES, S.BEAMLINE, S.BACK_STORES, S.BACK_USER, S.DESTROYED):
        who = tom
    location = WHERE.get(status, "")
    if status == S.BEAMLINE:
        location = parcel.shipment.investigation.instrument.name
    parcel.move_to(
        status,
        by=who or marie,
        location=location,
        notify=False,
        comment=REFUSAL if status == S.REFUSED else "",
        tracking_number={S.SENT: f"1Z{parcel.pk:08d}", S.BACK_USER: f"RET{parcel.pk:06d}"}.get(
            status, ""
        ),
        forwarder="DHL Express" if status == S.SENT else "",
    )


def _spread_history(parcel: Parcel, now) -> None:
    """One day between steps, the last one yesterday, so the timeline reads like a real journey."""
    entries = list(parcel.history.order_by("created_at", "id"))
    for age, entry in enumerate(reversed(entries), start=1):
        entry.created_at = now - timedelta(days=age)
    ParcelStatus.objects.bulk_update(entries, ["created_at"])
    Parcel.objects.filter(pk=parcel.pk).update(status_changed_at=entries[-1].created_at)
