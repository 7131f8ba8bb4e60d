"""How a DOI is cited: one record per DOI, rendered as text (DataCite's recommended form), BibTeX,
RIS and schema.org `Dataset` JSON-LD (what dataset search engines read from the landing page)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from catalogue.models import Investigation

from . import metadata as md
from .models import DataCollection, Doi, DoiState

# How a data DOI points at the papers that use it (the others link to other data).
PAPER_RELATIONS = {"IsSupplementTo", "IsCitedBy", "IsReferencedBy", "IsDocumentedBy"}


@dataclass
class Person:
    family_name: str
    given_name: str = ""
    orcid: str = ""
    affiliation: str = ""
    organisation: bool = False

    @property
    def inverted(self) -> str:
        return f"{self.family_name}, {self.given_name}" if self.given_name else self.family_name

    @property
    def initials(self) -> str:
        if not self.given_name:
            return self.family_name
        initials = " ".join(f"{part[0]}." for part in re.split(r"[\s-]+", self.given_name) if part)
        return f"{self.family_name}, {initials}"

    @property
    def display(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


@dataclass
class Record:
    doi: str
    title: str
    authors: list[Person]
    year: str
    publisher: str
    url: str
    abstract: str = ""
    keywords: list[str] = field(default_factory=list)
    licence: str = ""
    licence_url: str = ""
    resource_type: str = "Data set"
    date_published: str = ""
    temporal: str = ""
    related: list[str] = field(default_factory=list)
    findable: bool = True
    accessible: bool = True  # anyone may download the data now
    note: str = ""  # e.g. "Data under embargo until 2029-06-30."

    @property
    def doi_url(self) -> str:
        return f"https://doi.org/{self.doi}"

    @property
    def published_on(self) -> date | None:
        return date.fromisoformat(self.date_published) if self.date_published else None


def _registered(doi: Doi):
    return doi.minted_at or doi.registered_at or doi.created_at


def collection_record(doi: Doi, collection: DataCollection) -> Record:
    """The citation of a collection DOI, from the builder of its DataCite record; the year is
    the one DataCite was sent (corrections keep it)."""
    attributes = md.collection_metadata(
        collection,
        identifier=doi.identifier,
        url=doi.landing_url,
        year=doi.metadata.get("publicationYear"),
        published=timezone.localtime(_registered(doi)).date(),
    )
    return record_from_datacite(attributes, doi=doi)


def session_record(doi: Doi, investigation: Investigation, *, full: bool) -> Record:
    """The citation of a session DOI, from the same builder as its DataCite record: the title,
    summary and team of an embargoed session only when `full` (for viewers who may see the
    investigation)."""
    attributes = md.session_metadata(
        investigation,
        identifier=doi.identifier,
        url=doi.landing_url,
        full=full,
        registered=doi.registered_at or doi.created_at,
    )
    return record_from_datacite(attributes, doi=doi)


def record_from_datacite(attributes: dict, *, doi: Doi) -> Record:
    """Everything a page or citation format shows, read from one DataCite record, so that they
    cannot disagree with each other or with what DataCite was sent."""

    def person(creator: dict) -> Person:
        if creator.get("nameType") == "Organizational":
            return Person(creator["name"], organisation=True)
        orcid = next(
            (
                i["nameIdentifier"].removeprefix("https://orcid.org/")
                for i in creator.get("nameIdentifiers", [])
                if i.get("nameIdentifierScheme") == "ORCID"
            ),
            "",
        )
        affiliation = next((a["name"] for a in creator.get("affiliation", [])), "")
        return Person(
            creator.get("familyName") or creator["name"],
            creator.get("givenName", ""),
            orcid,
            affiliation,
        )

    def description(kind: str) -> str:
        return next(
            (
                d["description"]
                for d in attributes.get("descriptions", [])
                if d.get("descriptionType") == kind
            ),
            "",
        )

    def dated(kind: str) -> str:
        return next((d["date"] for d in attributes.get("dates", []) if d["dateType"] == kind), "")

    rights = attributes.get("rightsList", [])
    licence = next((r for r in rights if r.get("rightsIdentifierScheme") == "SPDX"), {})
    beamline_prefix = md.BEAMLINE_SUBJECT.format("")
    return Record(
        doi=doi.identifier,
        title=attributes["titles"][0]["title"],
        authors=[person(c) for c in attributes["creators"]],
        year=attributes["publicationYear"],
        publisher=attributes["publisher"]["name"],
        url=doi.landing_url,
        abstract=description("Abstract"),
        keywords=[
            s["subject"]
            for s in attributes.get("subjects", [])
            if not s["subject"].startswith(beamline_prefix)
        ],
        licence=licence.get("rights", ""),
        licence_url=licence.get("rightsUri", ""),
        note=description("Other"),
        # APA's bracketed description of a data set, whatever kind of data set it is.
        resource_type="Data set"
        if attributes["types"]["resourceTypeGeneral"] == "Dataset"
        else attributes["types"].get("resourceType") or attributes["types"]["resourceTypeGeneral"],
        date_published=dated("Issued"),
        temporal=dated("Collected"),
        related=[
            r["relatedIdentifier"]
            for r in attributes.get("relatedIdentifiers", [])
            if r["relatedIdentifierType"] == "DOI" and r["relationType"] in PAPER_RELATIONS
        ],
        findable=doi.state == DoiState.FINDABLE,
        accessible=doi.state == DoiState.FINDABLE
        and any(r.get("rightsUri") == md.OPEN_ACCESS for r in rights),
    )


def citation_text(record: Record) -> str:
    names = [a.initials for a in record.authors]
    if len(names) > 1:
        authors = ", ".join(names[:-1]) + ", & " + names[-1]
    else:
        authors = names[0] if names else record.publisher
    return (
        f"{authors} ({record.year}). {record.title} [{record.resource_type}]. "
        f"{record.publisher}. {record.doi_url}"
    )


_BIBTEX_SPECIAL = re.compile(r"([&%$#_{}])")


def _bib(value: str) -> str:
    return _BIBTEX_SPECIAL.sub(r"\\\1", value)


def bibtex(record: Record) -> str:
    key = re.sub(r"[^a-z0-9]+", "_", record.doi.split("/", 1)[1].lower()).strip("_")
    fields = [
        (
            "author",
            " and ".join(
                "{" + _bib(a.family_name) + "}" if a.organisation else _bib(a.inverted)
                for a in record.authors
            ),
        ),
        ("title", "{" + _bib(record.title) + "}"),
        ("publisher", _bib(record.publisher)),
        ("year", record.year),
        ("doi", record.doi),
        ("url", record.doi_url),
    ]
    if record.keywords:
        fields.append(("keywords", _bib(", ".join(record.keywords))))
    if record.licence:
        fields.append(("copyright", _bib(record.licence)))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    note = _bib(" ".join(filter(None, [f"{record.resource_type}.", record.note])))
    return f"@misc{{{key},\n{body},\n  note = {{{note}}}\n}}\n"


def ris(record: Record) -> str:
    lines = [("TY", "DATA")]
    lines += [("AU", a.inverted) for a in record.authors]
    lines += [
        ("TI", record.title),
        ("PY", record.year),
        ("PB", record.publisher),
        ("DO", record.doi),
        ("UR", record.doi_url),
    ]
    if record.abstract:
        lines.append(("AB", " ".join(record.abstract.split())))
    lines += [("KW", k) for k in record.keywords]
    if record.note:
        lines.append(("N1", record.note))
    if record.licence:  # RIS has no tag for rights
        lines.append(("N1", f"Licence: {record.licence} <{record.licence_url}>"))
    lines.append(("ER", ""))
    # RIS: two-letter tag, two spaces, hyphen, space; CRLF line ends.
    return "".join(f"{tag}  - {value}".rstrip() + "\r\n" for tag, value in lines)


def jsonld(record: Record, *, datasets=(), doi: Doi | None = None) -> dict:
    def person(a: Person) -> dict:
        if a.organisation:
            return {"@type": "Organization", "name": a.family_name}
        data = {"@type": "Person", "name": a.display, "familyName": a.family_name}
        if a.given_name:
            data["givenName"] = a.given_name
        if a.orcid:
            data["@id"] = f"https://orcid.org/{a.orcid}"
        if a.affiliation:
            data["affiliation"] = {"@type": "Organization", "name": a.affiliation}
        return data

    data = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "@id": record.doi_url,
        "identifier": {
            "@type": "PropertyValue",
            "propertyID": "DOI",
            "value": record.doi,
            "url": record.doi_url,
        },
        "name": record.title,
        "description": record.abstract or record.title,
        "url": record.url,
        "creator": [person(a) for a in record.authors],
        "publisher": {"@type": "Organization", "name": record.publisher},
        "datePublished": record.date_published,
        "isAccessibleForFree": record.accessible,
    }
    if record.keywords:
        data["keywords"] = record.keywords
    if record.licence_url:
        data["license"] = record.licence_url
    if record.temporal:
        data["temporalCoverage"] = record.temporal
    if record.related:
        data["citation"] = [f"https://doi.org/{r}" for r in record.related]
    if not record.findable:
        data["conditionsOfAccess"] = "Reserved DOI: the data is not yet released."
    elif not record.accessible:
        data["conditionsOfAccess"] = record.note or "The data is not yet released."
    zip_url = settings.SITE_URL + reverse("catalogue:download-zip")
    data["distribution"] = [
        {
            "@type": "DataDownload",
            "name": f"{d.name}.zip",
            "encodingFormat": md.ZIP,
            "contentSize": f"{d.size} B",
            "contentUrl": f"{zip_url}?dataset={d.pk}",
        }
        for d in datasets
        if record.accessible
    ]
    return data


def jsonld_script(record: Record, *, datasets=(), doi: Doi | None = None) -> str:
    """JSON safe inside <script>: '<', '>' and '&' escaped as JSON unicode escapes."""
    text = json.dumps(jsonld(record, datasets=datasets, doi=doi), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
