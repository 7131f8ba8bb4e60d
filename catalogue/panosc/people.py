"""Members of documents and the people behind them: a session's team (team lists are public
with their released session) and a data collection's authors."""

from __future__ import annotations

from django.db.models import QuerySet, Value
from django.db.models.functions import Concat

from catalogue import access

from .schema import Field, Relation, Resource, local_pid

MEMBER = Resource(
    name="Member",
    label="Member",
    model_label="catalogue.InvestigationUser",
    base=access.panosc_memberships,
    fields={"role": Field("role", "role")},
    relations={"person": Relation("Person", ("user",), ("investigation_memberships",), many=False)},
    serialize=lambda m: {"role": m.get_role_display().lower()},
)


def _people_with_names() -> QuerySet:
    """People by given and family name: `full_name` may carry a title ("Dr Marie Dubois")."""
    return access.panosc_people().annotate(
        panosc_name=Concat("first_name", Value(" "), "last_name")
    )


PERSON = Resource(
    name="Person",
    label="Person",
    model_label="portal.User",
    base=_people_with_names,
    fields={
        "name": Field("panosc_name"),
        "fullName": Field("panosc_name"),
        "givenName": Field("first_name"),
        "familyName": Field("last_name"),
        "orcid": Field("orcid"),
    },
    text=("full_name",),
    serialize=lambda u: {
        "id": local_pid("person", u.pk),
        "fullName": u.full_name or u.get_full_name(),
        "givenName": u.first_name,
        "familyName": u.last_name,
        "orcid": u.orcid or None,
    },
)

AUTHOR = Resource(
    name="Author",
    label="Member",
    model_label="doi.Author",
    base=access.panosc_authors,
    fields={"role": Field(None, "const", const=lambda: "author")},
    relations={"person": Relation("AuthorPerson", ("pk",), ("pk",), many=False)},
    serialize=lambda a: {"role": "author"},
)


def _authors_with_names() -> QuerySet:
    return access.panosc_authors().annotate(
        full_name=Concat("given_name", Value(" "), "family_name")
    )


AUTHOR_PERSON = Resource(
    name="AuthorPerson",
    label="Person",
    model_label="doi.Author",
    base=_authors_with_names,
    fields={
        "name": Field("full_name"),
        "fullName": Field("full_name"),
        "givenName": Field("given_name"),
        "familyName": Field("family_name"),
        "orcid": Field("orcid"),
    },
    text=("given_name", "family_name"),
    serialize=lambda a: {
        "id": local_pid("author", a.pk),
        "fullName": a.display_name,
        "givenName": a.given_name,
        "familyName": a.family_name,
        "orcid": a.orcid or None,
    },
)
