"""Papers that use a session's or a collection's data: linking them, and what DataCite gets.

A team member names the paper by DOI or PubMed id; the portal checks the syntax only (it reaches
nothing outside the machine). Every link added or removed sends the DOI record again.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from . import metadata as md
from . import refresh
from .models import LinkedPublication, PublicationScheme

if TYPE_CHECKING:
    from catalogue.models import Investigation
    from portal.models import User

    from .models import DataCollection

# PubMed ids are positive integers (eight digits today); "PMID: 31234567" and PubMed's own URLs
# are what people paste.
PMID_RE = re.compile(
    r"^(?:pmid:?\s*|https?://(?:www\.)?(?:pubmed\.ncbi\.nlm\.nih\.gov|ncbi\.nlm\.nih\.gov/pubmed)/)?"
    r"0*([1-9]\d{0,9})/?$",
    re.IGNORECASE,
)

# The data of a session is cited by a paper; a collection is put together for a paper, whose
# supplement it is (DataCite's relation types, read "this DOI <relation> the paper").
SESSION_RELATION = "IsCitedBy"
COLLECTION_RELATION = "IsSupplementTo"


def parse_identifier(value: str) -> tuple[str, str]:
    """(scheme, identifier) of a DOI or PubMed id as typed, or a ValidationError that says which
    forms are understood."""
    value = value.strip()
    if match := PMID_RE.match(value):
        return PublicationScheme.PMID, match.group(1)
    doi = md.normalise_doi(value)
    # isprintable: no control characters (PostgreSQL refuses NUL in text; none belongs in a DOI).
    if md.DOI_RE.match(doi) and len(doi) <= 255 and doi.isprintable():
        return PublicationScheme.DOI, doi
    raise ValidationError(
        "Not a DOI or a PubMed id: expected e.g. 10.1107/S2059798326000001, "
        "https://doi.org/10.1107/S2059798326000001 or PMID 31234567.",
        code="invalid",
    )


def _target(investigation, collection) -> dict:
    if (investigation is None) == (collection is None):
        raise TypeError("a publication links to one investigation or one collection")
    return {"investigation": investigation} if investigation else {"collection": collection}


def _changed(link: LinkedPublication) -> None:
    refresh.metadata_changed(
        investigation_id=link.investigation_id, collection_id=link.collection_id
    )


def publication_link(
    *,
    value: str,
    by: User,
    investigation: Investigation | None = None,
    collection: DataCollection | None = None,
) -> LinkedPublication:
    """Link the paper `value` (DOI or PubMed id) to the session or collection; who may has been
    checked by the caller (access.can_link_publication / can_edit_doi_collection)."""
    scheme, identifier = parse_identifier(value)
    target = _target(investigation, collection)
    duplicate = ValidationError(
        f"{PublicationScheme(scheme).label} {identifier} is already linked.", code="duplicate"
    )
    existing = LinkedPublication.objects.filter(
        scheme=scheme, identifier__iexact=identifier, **target
    )
    if existing.exists():
        raise duplicate
    try:
        with transaction.atomic():
            link = LinkedPublication.objects.create(
                scheme=scheme, identifier=identifier, added_by=by, **target
            )
            _changed(link)
    except IntegrityError as error:  # the same paper linked at the same moment by someone else
        raise duplicate from error
    return link


@transaction.atomic
def publication_unlink(*, link: LinkedPublication, by: User) -> None:
    """Remove a wrong link; the caller has checked access.can_unlink_publication."""
    _changed(link)
    link.delete()


@transaction.atomic
def publications_replace(*, collection: DataCollection, dois: list[str], by: User) -> None:
    """The API's and ICAT+'s `related_publications`: the collection's DOI links become exactly
    `dois` (already checked); PubMed links, which those fields cannot name, stay."""
    wanted = {doi.lower(): doi for doi in dois}
    links = collection.linked_publications.filter(scheme=PublicationScheme.DOI)
    stale = [link for link in links if link.identifier.lower() not in wanted]
    for link in stale:
        publication_unlink(link=link, by=by)
    have = {link.identifier.lower() for link in links if link not in stale}
    for key, doi in wanted.items():
        if key not in have:
            publication_link(value=doi, by=by, collection=collection)


def related_identifiers(*, investigation=None, collection=None) -> list[dict]:
    """DataCite `relatedIdentifiers` entries for the publications linked to this object.

    A session's links go to DataCite only once it is released: until then its record carries
    the minimal metadata of the access rules, and which papers use the data is the team's."""
    target = _target(investigation, collection)
    if investigation is not None and not investigation.is_released:
        return []
    relation = SESSION_RELATION if investigation is not None else COLLECTION_RELATION
    return [
        {
            "relatedIdentifier": link.identifier,
            "relatedIdentifierType": link.scheme,
            "relationType": relation,
            "resourceTypeGeneral": "JournalArticle",
        }
        for link in LinkedPublication.objects.filter(**target).order_by("added_at", "id")
    ]
