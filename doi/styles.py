"""Citation styles of the landing page's "Copy citation": APA (DataCite's recommended form,
`citation.citation_text`) and the style the facility sets with DOI_CITATION_STYLE."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from .citation import Person, Record, citation_text


@dataclass(frozen=True)
class Citation:
    key: str
    label: str
    text: str


def _ieee_name(author: Person) -> str:
    if author.organisation or not author.given_name:
        return author.family_name
    initials = " ".join(f"{part[0]}." for part in author.given_name.replace("-", " ").split())
    return f"{initials} {author.family_name}"


def ieee(record: Record) -> str:
    names = [_ieee_name(a) for a in record.authors] or [record.publisher]
    if len(names) > 6:  # IEEE: more than six authors become "et al."
        authors = f"{names[0]} et al."
    elif len(names) > 2:
        authors = ", ".join(names[:-1]) + ", and " + names[-1]
    else:
        authors = " and ".join(names)
    return (
        f'{authors}, "{record.title}," {record.publisher}, {record.year}. '
        f"[Dataset]. doi: {record.doi}."
    )


STYLES = {"apa": ("APA", citation_text), "ieee": ("IEEE", ieee)}


def citations(record: Record) -> list[Citation]:
    """APA, then the facility's style when it is another one."""
    keys = dict.fromkeys(["apa", settings.DOI_CITATION_STYLE])
    return [Citation(key, STYLES[key][0], STYLES[key][1](record)) for key in keys]
