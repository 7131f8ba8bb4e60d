"""DataCite metadata (schema 4.5 JSON, as the REST API takes it) for sessions and collections.

Built from our models and validated with the schema shipped in the PyPI package `datacite`, so a
malformed record is refused here, before anything is sent.
"""

from __future__ import annotations

import re
from datetime import date, datetime

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


# OpenAIRE's access-rights vocabulary, which OAI-PMH harvesters read from rightsList.
OPEN_ACCESS = "info:eu-repo/semantics/openAccess"
EMBARGOED_ACCESS = "info:eu-repo/semantics/embargoedAccess"
CLOSED_ACCESS = "info:eu-repo/semantics/closedAccess"
BEAMLINE_SUBJECT = "Beamline {}"
ZIP = "application/zip"
API_ONLY = ("url", "prefix", "suffix", "event", "state")
# Fields of a released session's record that an embargoed one must not carry. DataCite merges a
# PUT into what it holds, so they are sent empty rather than left out.
FULL_ONLY = ("contributors", "relatedIdentifiers", "sizes", "formats", "alternateIdentifiers")


def _ror() -> list[dict]:
    if not settings.DOI_AFFILIATION_ROR:
        return []
    return [
        {
            "nameIdentifier": settings.DOI_AFFILIATION_ROR,
            "nameIdentifierScheme": "ROR",
            "schemeUri": "https://ror.org",
        }
    ]


def _publisher() -> dict:
    publisher = {"name": settings.DOI_PUBLISHER}
    if settings.DOI_AFFILIATION_ROR:
        publisher |= {
            "publisherIdentifier": settings.DOI_AFFILIATION_ROR,
            "publisherIdentifierScheme": "ROR",
            "schemeUri": "https://ror.org/",
        }
    return publisher


def _facility() -> dict:
    facility = {"name": settings.DOI_PUBLISHER, "nameType": "Organizational"}
    if settings.DOI_AFFILIATION_ROR:
        facility["nameIdentifiers"] = _ror()
    return facility


def _facility_affiliation() -> dict:
    affiliation = {"name": settings.DOI_PUBLISHER}
    if settings.DOI_AFFILIATION_ROR:
        affiliation |= {
            "affiliationIdentifier": settings.DOI_AFFILIATION_ROR,
            "affiliationIdentifierScheme": "ROR",
            "schemeUri": "https://ror.org",
        }
    return affiliation


def licence_rights(spdx: str) -> dict:
    """A rightsList entry for an SPDX licence id, named as the collection form names it."""
    from .models import LICENCE_URLS, Licence

    known = spdx in Licence.values
    return {
        "rights": Licence(spdx).label if known else spdx,
        "rightsUri": LICENCE_URLS[spdx] if known else f"https://spdx.org/licenses/{spdx}.html",
        "rightsIdentifier": SPDX.get(spdx, spdx.lower()),
        "rightsIdentifierScheme": "SPDX",
        "schemeUri": "https://spdx.org/licenses/",
    }


def _access_rights(uri: str) -> dict:
    label = uri.rsplit("/", 1)[1].removesuffix("Access")
    return {"rights": f"{label.capitalize()} access", "rightsUri": uri}


def session_title(investigation: Investigation) -> str:
    """What an experiment session is called where its own title may not be shown."""
    return (
        f"{settings.FACILITY_NAME} experiment {investigation.name} "
        f"on beamline {investigation.instrument.name}"
    )


def split_name(user) -> tuple[str, str]:
    """(given, family) of a portal user, from their full name where ICAT gave no split."""
    if user.last_name:
        return user.first_name, user.last_name
    given, _, family = (user.full_name or user.get_full_name() or user.username).rpartition(" ")
    return given, family


def _member(member: InvestigationUser) -> dict:
    user = member.user
    given, family = split_name(user)
    if member.role == Role.LOCAL_CONTACT:  # facility staff: the facility is their affiliation
        person = _person(given, family, user.orcid)
        person["affiliation"] = [_facility_affiliation()]
        return person | {"contributorType": "DataCollector"}
    return _person(given, family, user.orcid, user.affiliation)


def _team(investigation: Investigation) -> tuple[list[dict], list[dict]]:
    """(creators, contributors): the team, principal investigators first, and the local
    contacts, who collected the data with them, as DataCite `DataCollector`s."""
    members = sorted(
        InvestigationUser.objects.filter(investigation=investigation).select_related("user"),
        key=lambda m: (m.role != Role.PRINCIPAL_INVESTIGATOR, m.pk),
    )
    creators = [_member(m) for m in members if m.role != Role.LOCAL_CONTACT]
    contacts = [_member(m) for m in members if m.role == Role.LOCAL_CONTACT]
    return creators, contacts


def publication_date(investigation: Investigation, *, registered: datetime | None) -> date:
    """The day a session's data counts as published, whose year is its `publicationYear`.

    Released: the release date, as DataCite asks for data that was under embargo. Under embargo:
    the day the DOI was registered, because DataCite refuses a year more than a few years ahead
    and embargoes get extended; the release sends the record again with the release year."""
    if investigation.is_released:
        return timezone.localtime(investigation.release_date).date()
    return timezone.localtime(registered).date() if registered else timezone.localdate()


def session_metadata(
    investigation: Investigation,
    *,
    identifier: str,
    url: str,
    full: bool = False,
    registered: datetime | None = None,
) -> dict:
    """The one description of a session DOI, for DataCite and for every page and citation.

    A released session is described in full: its title, summary, team (with ORCIDs), local
    contacts, techniques, sizes and linked papers. An embargoed one only by what the access rules
    make public: proposal, beamline, dates, the facility as creator and "data under embargo until
    <date>"; `full` adds the title, summary and team for viewers who may see the investigation
    (never sent to DataCite). `registered` is when the DOI was first registered."""
    public = investigation.is_released
    published = publication_date(investigation, registered=registered)
    metadata: dict = {
        "doi": identifier,
        "url": url,
        "types": {"resourceTypeGeneral": "Dataset", "resourceType": "Experiment session"},
        "creators": [_facility()],
        "titles": [{"title": session_title(investigation)}],
        "publisher": _publisher(),
        "publicationYear": str(published.year),
        "descriptions": [],
        "dates": [
            {
                "date": f"{_date(investigation.start_date)}/{_date(investigation.end_date)}",
                "dateType": "Collected",
            },
            {"date": _date(investigation.release_date), "dateType": "Available"},
            {"date": published.isoformat(), "dateType": "Issued"},
        ],
        "subjects": [{"subject": BEAMLINE_SUBJECT.format(investigation.instrument.name)}],
        "language": "en",
        "version": "1",
        "rightsList": [
            licence_rights(settings.DOI_LICENSE),
            _access_rights(OPEN_ACCESS if public else EMBARGOED_ACCESS),
        ],
        **{name: [] for name in FULL_ONLY},
        "schemaVersion": SCHEMA_VERSION,
    }
    if not public:
        metadata["descriptions"].append(
            {
                "description": f"Data under embargo until {_date(investigation.release_date)}.",
                "descriptionType": "Other",
            }
        )
    if public or full:
        creators, contacts = _team(investigation)
        metadata["titles"] = [{"title": investigation.title or session_title(investigation)}]
        if investigation.title:
            metadata["titles"].append(
                {"title": session_title(investigation), "titleType": "AlternativeTitle"}
            )
        metadata["creators"] = creators or metadata["creators"]
        metadata["contributors"] = [
            *contacts,
            _facility() | {"contributorType": "HostingInstitution"},
        ]
        if investigation.summary.strip():
            metadata["descriptions"].insert(
                0, {"description": investigation.summary, "descriptionType": "Abstract"}
            )
        metadata["subjects"] += _technique_subjects(investigation.techniques.all())
        metadata["alternateIdentifiers"] = [
            {
                "alternateIdentifier": f"{investigation.name} ({investigation.visit_id})",
                "alternateIdentifierType": "Proposal and session",
            }
        ]
    if public:
        metadata["sizes"] = [
            f"{investigation.dataset_count} datasets",
            f"{investigation.datafile_count} files",
            f"{investigation.volume} bytes",
        ]
        metadata["formats"] = [ZIP]
        metadata["relatedIdentifiers"] = publications.related_identifiers(
            investigation=investigation
        )
    if not metadata["descriptions"]:
        del metadata["descriptions"]
    return metadata


def _technique_subjects(techniques) -> list[dict]:
    subjects = []
    for technique in techniques:
        subject = {"subject": technique.name}
        if technique.pid.startswith("http"):
            subject |= {"subjectScheme": "PaNET", "valueUri": technique.pid}
        subjects.append(subject)
    return subjects


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
    if orcid and orcid_is_valid(orcid):
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
    collection: DataCollection,
    *,
    identifier: str,
    url: str,
    year: int | str | None = None,
    published: date | None = None,
) -> dict:
    """A data collection's record. `published`: the day it was minted (or reserved, for a draft);
    its year is the `publicationYear` unless `year` says otherwise (corrections keep the year
    first sent)."""
    from .models import CollectionState

    published = published or timezone.localdate()
    datasets = list(collection.datasets.select_related("investigation__instrument"))
    investigations = {d.investigation_id: d.investigation for d in datasets}.values()
    beamlines = sorted({i.instrument.name for i in investigations})
    starts = [d.start_date or d.investigation.start_date for d in datasets]
    ends = [d.end_date or d.investigation.end_date for d in datasets]
    public = collection.is_minted or collection.state == CollectionState.MINTING
    related = [
        *publications.related_identifiers(collection=collection),
        *(
            {"relatedIdentifier": i.doi, "relatedIdentifierType": "DOI", "relationType": "IsPartOf"}
            for i in investigations
            if i.doi
        ),
    ]
    metadata: dict = {
        "doi": identifier,
        "url": url,
        "types": {"resourceTypeGeneral": "Dataset", "resourceType": "Data collection"},
        "creators": [_creator(a) for a in collection.authors.all()],
        "titles": [{"title": collection.title}],
        "publisher": _publisher(),
        "publicationYear": str(year or published.year),
        "descriptions": [{"description": collection.abstract, "descriptionType": "Abstract"}],
        "subjects": [{"subject": k} for k in collection.keyword_list]
        + [{"subject": BEAMLINE_SUBJECT.format(b)} for b in beamlines],
        # The local contacts who collected the data: DataCollectors, as in session DOIs.
        "contributors": [_facility() | {"contributorType": "HostingInstitution"}]
        + [
            _creator(c) | {"contributorType": "DataCollector"}
            for c in collection.contributors.all()
        ],
        "dates": [{"date": published.isoformat(), "dateType": "Issued"}],
        "language": "en",
        "version": "1",
        "rightsList": [
            licence_rights(collection.licence),
            _access_rights(OPEN_ACCESS if public else CLOSED_ACCESS),
        ],
        "sizes": [
            f"{len(datasets)} datasets",
            f"{sum(d.file_count for d in datasets)} files",
            f"{sum(d.size for d in datasets)} bytes",
        ],
        "formats": [ZIP],
        # The schema wants each list unique: a paper linked twice would break it.
        "relatedIdentifiers": list(
            {(r["relatedIdentifier"].lower(), r["relationType"]): r for r in related}.values()
        ),
        "schemaVersion": SCHEMA_VERSION,
    }
    if starts and ends:
        metadata["dates"].insert(
            0, {"date": f"{_date(min(starts))}/{_date(max(ends))}", "dateType": "Collected"}
        )
    # Likewise a keyword equal to a beamline subject.
    metadata["subjects"] = list({s["subject"]: s for s in metadata["subjects"]}.values())
    return metadata


def schema_errors(metadata: dict) -> list[str]:
    """Why the record does not satisfy DataCite schema 4.5 (empty when it does)."""
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or 'record'}: {error.message}"
        for error in schema45.validator.iter_errors(metadata)
    ]


def datacite_xml(metadata: dict) -> str:
    """The same record as DataCite kernel-4 XML (for OAI-PMH's oai_datacite and the XSD check).
    Only what the XML kernel has: the REST API's own fields (`url`, `prefix`, `event`...) are
    dropped."""
    return schema45.tostring({k: v for k, v in metadata.items() if k not in API_ONLY})
