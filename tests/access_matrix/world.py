"""The world the URL access matrix walks: one object of every kind in every state, and one user
of every role. Every name a hidden object could leak carries a marker (`SECRET-...`) that the
matrix looks for in the bodies of answers to users who may not see it."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from catalogue.models import (
    AccessRequest,
    ArchiveStatus,
    DatasetParameter,
    DownloadJob,
    Role,
    SampleParameter,
)
from doi.models import (
    CollectionState,
    DataCollection,
    Doi,
    DoiKind,
    DoiState,
    LinkedPublication,
    PublicationScheme,
)
from logbook.models import ApiKey, Attachment, Tag
from logbook.services import event_create
from portal.models import IcatPlusSession
from shipments.groups import ensure_groups
from shipments.models import Address, Item, ItemKind, Parcel, ParcelStatus, Shipment
from tests import factories

# Roles of the matrix, from nobody to staff.
ROLES = [
    "anonymous",
    "outsider",
    "other_team",  # member of another experiment on another beamline
    "participant",
    "collaborator",
    "principal_investigator",
    "local_contact",
    "scientist",  # instrument scientist of the experiments' beamline
    "other_scientist",  # instrument scientist of another beamline
    "safety",
    "stores",
    "staff",
]
TEAM = {"participant", "collaborator", "principal_investigator", "local_contact", "scientist"}
MEMBERS = {"participant", "collaborator", "principal_investigator", "local_contact"}

# Investigation states. "doi_released": embargoed, but its dataset is in a minted collection DOI.
STATES = ["embargoed", "released", "proprietary", "doi_released"]
BEAMLINE = "ID91"
OTHER_BEAMLINE = "BM92"
NONEXISTENT_PK = 987654321
NONEXISTENT_UUID = "00000000-0000-4000-8000-000000000000"
NONEXISTENT_DOI = ("10.5072", "NOSUCH-DOI-0")
NONEXISTENT_EVENT = "987654321"


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue()


@dataclass
class StateObjects:
    """Everything hanging off one investigation."""

    state: str
    investigation: object
    markers: list[str]
    sample: object = None
    dataset: object = None
    datafile: object = None
    event: dict = field(default_factory=dict)
    attachment: object = None
    shipment: object = None
    parcel: object = None
    item: object = None
    container: object = None
    session_doi: object = None
    access_request: object = None
    collaborator_membership: object = None
    restore_dataset: object = None
    sample_parameter: object = None
    dataset_parameter: object = None
    publication: object = None


@dataclass
class World:
    users: dict
    states: dict  # state name -> StateObjects
    data_root: Path
    media_root: Path
    beamline: object
    beamline_event: dict
    addresses: dict  # role -> Address owned by that role's user
    download_jobs: dict  # role -> DownloadJob owned by that role's user
    collections: dict  # "draft" | "reserved" | "findable" -> DataCollection (PI's)
    api_keys: dict  # "beamline" | "other_beamline" | "facility" -> raw key
    icatplus_sessions: dict = field(default_factory=dict)  # role -> raw ICAT+ session id

    def user(self, role: str):
        return None if role == "anonymous" else self.users[role]


_PROPOSALS = {"embargoed": "MX-9101", "released": "MX-9202", "proprietary": "MX-9303"}


def _investigation(state: str, instrument):
    now = timezone.now()
    if state == "doi_released":
        proposal = "MX-9404"
    else:
        proposal = _PROPOSALS[state]
    tag = state.upper()
    kwargs = {
        "name": proposal,
        "title": f"SECRET-{tag}-TITLE on a hidden protein",
        "summary": f"SECRET-{tag}-SUMMARY of the experiment",
        "instrument": instrument,
    }
    if state in ("released", "proprietary"):
        kwargs.update(start_date=now - timedelta(days=2000), end_date=now - timedelta(days=1990))
    if state == "proprietary":
        kwargs["proprietary"] = True
    return factories.InvestigationFactory(**kwargs)


def build_world(data_root: Path, media_root: Path) -> World:
    groups = ensure_groups()
    stores_group, _ = Group.objects.get_or_create(name="Stores")
    instrument = factories.InstrumentFactory(name=BEAMLINE)
    other_instrument = factories.InstrumentFactory(name=OTHER_BEAMLINE)
    users = {role: factories.UserFactory(username=f"m-{role}") for role in ROLES[1:]}
    users["staff"].is_staff = True
    users["staff"].save()
    users["safety"].groups.add(groups["Safety"])
    users["stores"].groups.add(stores_group)
    instrument.scientists.add(users["scientist"])
    other_instrument.scientists.add(users["other_scientist"])
    other_experiment = factories.InvestigationFactory(name="MX-9505", instrument=other_instrument)
    factories.InvestigationUserFactory(investigation=other_experiment, user=users["other_team"])

    states = {}
    for state in STATES:
        investigation = _investigation(state, instrument)
        tag = state.upper()
        objects = StateObjects(
            state=state,
            investigation=investigation,
            markers=[f"SECRET-{tag}-TITLE", f"SECRET-{tag}-SUMMARY", f"secret-{state}-sample"],
        )
        role_of = {
            "principal_investigator": Role.PRINCIPAL_INVESTIGATOR,
            "participant": Role.PARTICIPANT,
            "collaborator": Role.COLLABORATOR,
            "local_contact": Role.LOCAL_CONTACT,
        }
        for role, team_role in role_of.items():
            membership = factories.InvestigationUserFactory(
                investigation=investigation, user=users[role], role=team_role
            )
            if role == "collaborator":
                objects.collaborator_membership = membership
        objects.sample = factories.SampleFactory(
            investigation=investigation, name=f"secret-{state}-sample"
        )
        objects.dataset = factories.DatasetFactory(
            investigation=investigation,
            sample=objects.sample,
            name=f"secret-{state}-dataset",
            file_count=1,
            size=5,
        )
        objects.datafile = factories.DatafileFactory(
            dataset=objects.dataset,
            name=f"secret-{state}-file.txt",
            location=f"{investigation.name}/secret-{state}-file.txt",
            size=5,
        )
        path = data_root / objects.datafile.location
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"hello")
        objects.sample_parameter = SampleParameter.objects.create(
            sample=objects.sample,
            type=factories.ParameterTypeFactory(name="position", units="", value_type="string"),
            string_value=f"secret-{state}-sample position",
        )
        objects.dataset_parameter = DatasetParameter.objects.create(
            dataset=objects.dataset, type=factories.ParameterTypeFactory(), numeric_value=12.7
        )
        objects.restore_dataset = factories.DatasetFactory(
            investigation=investigation,
            sample=objects.sample,
            name=f"secret-{state}-archived",
            archive_status=ArchiveStatus.ARCHIVED,
        )
        objects.markers += [f"secret-{state}-dataset", f"secret-{state}-file"]

        objects.event = event_create(
            investigation=investigation,
            instrument=instrument,
            type="annotation",
            category="comment",
            by=users["participant"].username,
            title=f"SECRET-{tag}-LOGBOOK entry",
            text="what we saw",
            tags=[f"secret-{state}-tag"],
        )
        objects.markers.append(f"SECRET-{tag}-LOGBOOK")
        attachment = Attachment(
            investigation=investigation,
            instrument_name=BEAMLINE,
            filename=f"secret-{state}-image.png",
            content_type="image/png",
            size=len(png_bytes()),
            uploaded_by=users["participant"].username,
        )
        attachment.file.save("image.png", ContentFile(png_bytes()), save=False)
        attachment.thumbnail.save("thumb.png", ContentFile(png_bytes()), save=False)
        attachment.save()
        objects.attachment = attachment

        objects.shipment = Shipment.objects.create(
            investigation=investigation, name=f"secret-{state}-shipment"
        )
        objects.parcel = Parcel.objects.create(shipment=objects.shipment, name=f"Dewar {state}")
        ParcelStatus.objects.create(parcel=objects.parcel, status=objects.parcel.status)
        objects.item = Item.objects.create(
            parcel=objects.parcel,
            kind=ItemKind.SAMPLE,
            name=f"crystal-{state}",
            sample=objects.sample,
        )
        objects.container = Item.objects.create(
            parcel=objects.parcel,
            kind=ItemKind.CONTAINER,
            container_type="puck",
            name=f"puck-{state}",
        )
        objects.access_request = AccessRequest.objects.create(
            requester=users["outsider"], proposal=investigation.name
        )
        if state != "doi_released":
            objects.session_doi = Doi.objects.create(
                identifier=f"10.5072/SESSION-{tag}",
                kind=DoiKind.SESSION,
                state=DoiState.FINDABLE,
                investigation=investigation,
                provider="local",
                registered_at=timezone.now(),
            )
        objects.publication = LinkedPublication.objects.create(
            scheme=PublicationScheme.DOI,
            identifier=f"10.9999/secret-{state}-paper",
            investigation=investigation,
            added_by=users["participant"],
        )
        objects.markers.append(f"secret-{state}-paper")
        states[state] = objects

    collections = {}
    pi = users["principal_investigator"]
    for name, collection_state, doi_state in (
        ("draft", CollectionState.DRAFT, None),
        ("reserved", CollectionState.RESERVED, DoiState.DRAFT),
        ("findable", CollectionState.FINDABLE, DoiState.FINDABLE),
    ):
        doi = None
        if doi_state:
            doi = Doi.objects.create(
                identifier=f"10.5072/COLLECTION-{name.upper()}",
                kind=DoiKind.COLLECTION,
                state=doi_state,
                provider="local",
                registered_at=timezone.now(),
            )
        collection = DataCollection.objects.create(
            title=f"SECRET-COLLECTION-{name.upper()} manuscript data",
            abstract="Unpublished.",
            state=collection_state,
            doi=doi,
            created_by=pi,
        )
        collections[name] = collection
    findable = collections["findable"]
    doi_dataset = states["doi_released"].dataset
    findable.datasets.add(doi_dataset)
    doi_dataset.released_by_doi = True
    doi_dataset.save(update_fields=["released_by_doi"])
    collections["reserved"].datasets.add(states["embargoed"].dataset)
    collections["draft"].datasets.add(states["embargoed"].dataset)

    beamline_event = event_create(
        investigation=None,
        instrument=instrument,
        type="annotation",
        category="comment",
        by=users["scientist"].username,
        title="SECRET-BEAMLINE-LOGBOOK entry",
        text="machine notes",
    )
    Tag.objects.get_or_create(name="beamline-tag", investigation=None, instrument=instrument)
    addresses = {
        role: Address.objects.create(
            owner=user,
            name=f"secret-address-of-{role}",
            street="1 rue",
            city="Grenoble",
            postal_code="38000",
            country="France",
            email=f"{role}@example.org",
        )
        for role, user in users.items()
    }
    download_jobs = {role: DownloadJob.objects.create(owner=user) for role, user in users.items()}
    api_keys = {}
    for name, key_instrument in (
        ("beamline", instrument),
        ("other_beamline", other_instrument),
        ("facility", None),
    ):
        # Owned by staff, as keys issued in Admin are: a key mints DOIs in its owner's name.
        _, raw = ApiKey.objects.create_key(
            name=name, instrument=key_instrument, created_by=users["staff"]
        )
        api_keys[name] = raw
    icatplus_sessions = {"participant": IcatPlusSession.objects.open(user=users["participant"])[1]}
    return World(
        users=users,
        states=states,
        data_root=data_root,
        media_root=media_root,
        beamline=instrument,
        beamline_event=beamline_event,
        addresses=addresses,
        download_jobs=download_jobs,
        collections=collections,
        api_keys=api_keys,
        icatplus_sessions=icatplus_sessions,
    )
