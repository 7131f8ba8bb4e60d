"""OAI-PMH XML: the envelope, record headers, and the two metadata formats.

`oai_datacite` is the DataCite kernel-4 `resource` itself (as OpenAIRE's guidelines for data
archives harvest it); `oai_dc` is unqualified Dublin Core mapped from the same DataCite record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree

from .. import metadata as md

OAI = "http://www.openarchives.org/OAI/2.0/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"


@dataclass(frozen=True)
class Format:
    schema: str
    namespace: str


FORMATS = {
    "oai_dc": Format("http://www.openarchives.org/OAI/2.0/oai_dc.xsd", OAI_DC),
    "oai_datacite": Format(
        "http://schema.datacite.org/meta/kernel-4.5/metadata.xsd",
        "http://datacite.org/schema/kernel-4",
    ),
}


def utc(value: datetime) -> str:
    """Second granularity, UTC, as every OAI-PMH date in a response."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str):
    element = etree.SubElement(parent, f"{{{OAI}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def envelope(base_url: str, arguments: dict[str, str]) -> etree._Element:
    root = etree.Element(f"{{{OAI}}}OAI-PMH", nsmap={None: OAI, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd")
    sub(root, "responseDate", utc(datetime.now(UTC)))
    sub(root, "request", base_url, **arguments)
    return root


def to_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def header(parent: etree._Element, *, identifier: str, datestamp: datetime, sets: list[str],
           deleted: bool) -> None:  # fmt: skip
    element = sub(parent, "header", **({"status": "deleted"} if deleted else {}))
    sub(element, "identifier", identifier)
    sub(element, "datestamp", utc(datestamp))
    for spec in sets:
        sub(element, "setSpec", spec)


def metadata(parent: etree._Element, prefix: str, record: dict) -> None:
    container = sub(parent, "metadata")
    if prefix == "oai_datacite":
        container.append(etree.fromstring(md.datacite_xml(record).encode()))
    else:
        container.append(dublin_core(record))


def _names(items: list[dict] | None, key: str) -> list[str]:
    return [item[key] for item in items or [] if item.get(key)]


def dublin_core(record: dict) -> etree._Element:
    """Unqualified Dublin Core from a DataCite record, as DataCite's own OAI provider maps it."""
    root = etree.Element(f"{{{OAI_DC}}}dc", nsmap={"oai_dc": OAI_DC, "dc": DC, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI_DC} {FORMATS['oai_dc'].schema}")
    publisher = record.get("publisher")
    types = record.get("types") or {}
    fields = [
        ("title", _names(record.get("titles"), "title")),
        ("creator", _names(record.get("creators"), "name")),
        ("contributor", _names(record.get("contributors"), "name")),
        ("subject", _names(record.get("subjects"), "subject")),
        ("description", _names(record.get("descriptions"), "description")),
        ("publisher", [publisher.get("name", "") if isinstance(publisher, dict) else publisher]),
        ("date", [str(record.get("publicationYear") or "")]),
        ("date", [f"{d.get('dateType')}: {d['date']}" for d in record.get("dates") or []]),
        ("type", [types.get("resourceTypeGeneral"), types.get("resourceType")]),
        ("format", list(record.get("formats") or [])),
        ("identifier", [f"https://doi.org/{record['doi']}", record.get("url")]),
        ("language", [record.get("language")]),
        ("relation", [_relation(r) for r in record.get("relatedIdentifiers") or []]),
        ("rights", _names(record.get("rightsList"), "rights")),
        ("rights", _names(record.get("rightsList"), "rightsUri")),
    ]
    for name, values in fields:
        for value in values:
            if value:
                etree.SubElement(root, f"{{{DC}}}{name}").text = str(value)
    return root


def _relation(related: dict) -> str:
    value = related.get("relatedIdentifier", "")
    if related.get("relatedIdentifierType") == "DOI":
        return f"https://doi.org/{value}"
    return value
