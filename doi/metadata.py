"""DataCite metadata (schema 4.5 JSON, as the REST API takes it) for sessions and collections.

Built from our models and validated with the schema shipped in the PyPI package `datacite`, so a
malformed record is refused here, before anything is sent.
"""

from __future__ import annotations

import re
from datetime import datetime

from datacite import schema45
from django.conf import settings
from django.utils import timezone

from catalogue.models import Investigation, InvestigationUser, Role

from . import publications
from .models import DataCollection

SCHEMA_VERSION = "http://datacite.org/schema/kernel-4"
ORCID_RE = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")
DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")
SPDX = {
    "CC-BY-4.0": "cc-by-4.0",
    "CC0-1.0": "cc0-1.0",
    "CC-BY-SA-4.0": "cc-by-sa-4.0",
    "CC-BY-NC-4.0": "cc-by-nc-4.0",
}


def orcid_is_valid(value: str) -> bool:
    """Format and ISO 7064 11,2 check digit, as ORCID documents it."""
    if not ORCID_RE.match(value):
        return False
    digits = value.replace("-", "")
    total = 0
    for char in digits[:-1]:
        total = (total + int(char)) * 2
    check = (12 - total % 11) % 11
    return digits[-1] == ("X" if check == 10 else str(check))


def normalise_doi(value: str) -> str:
    value = value.strip()
    for lead in ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:"):
        if value.lower().startswith(lead):
            value = value[len(lead) :]
    return value


def suffix_part(value: str) -> str:
    """A piece of a DOI suffix: characters every resolver and URL handles, upper case."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", value).strip("-").upper()


def session_identifier(investigation: Investigation) -> str:
    suffix = settings.DOI_SESSION_PATTERN.format(
        facility=suffix_part(settings.DOI_FACILITY_CODE),
        proposal=suffix_part(investigation.name),
        visit=suffix_part(investigation.visit_id),
        beamline=suffix_part(investigation.instrument.name),
        id=investigation.pk,
    )
    return f"{settings.DOI_PREFIX}/{suffix}".upper()


def collection_identifier(key: str) -> str:
    suffix = settings.DOI_COLLECTION_PATTERN.format(
        facility=suffix_part(settings.DOI_FACILITY_CODE), key=suffix_part(key)
    )
    return f"{settings.DOI_PREFIX}/{suffix}".upper()


def _date(value: datetime) -> str:
    return timezone.localtime(value).date().isoformat()


def _publisher() -> dict:
    return {"name": settings.DOI_PUBLISHER}


def _facility() -> dict:
    return {"name": settings.DOI_PUBLISHER, "nameType": "Organizational"}


def session_title(investigation: Investigation) -> str:
    """What an experiment session is called where its own title may not be shown."""
    return (
        f"{settings.FACILITY_NAME} experiment {investigation.name} "
        f"on beamline {investigation.instrument.name}"
    )


def _team_creators(investigation: Investigation) -> list[dict]:
    """The team, principal investigators first, as DataCite creators."""
    members = InvestigationUser.objects.filter(investigation=investigation).select_related("user")
    creators = []
    for member in sorted(members, key=lambda m: (m.role != Role.PRINCIPAL_INVESTIGATOR, m.pk)):
        user = member.user
        given, _, family = (user.full_name or user.get_full_name() or user.username).rpartition(" ")
        creators.append(
            _person(
                user.first_name or given, user.last_name or family, user.orcid, user.affiliation
            )
        )
    return creators


def session_metadata(
    investigation: Investigation, *, identifier: str, url: str, full: bool = False
) -> dict:
    """The one description of a session DOI, for DataCite and for every page and citation.

    By default only what may be public even under embargo: proposal, beamline, dates, the
    facility as creator and, while embargoed, "data under embargo until <date>". `full` adds the
    title, summary and team, for viewers who may see the investigation. DataCite always gets the
    default: it keeps what it is sent, and an embargo may be extended after registration."""
    metadata: dict = {
        "doi": identifier,
        "url": url,
        "types": {"resourceTypeGeneral": "Dataset", "resourceType": "Experiment session"},
        "creators": [_facility()],
        "titles": [{"title": session_title(investigation)}],
        "publisher": _publisher(),
        "publicationYear": str(timezone.localtime(investigation.release_date).year),
        "descriptions": [],
        "dates": [
            {
                "date": f"{_date(investigation.start_date)}/{_date(investigation.end_date)}",
                "dateType": "Collected",
            },
            {"date": _date(investigation.release_date), "dateType": "Available"},
        ],
        "subjects": [{"subject": f"Beamline {investigation.instrument.name}"}],
        "schemaVersion": SCHEMA_VERSION,
    }
    if not investigation.is_released:
        metadata["descriptions"].append(
            {
                "description": f"Data under embargo until {_date(investigation.release_date)}.",
                "descriptionType": "Other",
            }
        )
    if full:
        metadata["titles"] = [{"title": investigation.title or session_title(investigation)}]
        metadata["creators"] = _team_creators(investigation) or metadata["creators"]
        if investigation.summary.strip():
            metadata["descriptions"].insert(
                0, {"description": investigation.summary, "descriptionType": "Abstract"}
            )
    if not metadata["descriptions"]:
        del metadata["descriptions"]
    return metadata


def withdrawn_metadata(*, identifier: str, url: str) -> dict:
    """What DataCite keeps of a withdrawn DOI: the facility and nothing else. DataCite merges a
    PUT into its record, so every field that could name the session is sent, empty."""
    return {
        "doi": identifier,
        "url": url,
        "types": {"resourceTypeGeneral": "Other", "resourceType": "Withdrawn"},
        "creators": [_facility()],
        "titles": [{"title": f"Withdrawn DOI of the {settings.FACILITY_NAME}"}],
        "publisher": _publisher(),
        "publicationYear": str(timezone.localtime().year),
        "descriptions": [
            {"description": "This DOI has been withdrawn.", "descriptionType": "Other"}
        ],
        "dates": [],
        "subjects": [],
        "contributors": [],
        "relatedIdentifiers": [],
        "sizes": [],
        "formats": [],
        "rightsList": [],
        "geoLocations": [],
        "fundingReferences": [],
        "alternateIdentifiers": [],
        "schemaVersion": SCHEMA_VERSION,
    }


def _person(given: str, family: str, orcid: str = "", affiliation: str = "") -> dict:
    name = f"{family}, {given}" if given else family
    creator: dict = {"name": name, "nameType": "Personal", "familyName": family}
    if given:
        creator["givenName"] = given
    if orcid:
        creator["nameIdentifiers"] = [
            {
                "nameIdentifier": f"https://orcid.org/{orcid}",
                "nameIdentifierScheme": "ORCID",
                "schemeUri": "https://orcid.org",
            }
        ]
    if affiliation:
        creator["affiliation"] = [{"name": affiliation}]
    return creator


def _creator(author) -> dict:
    return _person(author.given_name, author.family_name, author.orcid, author.affiliation)


def collection_metadata(
    collection: DataCollection, *, identifier: str, url: str, year: int | None = None
) -> dict:
    datasets = list(collection.datasets.select_related("investigation__instrument"))
    investigations = {d.investigation_id: d.investigation for d in datasets}.values()
    beamlines = sorted({i.instrument.name for i in investigations})
    starts = [d.start_date or d.investigation.start_date for d in datasets]
    ends = [d.end_date or d.investigation.end_date for d in datasets]
    metadata: dict = {
        "doi": identifier,
        "url": url,
        "types": {"resourceTypeGeneral": "Dataset", "resourceType": "Data collection"},
        "creators": [_creator(a) for a in collection.authors.all()],
        "titles": [{"title": collection.title}],
        "publisher": _publisher(),
        "publicationYear": str(year or timezone.localtime().year),
        "descriptions": [{"description": collection.abstract, "descriptionType": "Abstract"}],
        "subjects": [{"subject": k} for k in collection.keyword_list]
        + [{"subject": f"Beamline {b}"} for b in beamlines],
        "rightsList": [
            {
                "rights": collection.get_licence_display(),
                "rightsUri": collection.licence_url,
                "rightsIdentifier": SPDX.get(collection.licence, collection.licence.lower()),
                "rightsIdentifierScheme": "SPDX",
                "schemeUri": "https://spdx.org/licenses/",
            }
        ],
        "sizes": [
            f"{len(datasets)} datasets",
            f"{sum(d.file_count for d in datasets)} files",
            f"{sum(d.size for d in datasets)} bytes",
        ],
        "relatedIdentifiers": publications.related_identifiers(collection=collection)
        + [
            {"relatedIdentifier": i.doi, "relatedIdentifierType": "DOI", "relationType": "IsPartOf"}
            for i in investigations
            if i.doi
        ],
        "schemaVersion": SCHEMA_VERSION,
    }
    if starts and ends:
        metadata["dates"] = [
            {"date": f"{_date(min(starts))}/{_date(max(ends))}", "dateType": "Collected"}
        ]
    # The schema wants each list unique: a keyword equal to a beamline subject would break it.
    metadata["subjects"] = list({s["subject"]: s for s in metadata["subjects"]}.values())
    return metadata


def schema_errors(metadata: dict) -> list[str]:
    """Why the record does not satisfy DataCite schema 4.5 (empty when it does)."""
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or 'record'}: {error.message}"
        for error in schema45.validator.iter_errors(metadata)
    ]


def datacite_xml(metadata: dict) -> str:
    """The same record as DataCite kernel-4 XML (for OAI-PMH's oai_datacite and the XSD check)."""
    return schema45.tostring(metadata)
