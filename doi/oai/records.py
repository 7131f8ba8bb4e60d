"""Which records a harvest lists, their datestamps and sets, and their DataCite metadata.

Records come from `access.harvestable_dois()`. A record's datestamp is the last change a harvester
could see in it: the DOI row, its session (ICAT's modification time, and the release date once
passed, when an embargoed session's minimal record becomes the full one) or its data collection.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Case, F, Q, QuerySet, When
from django.db.models.functions import Coalesce, Greatest
from django.utils.text import slugify

from catalogue import access
from catalogue.models import Dataset, Instrument, Investigation, Technique, released_q

from .. import metadata as md
from ..models import DataCollection, Doi, DoiKind

KIND_SETS = {
    f"kind:{DoiKind.SESSION}": "Experiment sessions",
    f"kind:{DoiKind.COLLECTION}": "Data collections",
}


@dataclass(frozen=True)
class Selection:
    """The selective-harvest arguments: a set and a datestamp range (both ends included)."""

    set_spec: str = ""
    since: datetime | None = None
    before: datetime | None = None  # exclusive: `until` plus one unit of its granularity


def oai_identifier(doi_identifier: str) -> str:
    return f"oai:{settings.OAI_REPOSITORY_IDENTIFIER}:{doi_identifier}"


def doi_identifier(oai_id: str) -> str | None:
    prefix = f"oai:{settings.OAI_REPOSITORY_IDENTIFIER}:"
    return oai_id[len(prefix) :] if oai_id.startswith(prefix) and "\x00" not in oai_id else None


def technique_set(technique: Technique) -> str:
    # Set specs allow no spaces: "x-ray tomography" is technique:x-ray-tomography.
    return f"technique:{slugify(technique.name)}"


def all_sets() -> list[tuple[str, str]]:
    """(setSpec, setName) of every set: record kinds, beamlines and techniques."""
    beamlines = [(f"beamline:{i.name}", f"Beamline {i.name}") for i in Instrument.objects.all()]
    techniques = [(technique_set(t), f"Technique: {t.name}") for t in Technique.objects.all()]
    return [*KIND_SETS.items(), *beamlines, *techniques]


def dated(dois: QuerySet[Doi]) -> QuerySet[Doi]:
    """`datestamp`: the latest of the changes a harvester could see in the record."""
    release = Case(
        When(released_q(prefix="investigation__"), then=F("investigation__release_date"))
    )
    changes = [F("investigation__mod_time"), release, F("collection__updated_at")]
    # Coalesce: GREATEST ignores NULLs on PostgreSQL only.
    return dois.annotate(
        datestamp=Greatest("updated_at", *(Coalesce(c, "updated_at") for c in changes))
    )


def _set_q(set_spec: str) -> Q:
    kind, _, value = set_spec.partition(":")
    if set_spec in KIND_SETS:
        return Q(kind=value)
    # Beamline and technique sets list no deleted record: its session may not be named.
    if kind == "beamline":
        collections = DataCollection.objects.filter(
            datasets__investigation__instrument__name=value
        ).values("pk")
        return Q(withdrawn=False) & (
            Q(investigation__instrument__name=value) | Q(collection__in=collections)
        )
    if kind == "technique":
        ids = [t.pk for t in Technique.objects.all() if technique_set(t) == set_spec]
        sessions = Investigation.techniques.through.objects.filter(technique_id__in=ids).values(
            "investigation_id"
        )
        datasets = Dataset.techniques.through.objects.filter(technique_id__in=ids).values(
            "dataset_id"
        )
        collections = DataCollection.objects.filter(
            Q(datasets__investigation_id__in=sessions) | Q(datasets__in=datasets)
        ).values("pk")
        return Q(withdrawn=False) & (
            Q(investigation_id__in=sessions) | Q(collection__in=collections)
        )
    return Q(pk__in=[])


def selected(selection: Selection) -> QuerySet[Doi]:
    dois = dated(access.harvestable_dois())
    if selection.set_spec:
        dois = dois.filter(_set_q(selection.set_spec))
    if selection.since:
        dois = dois.filter(datestamp__gte=selection.since)
    if selection.before:
        dois = dois.filter(datestamp__lt=selection.before)
    return dois


def page(selection: Selection, *, after: int, size: int) -> list[Doi]:
    """Keyset page: the next `size` records (plus one, to tell whether more follow)."""
    return list(
        selected(selection)
        .filter(pk__gt=after)
        .select_related("investigation__instrument", "collection")
        .prefetch_related("investigation__techniques", "collection__authors")
        .order_by("pk")[: size + 1]
    )


def one(identifier: str) -> Doi | None:
    return (
        dated(access.harvestable_dois())
        .select_related("investigation__instrument", "collection")
        .prefetch_related("investigation__techniques")
        .filter(identifier__iexact=identifier)
        .first()
    )


def earliest_datestamp() -> datetime | None:
    first = dated(access.harvestable_dois()).order_by("datestamp").first()
    return first.datestamp if first else None


def set_specs(dois: list[Doi]) -> dict[int, list[str]]:
    """Each record's sets, in three queries for a whole page."""
    specs: dict[int, list[str]] = {}
    collection_dois = {d.collection.pk: d.pk for d in dois if d.kind == DoiKind.COLLECTION}
    for doi in dois:
        specs[doi.pk] = [f"kind:{doi.kind}"]
        if doi.kind == DoiKind.SESSION and not doi.withdrawn:
            investigation = doi.investigation
            specs[doi.pk].append(f"beamline:{investigation.instrument.name}")
            specs[doi.pk] += sorted(technique_set(t) for t in investigation.techniques.all())
    beamlines: dict[int, set[str]] = defaultdict(set)
    techniques: dict[int, set[str]] = defaultdict(set)
    members = Dataset.doi_collections.through.objects.filter(datacollection_id__in=collection_dois)
    for collection_id, beamline in members.values_list(
        "datacollection_id", "dataset__investigation__instrument__name"
    ).distinct():
        beamlines[collection_id].add(f"beamline:{beamline}")
    for lookup in ("dataset__techniques__name", "dataset__investigation__techniques__name"):
        for collection_id, name in (
            members.filter(**{f"{lookup}__isnull": False}).values_list("datacollection_id", lookup)
        ).distinct():
            techniques[collection_id].add(technique_set(Technique(name=name)))
    for collection_id, doi_pk in collection_dois.items():
        specs[doi_pk] += sorted(beamlines[collection_id]) + sorted(techniques[collection_id])
    return specs


def datacite_metadata(doi: Doi) -> dict:
    """The record's DataCite metadata, as the builder makes it for the DOI itself: a session's
    full description once the public may see the session, the minimal one under embargo."""
    if doi.kind == DoiKind.SESSION:
        investigation = doi.investigation
        full = access.can_view_investigation(AnonymousUser(), investigation)
        return md.session_metadata(
            investigation, identifier=doi.identifier, url=doi.landing_url, full=full
        )
    year = doi.metadata.get("publicationYear")
    return md.collection_metadata(
        doi.collection,
        identifier=doi.identifier,
        url=doi.landing_url,
        year=int(year) if str(year or "").isdigit() else None,
    )
