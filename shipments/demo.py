"""Demo shipments: Marie Dubois' parcels for her MX sessions, each where it would be given its
session's dates. Past sessions' parcels are back home or destroyed, the ongoing session's are at
the beamline or in stores (one received there though nobody marked it sent), the upcoming
session's are in transit or waiting for safety (one with dangerous goods, one refused with a
reason, one still a draft; the approved one can be scanned in at stores). Built through
`parcel.move_to` by the people who would make each change (team: Marie Dubois, safety: Sara
García, stores: Tom Lee), so histories follow the real rules, then dated around the session."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import TextIO

from django.utils import timezone

from catalogue.models import Investigation, Role
from portal.models import User

from .groups import ensure_groups
from .models import Address, ContainerType, Item, ItemKind, Parcel, ParcelStatus, Shipment
from .workflow import Status, start

S = Status
# The path each demo parcel walks; the last status is where it stays.
PATHS = {
    S.CREATED: [],
    S.READY: [S.READY],
    S.APPROVED: [S.READY, S.APPROVED],
    S.REFUSED: [S.READY, S.REFUSED],
    S.SENT: [S.READY, S.APPROVED, S.SENT],
    # The team never said it was sent: stores received it anyway (its history shows both steps).
    S.STORES: [S.READY, S.APPROVED, S.STORES],
    S.BEAMLINE: [S.READY, S.APPROVED, S.SENT, S.STORES, S.BEAMLINE],
    S.BACK_STORES: [S.READY, S.APPROVED, S.SENT, S.STORES, S.BEAMLINE, S.BACK_STORES],
    S.BACK_USER: [S.READY, S.APPROVED, S.SENT, S.STORES, S.BEAMLINE, S.BACK_STORES, S.BACK_USER],
    S.DESTROYED: [S.READY, S.APPROVED, S.SENT, S.STORES, S.BEAMLINE, S.BACK_STORES, S.DESTROYED],
    S.REMOVED: [S.REMOVED],
}
# Where a session's parcels are, by when the session is. Past sessions take turns.
UPCOMING = [S.SENT, S.SENT, S.APPROVED, S.READY, S.REFUSED, S.CREATED]
ONGOING = [S.BEAMLINE, S.BEAMLINE, S.STORES, S.BACK_STORES]
PAST = [[S.BACK_USER, S.DESTROYED], [S.BACK_USER, S.BACK_USER, S.REMOVED], [S.BACK_USER]]
# When each step happens, from the session's start (the return trip: from its end).
BEFORE_START = {
    S.CREATED: timedelta(days=21),
    S.READY: timedelta(days=14),
    S.REMOVED: timedelta(days=13),
    S.APPROVED: timedelta(days=12),
    S.REFUSED: timedelta(days=12),
    S.SENT: timedelta(days=10),
    S.STORES: timedelta(days=6),
    S.BEAMLINE: -timedelta(hours=2),
}
AFTER_END = {S.BACK_STORES: timedelta(days=1), S.BACK_USER: timedelta(days=4)}
AFTER_END[S.DESTROYED] = timedelta(days=6)
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
    """Marie's newest MX sessions (any of hers, or any at all, in a database made otherwise)."""
    mine = Investigation.objects.filter(members__user__username="mdubois").select_related(
        "instrument"
    )
    newest = mine.order_by("-start_date")
    return (
        list(newest.filter(name__startswith="MX")[:5])
        or list(newest[:5])
        or list(Investigation.objects.order_by("-start_date")[:5])
    )


def _plan(investigations: list[Investigation], now: datetime) -> list[list[Status]]:
    plans, past = [], 0
    for investigation in investigations:
        if investigation.start_date > now:
            plans.append(UPCOMING)
        elif investigation.end_date >= now:
            plans.append(ONGOING)
        else:
            plans.append(PAST[past % len(PAST)])
            past += 1
    return plans


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
    dangerous_done = refused_done = False
    for investigation, plan in zip(investigations, _plan(investigations, now), strict=True):
        samples = list(investigation.samples.order_by("name")[:12])
        shipment = Shipment.objects.create(
            investigation=investigation,
            name=f"Crystals for {investigation.name} ({investigation.start_date:%d %b %Y})",
            created_by=marie,
            shipping_address=lab,
            return_address=lab,
            comments="Pucks in a dry shipper; please keep them cold.",
        )
        in_transit = 0
        for number, final in enumerate(plan, start=1):
            in_transit += final == S.SENT
            dangerous = final == S.READY and not dangerous_done
            dangerous_done |= dangerous
            refused = final == S.REFUSED and not refused_done
            refused_done |= refused
            parcel = Parcel.objects.create(
                shipment=shipment,
                name="Selenium derivatives"
                if dangerous
                else ("Dewar" if refused else f"Dry shipper {number}"),
                description="Unipucks of cryo-cooled crystals.",
                storage_condition="ln2" if number % 3 else "-80",
                is_dangerous=dangerous,
                dangerous_goods=SELENIUM if dangerous else "",
                return_instructions="destroy" if final == S.DESTROYED else "facility",
                expected_on=_expected_on(investigation, final, in_transit),
                created_by=marie,
            )
            start(parcel, by=marie)
            _fill(parcel, samples, rng)
            for status in PATHS[final]:
                _step(parcel, status, marie=marie, sara=sara, tom=tom)
            _date_history(parcel, investigation, now)
            count += 1
    out.write(
        f"shipments: {count} parcels in {len(investigations)} shipments, where their sessions' "
        "dates put them.\n"
    )


def _expected_on(investigation: Investigation, final: Status, in_transit: int) -> date:
    """Parcels on their way arrive today and in the next days (what stores look out for at the
    door); the others were expected for the session's start."""
    if final == S.SENT:
        return timezone.localdate() + timedelta(days=in_transit - 1)
    return timezone.localdate(investigation.start_date)


def _fill(parcel: Parcel, samples: list, rng: random.Random) -> None:
    """A Unipuck filled as a crystallographer fills one (most positions, a gap where a crystal
    did not survive, native sets with a few anomalous ones and screening pins), and a tool."""
    puck = Item.objects.create(
        parcel=parcel,
        kind=ItemKind.CONTAINER,
        container_type=ContainerType.PUCK,
        name=f"Unipuck ESRF-{rng.randint(100, 999)}",
    )
    gaps = set(rng.sample(range(1, 17), rng.randint(2, 5)))
    filled = [p for p in range(1, 17) if p not in gaps]
    items = []
    for position in filled:
        sample = samples[rng.randrange(len(samples))] if samples else None
        strategy = rng.choice(["native", "native", "native", "anomalous", "screening"])
        plan = {
            "strategy": strategy,
            "required_resolution": rng.choice(["1.5", "1.8", "2", "2.2"]),
            "number_of_images": {"screening": "4", "anomalous": "7200"}.get(strategy, "3600"),
            "oscillation": "0.1",
            "exposure_time": rng.choice(["0.01", "0.02", "0.04"]),
            "energy": "12.66" if strategy == "anomalous" else "12.7",  # Se K edge
        }
        if position == filled[0]:
            plan["comments"] = "Best crystal of the batch: collect this one first."
        elif strategy == "screening":
            plan["comments"] = "Small needles; screen and tell us if any diffracts beyond 3 Å."
        items.append(
            Item(
                parcel=parcel,
                container=puck,
                position=position,
                kind=ItemKind.SAMPLE,
                name=f"{sample.name if sample else 'crystal'}-{position}",
                sample=sample,
                experiment_plan=plan,
            )
        )
    Item.objects.bulk_create(items)
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


def _date_history(parcel: Parcel, investigation: Investigation, now: datetime) -> None:
    """Each step dated around the session (sent ten days before it, back four days after), in
    order and never after now, so the timeline reads like the parcel's real journey."""
    entries = list(parcel.history.order_by("created_at", "id"))
    previous = None
    for entry in entries:
        status = Status(entry.status)
        if status in AFTER_END:
            when = investigation.end_date + AFTER_END[status]
        else:
            when = investigation.start_date - BEFORE_START.get(status, timedelta(days=21))
        when = min(when, now - timedelta(minutes=30))
        if previous is not None:
            when = max(when, previous + timedelta(minutes=30))
        entry.created_at = previous = when
    ParcelStatus.objects.bulk_update(entries, ["created_at"])
    Parcel.objects.filter(pk=parcel.pk).update(
        created_at=entries[0].created_at, status_changed_at=entries[-1].created_at
    )
