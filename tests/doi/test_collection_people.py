"""The editor's authors and contributors: every row keeps what the user did to it (removed,
moved, new) when the form comes back with another error, and saving then applies it; local
contacts are prefilled as contributors (DataCollector), the rest of the team as authors."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.utils.html import escape

from doi import metadata as md
from doi.models import Author, DataCollection
from tests.doi.conftest import editor_data, filled_collection


@pytest.fixture
def collection(two_teams) -> DataCollection:
    first, second = two_teams
    return filled_collection(
        first.participant,
        [first.investigation.datasets.first(), second.investigation.datasets.first()],
    )


def _checked(body: str, name: str) -> bool:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', body)
    return tag is not None and " checked" in tag.group(0)


def _author_list(body: str) -> str:
    return body[body.index('id="authors-list"') : body.index('id="contributors-list"')]


def test_a_removed_author_stays_removed_through_another_error_and_goes_on_save(
    client, collection
) -> None:
    client.force_login(collection.created_by)
    removed = collection.authors.all()[1]
    data = editor_data(collection, title="", action="reserve") | {"authors-1-DELETE": "on"}

    refused = client.post(collection.get_absolute_url(), data)

    body = refused.content.decode()
    assert refused.status_code == 400 and "A title is required." in body
    assert _checked(body, "authors-1-DELETE") and "Removed on save" in body
    assert f'name="authors-1-id" value="{removed.pk}"' in body
    assert Author.objects.filter(pk=removed.pk).exists()  # nothing changed yet

    fixed = data | {"title": "Lysozyme", "action": "save"}
    assert client.post(collection.get_absolute_url(), fixed).status_code == 302
    assert not Author.objects.filter(pk=removed.pk).exists()


def test_a_new_author_and_a_move_survive_another_error_then_save_in_that_order(
    client, collection
) -> None:
    client.force_login(collection.created_by)
    authors = list(collection.authors.all())
    new = f"authors-{len(authors)}"
    data = editor_data(collection, title="", action="reserve", move="authors-2:up") | {
        f"{new}-given_name": "Ada",
        f"{new}-family_name": "Newcomer",
    }

    refused = client.post(collection.get_absolute_url(), data)

    listing = _author_list(refused.content.decode())
    assert refused.status_code == 400
    assert 'value="Newcomer"' in listing and "New author" in listing
    names = [escape(a.display_name) for a in authors[:3]]
    assert listing.index(names[2]) < listing.index(names[1])  # shown moved
    assert not Author.objects.filter(family_name="Newcomer").exists()

    # The browser posts the form as re-rendered: the move is in its ORDER fields by now.
    resent = {
        name: re.search(rf'name="{name}" value="(\d+)"', listing).group(1)
        for name in (f"authors-{i}-ORDER" for i in range(len(authors)))
    }
    fixed = {k: v for k, v in data.items() if k != "move"} | resent | {"title": "Lysozyme"}
    assert client.post(collection.get_absolute_url(), fixed | {"action": "save"}).status_code == 302
    saved = [a.family_name for a in collection.authors.all()]
    expected = [a.family_name for a in authors]
    expected[1], expected[2] = expected[2], expected[1]
    assert saved == [*expected, "Newcomer"]


def test_local_contacts_are_contributors_and_datacite_data_collectors(two_teams) -> None:
    first, _ = two_teams
    collection = filled_collection(first.participant, [first.investigation.datasets.first()])

    authors = [a.user for a in collection.authors.all()]
    contributors = list(collection.contributors.all())
    assert authors[0] == first.principal_investigator
    assert {first.participant, first.collaborator} <= set(authors)
    assert first.local_contact not in authors
    assert [c.user for c in contributors] == [first.local_contact]
    assert contributors[0].affiliation == settings.DOI_PUBLISHER

    record = md.collection_metadata(collection, identifier="10.5072/X", url="https://x.org/")
    collectors = [c for c in record["contributors"] if c["contributorType"] == "DataCollector"]
    assert [c["familyName"] for c in collectors] == [contributors[0].family_name]
    assert md.schema_errors(record) == []


def test_a_contributor_removed_in_the_editor_is_gone(client, collection) -> None:
    client.force_login(collection.created_by)
    (contributor, *_) = collection.contributors.all()
    page = client.get(collection.get_absolute_url()).content.decode()
    assert escape(contributor.display_name) in page and "Contributors" in page

    data = editor_data(collection) | {"contributors-0-DELETE": "on"}
    assert client.post(collection.get_absolute_url(), data).status_code == 302
    assert not collection.contributors.filter(pk=contributor.pk).exists()
    assert collection.contributors.count() == 1  # the other session's local contact
