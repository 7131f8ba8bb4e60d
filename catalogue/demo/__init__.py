"""The demo facility: people, beamlines, proposals, samples, datasets and real files on disk.

`seed(out=...)` is the catalogue step of `manage.py seed_demo`. It is deterministic (one
`random.Random(2468)`, drawn from in the same order whatever the database holds) and idempotent:
rows are found by their natural keys (username, beamline name, proposal + session, sample and
dataset names) and updated in place, files already on disk are kept, so running it again changes
no counts and keeps every id that the logbook, shipment and DOI demos point at.

Files are laid out like facility storage:
`<proposal>/<beamline>/<session>/RAW_DATA/<sample>/<dataset>/` (and `PROCESSED_DATA/`).
"""

from __future__ import annotations

import hashlib
import os
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TextIO

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.utils import timezone

from catalogue.models import (
    AccessRequest,
    ArchiveStatus,
    Datafile,
    Dataset,
    DatasetParameter,
    DatasetType,
    Instrument,
    Investigation,
    InvestigationParameter,
    InvestigationUser,
    ParameterType,
    Role,
    Sample,
    SampleParameter,
    Technique,
    default_release_date,
)
from portal.models import User

from . import big_stack
from .content import (
    BEAMLINES,
    GROUPS,
    PEOPLE,
    PROPOSALS,
    SCIENTIFIC_AREA,
    STAFF,
    SUPERUSERS,
    TECHNIQUE_PIDS,
    TECHNIQUES,
    VISITORS,
    Beamline,
    Proposal,
)
from .measurements import KINDS, PARAMETER_TYPES, SAMPLE_TYPES, Context, Params, sample_parameters

RANDOM_SEED = 2468
DEMO_PASSWORD = "demo"
# Raw data older than this is on tape (the download and restore features have something to show).
ARCHIVE_AFTER = timedelta(days=5 * 365)

RAW_DESCRIPTIONS = {
    "mx": "Rotation data collection",
    "saxs": "Batch SAXS measurement, 10 frames",
    "nanodiff": "Rocking scan on a single object",
    "tomo": "Full-field tomography scan",
    "xanes": "Fluorescence map and micro-XANES",
    "xas": "XAS energy scan",
    "powder": "Powder diffraction acquisition",
}
PROCESSED_DESCRIPTIONS = {
    "mx": "Automatic integration and scaling",
    "saxs": "Azimuthal integration and averaging",
    "nanodiff": "Reciprocal space map and strain",
    "tomo": "Reconstructed slice",
    "xanes": "Linear combination fit of the XANES",
    "xas": "Normalised spectrum and chi(k)",
    "powder": "Azimuthal integration",
}


def seed(*, out: TextIO) -> None:
    g = random.Random(RANDOM_SEED)
    today = timezone.now().replace(hour=8, minute=0, second=0, microsecond=0)
    users = _people()
    techniques = _techniques()
    instruments = {b.name: _beamline(b, techniques, users) for b in BEAMLINES}
    types = _parameter_types()
    beamlines = {b.name: b for b in BEAMLINES}
    for proposal in PROPOSALS:
        _proposal(
            g,
            proposal,
            beamlines[proposal.beamline],
            instruments[proposal.beamline],
            users,
            techniques,
            types,
            today,
        )
    _big_stack()
    Dataset.objects.refresh_totals()
    Investigation.objects.refresh_totals()
    # Something for the principal investigator to answer on her dashboard.
    AccessRequest.objects.get_or_create(
        requester=users["rbrown"],
        proposal="MX-2468",
        defaults={
            "message": "I am refining the room-temperature lysozyme structure for our "
            "comparison paper and would like to reprocess your ID23-1 data.",
            "created_at": today - timedelta(days=1),
        },
    )
    now = timezone.now()
    out.write(
        f"Catalogue: {len(users)} users, {Instrument.objects.count()} beamlines, "
        f"{Investigation.objects.count()} investigations "
        f"({Investigation.objects.released(now).count()} released, "
        f"{Investigation.objects.embargoed(now).count()} embargoed or proprietary), "
        f"{Dataset.objects.count()} datasets, "
        f"{Datafile.objects.count()} files in {settings.DATA_ROOT}\n"
    )


# People, beamlines, vocabularies -----------------------------------------------------------------


def _people() -> dict[str, User]:
    password = make_password(DEMO_PASSWORD)  # hashed once: hashing is slow on purpose
    users = {}
    for username, full_name, affiliation in PEOPLE:
        staff_member = affiliation == "FACILITY"
        given, _, family = full_name.removeprefix("Dr ").removeprefix("Prof. ").partition(" ")
        if username == "admin":  # not a person: the admin greets "admin", not "Facility"
            given = family = ""
        users[username], _ = User.objects.update_or_create(
            username=username,
            defaults={
                "full_name": full_name,
                "first_name": given,
                "last_name": family,
                "email": f"{username}@{'facility.' if staff_member else ''}example.org",
                "affiliation": settings.FACILITY_NAME if staff_member else affiliation,
                "is_staff": username in STAFF,
                "is_superuser": username in SUPERUSERS,
                "is_active": True,
                "password": password,
            },
        )
    for group_name, members in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        group.user_set.add(*(users[name] for name in members))
    return users


def _techniques() -> dict[str, Technique]:
    return {
        name: Technique.objects.update_or_create(
            name=name, defaults={"description": description, "pid": TECHNIQUE_PIDS[name]}
        )[0]
        for name, description in TECHNIQUES.items()
    }


def _beamline(
    beamline: Beamline, techniques: dict[str, Technique], users: dict[str, User]
) -> Instrument:
    instrument, _ = Instrument.objects.update_or_create(
        name=beamline.name,
        defaults={"full_name": beamline.full_name, "description": beamline.description},
    )
    instrument.techniques.set([techniques[name] for name in beamline.techniques])
    instrument.scientists.set([users[name] for name in beamline.scientists])
    return instrument


def _parameter_types() -> dict[str, ParameterType]:
    return {
        name: ParameterType.objects.update_or_create(
            name=name, units=units, defaults={"value_type": value_type, "description": description}
        )[0]
        for name, (units, value_type, description) in PARAMETER_TYPES.items()
    }


def _parameter_rows(model, types: dict[str, ParameterType], params: Params, **owner) -> list:
    return [
        model(
            type=types[name],
            numeric_value=value if not isinstance(value, str) else None,
            string_value=value if isinstance(value, str) else "",
            **owner,
        )
        for name, value in params.items()
    ]


# Proposals and their sessions ------------------------------------------------------------------


def _proposal(
    g: random.Random,
    proposal: Proposal,
    beamline: Beamline,
    instrument: Instrument,
    users: dict[str, User],
    techniques: dict[str, Technique],
    types: dict[str, ParameterType],
    today: datetime,
) -> None:
    if proposal.participants is None:
        participants = g.sample([v for v in VISITORS if v != proposal.pi], g.randint(1, 3))
    else:
        participants = proposal.participants
    local_contact = proposal.local_contact or beamline.scientists[0]
    digits = proposal.name.split("-")[1]
    for index, (days_ago, length) in enumerate(proposal.sessions):
        start = today - timedelta(days=days_ago)
        end = start + timedelta(days=length) - timedelta(hours=1)
        investigation, _ = Investigation.objects.update_or_create(
            name=proposal.name,
            visit_id=f"{beamline.name.lower().replace('-', '')}-{digits}{index + 1}",
            defaults={
                "title": proposal.title,
                "summary": proposal.summary,
                "instrument": instrument,
                "start_date": start,
                "end_date": end,
                "release_date": default_release_date(end),
                "proprietary": proposal.proprietary,
            },
        )
        investigation.techniques.set([techniques[name] for name in beamline.techniques])
        team = [(proposal.pi, Role.PRINCIPAL_INVESTIGATOR, None)]
        team += [(name, Role.PARTICIPANT, None) for name in participants]
        team += [(name, Role.COLLABORATOR, proposal.pi) for name in proposal.collaborators]
        team.append((local_contact, Role.LOCAL_CONTACT, None))
        for username, role, added_by in team:
            InvestigationUser.objects.update_or_create(
                investigation=investigation,
                user=users[username],
                defaults={
                    "role": role,
                    "added_by": users.get(added_by),
                    "added_at": start + timedelta(days=1 if added_by else -30),
                },
            )
        InvestigationParameter.objects.filter(investigation=investigation).delete()
        InvestigationParameter.objects.bulk_create(
            _parameter_rows(
                InvestigationParameter,
                types,
                {
                    "allocated shifts": float(length * 3),
                    "proposal type": "Industrial"
                    if proposal.proprietary
                    else g.choice(
                        ["Standard", "Standard", "Long term project", "Block allocation group"]
                    ),
                    "scientific area": SCIENTIFIC_AREA[proposal.name.split("-")[0]],
                },
                investigation=investigation,
            )
        )
        _session(g, proposal, beamline, investigation, techniques, types, today)


def _session(
    g: random.Random,
    proposal: Proposal,
    beamline: Beamline,
    investigation: Investigation,
    techniques: dict[str, Technique],
    types: dict[str, ParameterType],
    today: datetime,
) -> None:
    kind = KINDS[beamline.kind]
    folder = Path(proposal.name) / beamline.name / investigation.visit_id
    existing = {d.name: d for d in investigation.datasets.all()}
    clock = investigation.start_date + timedelta(hours=1)
    archived = today - investigation.start_date > ARCHIVE_AFTER
    dataset_params: list[DatasetParameter] = []
    sample_params: list[SampleParameter] = []
    # An upcoming session has its samples (parcels are on their way with them) but no data yet.
    upcoming = investigation.start_date > timezone.now()
    for sample_name in proposal.samples:
        sample, _ = Sample.objects.update_or_create(
            investigation=investigation,
            name=sample_name,
            defaults={
                "type": SAMPLE_TYPES[beamline.kind],
                "description": f"{proposal.material}, {sample_name.replace('_', ' ')}",
            },
        )
        sample_params += _parameter_rows(
            SampleParameter,
            types,
            sample_parameters(beamline.kind, g, proposal.material),
            sample=sample,
        )
        ctx = Context(
            beamline=beamline.name,
            sample=sample_name,
            material=proposal.material,
            title=proposal.title,
            start=clock,
            sample_seed=g.randrange(2**31),
        )
        if upcoming:
            continue
        raws = []
        for run in range(1, g.randint(2, 3) + 1):
            minutes = g.uniform(*kind.raw_minutes)
            name = f"{sample_name}_{run:04d}"
            params = kind.raw_parameters(g, ctx)
            dataset = _dataset(
                existing,
                investigation,
                sample,
                name=name,
                type=DatasetType.RAW,
                description=RAW_DESCRIPTIONS[beamline.kind],
                location=str(folder / "RAW_DATA" / sample_name / name),
                start=clock,
                end=clock + timedelta(minutes=minutes),
                archive_status=ArchiveStatus.ARCHIVED if archived else ArchiveStatus.ONLINE,
            )
            # Mostly the beamline's main technique, sometimes its second one.
            technique = g.choice(beamline.techniques[:1] * 3 + beamline.techniques)
            dataset.techniques.set([techniques[technique]])
            dataset_params += _parameter_rows(DatasetParameter, types, params, dataset=dataset)
            write = partial(
                kind.write_raw, name=name, params=params, ctx=ctx, seed=g.randrange(2**31)
            )
            _files(dataset, write)
            raws.append((dataset, params))
            clock += timedelta(minutes=minutes + g.uniform(3, 25))
        name = f"{sample_name}_{kind.processed_suffix}"
        params = kind.processed_parameters(g, ctx, raws[-1][1])
        processed = _dataset(
            existing,
            investigation,
            sample,
            name=name,
            type=DatasetType.PROCESSED,
            description=PROCESSED_DESCRIPTIONS[beamline.kind],
            location=str(folder / "PROCESSED_DATA" / sample_name / name),
            start=clock - timedelta(minutes=2),
            end=clock + timedelta(minutes=g.uniform(2, 12)),
            archive_status=ArchiveStatus.ONLINE,
        )
        processed.techniques.set(raws[0][0].techniques.all())
        processed.derived_from.set([dataset for dataset, _ in raws])
        dataset_params += _parameter_rows(DatasetParameter, types, params, dataset=processed)
        write = partial(
            kind.write_processed, name=name, params=params, ctx=ctx, seed=g.randrange(2**31)
        )
        _files(processed, write)
    SampleParameter.objects.filter(sample__investigation=investigation).delete()
    SampleParameter.objects.bulk_create(sample_params)
    DatasetParameter.objects.filter(dataset__investigation=investigation).delete()
    DatasetParameter.objects.bulk_create(dataset_params)


def _dataset(
    existing: dict[str, Dataset],
    investigation: Investigation,
    sample: Sample,
    *,
    name: str,
    type: str,
    description: str,
    location: str,
    start: datetime,
    end: datetime,
    archive_status: str,
) -> Dataset:
    dataset = existing.get(name) or Dataset(investigation=investigation, name=name)
    dataset.sample = sample
    dataset.type = type
    dataset.description = description
    dataset.location = location
    dataset.start_date = start
    dataset.end_date = end
    dataset.archive_status = archive_status
    dataset.save()
    return dataset


def _big_stack() -> None:
    """The multi-GB detector stack (big_stack.py), in the first online raw ID23-1 dataset."""
    dataset = (
        Dataset.objects.filter(
            investigation__instrument__name="ID23-1",
            type=DatasetType.RAW,
            archive_status=ArchiveStatus.ONLINE,
        )
        .order_by("investigation__start_date", "pk")
        .first()
    )
    if dataset is None:
        return
    path = Path(settings.DATA_ROOT) / dataset.location / big_stack.FILE_NAME
    if not path.exists():
        big_stack.write_big_stack(path)
    _files(dataset, lambda folder: None)


def _files(dataset: Dataset, write: Callable[[Path], None]) -> None:
    """Write the dataset's files unless a previous run did, then record what is on disk."""
    folder = Path(settings.DATA_ROOT) / dataset.location
    if not folder.is_dir() or not any(folder.iterdir()):
        folder.mkdir(parents=True, exist_ok=True)
        write(folder)
        stamp = dataset.end_date.timestamp()
        for path in folder.iterdir():
            os.utime(path, (stamp, stamp))
    recorded = {f.name: f for f in dataset.datafiles.all()}
    new = []
    for path in sorted(folder.iterdir()):
        stat = path.stat()
        values = {
            "location": f"{dataset.location}/{path.name}",
            "size": stat.st_size,
            "checksum": "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest(),
            "file_mod_time": datetime.fromtimestamp(stat.st_mtime, tz=UTC),
        }
        datafile = recorded.get(path.name)
        if datafile is None:
            new.append(Datafile(dataset=dataset, name=path.name, **values))
        elif any(getattr(datafile, key) != value for key, value in values.items()):
            Datafile.objects.filter(pk=datafile.pk).update(**values)
    Datafile.objects.bulk_create(new)
