"""The OAI-PMH 2.0 schema (with oai_dc's) that every /oai response in the tests must satisfy."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).parent / "oai_xsd" / "harvest.xsd")))
NS = {
    "oai": "http://www.openarchives.org/OAI/2.0/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/",
    "dcite": "http://datacite.org/schema/kernel-4",
}


def valid_response(response) -> etree._Element:
    """The response's XML root, after checking HTTP 200, the content type and the schema."""
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    root = etree.fromstring(response.content)
    SCHEMA.assertValid(root)
    return root


def texts(root: etree._Element, path: str) -> list[str]:
    return [element.text or "" for element in root.xpath(path, namespaces=NS)]


def error_code(root: etree._Element) -> str | None:
    codes = root.xpath("oai:error/@code", namespaces=NS)
    return codes[0] if codes else None
