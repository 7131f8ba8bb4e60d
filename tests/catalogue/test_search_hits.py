"""Search results that say what they found: whole-word highlights, data collections and DOIs,
the session and a public/embargoed badge on every hit, groups with capped counts and "More"."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.urls import reverse

from catalogue import search as catalogue_search
from catalogue import search_hits
from doi.models import CollectionState, DataCollection, Doi, DoiKind, DoiState
from tests import factories

pytestmark = pytest.mark.django_db
URL = reverse("catalogue:search")


@dataclass
class World:
    team: factories.Team
    public: object
    minted: DataCollection
    draft: DataCollection


def _build() -> World:
    team = factories.make_team()
    hidden = team.investigation
    hidden.title = "Secret lysozyme soaking"
    hidden.save()
    factories.DatasetFactory(investigation=hidden, name="lysozyme_secret_0002", sample=None)
    cited = factories.DatasetFactory(
        investigation=hidden, name="lyso_dc_0001", sample=None, released_by_doi=True
    )
    public = factories.InvestigationFactory(
        released=True, name="MX-9001", title="Nanowires grown on silicon", summary="Strain maps."
    )
    for i in range(7):  # more than a group's first page
        factories.DatasetFactory(investigation=public, name=f"nanowire_scan_{i:02d}", sample=None)
    factories.SampleFactory(investigation=public, name="GaAs-nanowire batch 2")
    Doi.objects.create(
        identifier="10.5072/ESRF-MX-9001",
        kind=DoiKind.SESSION,
        state=DoiState.FINDABLE,
        investigation=public,
    )
    Doi.objects.create(  # an embargoed session's DOI is public; the session is not
        identifier="10.5072/ESRF-SECRET",
        kind=DoiKind.SESSION,
        state=DoiState.FINDABLE,
        investigation=hidden,
    )
    minted = DataCollection.objects.create(
        title="Lysozyme at room temperature",
        abstract="Every dataset of the series.",
        state=CollectionState.FINDABLE,
        created_by=team.principal_investigator,
        doi=Doi.objects.create(
            identifier="10.5072/ESRF-DC-LYSO", kind=DoiKind.COLLECTION, state=DoiState.FINDABLE
        ),
    )
    minted.datasets.add(cited)
    draft = DataCollection.objects.create(
        title="Lysozyme draft for the paper", created_by=team.participant
    )
    draft.datasets.add(cited)
    return World(team, public, minted, draft)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """Built once, inside a transaction rolled back at the end of the module."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _build()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _sections(response) -> dict:
    return {s.kind: s for s in response.context["results"]}


def _results(response) -> str:
    body = response.content.decode()
    return body[body.index('<div id="results">') :]


def test_whole_words_are_highlighted_never_a_part(client, world) -> None:
    body = _results(client.get(URL, {"q": "nanowire"}))
    assert "<mark>Nanowires</mark> grown" in body
    assert "<mark>nanowire_scan_06</mark>" in body
    assert "<mark>GaAs-nanowire</mark> batch 2" in body
    assert not re.search(r"</mark>\w|\w<mark>", body)


def test_marks_grow_to_the_word_and_merge_and_text_stays_escaped() -> None:
    s, e = search_hits.START, search_hits.STOP
    assert search_hits.whole_words(f"x {s}nano{e}wires y") == f"x {s}nanowires{e} y"
    assert search_hits.whole_words(f"{s}a{e}_{s}b{e}") == f"{s}a_b{e}"
    cut = search_hits.with_ellipses(f"heat {s}nanowires{e} to 600 C", "We heat nanowires to 600 C.")
    assert cut == f"… heat {s}nanowires{e} to 600 C …"
    assert search_hits.with_ellipses("Strain maps.", "Strain maps.") == "Strain maps."
    marked = search_hits.mark_substrings("<b>lysozymes</b>", "lysozyme")
    assert search_hits.whole_words(marked) == f"<b>{s}lysozymes{e}</b>"


def test_minted_collection_is_found_by_its_title_with_its_doi_and_session(client, world) -> None:
    response = client.get(URL, {"q": "lysozyme"})
    section = _sections(response)["collections"]
    assert [c.pk for c in section.rows] == [world.minted.pk]
    (hit,) = section.rows
    assert hit.badge == "public"
    assert [s.proposal for s in hit.sessions] == [world.team.investigation.name]
    body = _results(response)
    assert world.minted.doi.get_absolute_url() in body and "doi:10.5072/ESRF-DC-LYSO" in body
    assert "draft" not in body


def test_owner_finds_her_draft_collection_others_do_not(client, world) -> None:
    client.force_login(world.team.participant)
    rows = _sections(client.get(URL, {"q": "lysozyme"}))["collections"].rows
    assert {c.pk: c.badge for c in rows} == {
        world.minted.pk: "public",
        world.draft.pk: "draft (not public)",
    }
    client.force_login(world.team.principal_investigator)
    rows = _sections(client.get(URL, {"q": "lysozyme"}))["collections"].rows
    assert [c.pk for c in rows] == [world.minted.pk]


@pytest.mark.parametrize(
    "text",
    ["10.5072/esrf-mx-9001", "doi:10.5072/ESRF-MX-9001", "https://doi.org/10.5072/ESRF-MX-9001"],
)
def test_a_session_doi_finds_its_session(client, world, text) -> None:
    sections = _sections(client.get(URL, {"q": text}))
    assert [i.pk for i in sections["investigations"].rows] == [world.public.pk]
    assert sum(s.count for s in sections.values()) == 1


def test_a_collection_doi_finds_its_collection(client, world) -> None:
    sections = _sections(client.get(URL, {"q": "https://doi.org/10.5072/esrf-dc-lyso"}))
    assert [c.pk for c in sections["collections"].rows] == [world.minted.pk]


def test_every_hit_shows_its_session_and_badge(client, world) -> None:
    client.force_login(world.team.participant)
    response = client.get(URL, {"q": "lysozyme"})
    sections = _sections(response)
    hidden = world.team.investigation
    badges = {(kind, str(row)): row.badge for kind, s in sections.items() for row in s.rows}
    until = f"embargoed until {hidden.release_date:%-d %b %Y}"
    assert badges == {
        ("investigations", str(hidden)): until,
        ("datasets", "lysozyme_secret_0002"): until,
        ("collections", str(world.minted)): "public",
        ("collections", str(world.draft)): "draft (not public)",
    }
    body = _results(response)
    assert body.count('class="badge text-bg-primary">' + hidden.name) == 4
    assert body.count("search-badge") == 4 and hidden.instrument.name in body


def test_an_embargoed_hit_is_no_hit_for_outsiders(client, world) -> None:
    hidden = world.team.investigation
    for who in (None, world.team.outsider):
        if who:
            client.force_login(who)
        for text in ("secret", "10.5072/ESRF-SECRET"):
            found = _results(client.get(URL, {"q": text}))
            nothing = _results(client.get(URL, {"q": "zqxjv"}))
            assert found.replace(text, "zqxjv") == nothing
            assert hidden.name not in found


def test_groups_in_order_with_capped_counts(client, world, monkeypatch) -> None:
    monkeypatch.setitem(catalogue_search.CANDIDATES, "datasets", 5)  # PostgreSQL
    monkeypatch.setattr(catalogue_search, "COUNT_CAP", 5)  # SQLite
    response = client.get(URL, {"q": "nanowire"})
    sections = response.context["results"]
    assert [(s.label, s.count, s.count_capped) for s in sections] == [
        ("Experiments", 1, False),
        ("Datasets", 5, True),
        ("Data collections", 0, False),
        ("Samples", 1, False),
    ]
    assert 'data-count="5">5+</span>' in response.content.decode()


def test_more_loads_the_next_rows_of_one_group_in_place(client, world) -> None:
    section = _sections(client.get(URL, {"q": "nanowire"}))["datasets"]
    assert len(section.rows) == catalogue_search.TOP_PER_KIND and section.page.next_cursor
    response = client.get(
        URL,
        {"q": "nanowire", "kind": "datasets", "cursor": section.page.next_cursor},
        headers={"HX-Request": "true", "HX-Target": "more-datasets"},
    )
    body = response.content.decode()
    assert "<section" not in body and 'id="results"' not in body
    assert body.count("search-hit") == 2 and 'id="more-datasets"' not in body
    first = {d.name for d in section.rows}
    assert not first & set(re.findall(r"nanowire_scan_\d\d", body))
    stale = client.get(
        URL,
        {"q": "nanowire", "kind": "datasets", "cursor": "stale"},
        headers={"HX-Request": "true", "HX-Target": "more-datasets"},
    )
    assert stale["HX-Retarget"] == "#results" and "no longer valid" in stale.content.decode()


def test_query_count_stays_flat(client, world, django_assert_max_num_queries) -> None:
    """Session and user, the exact-name look-ups, the transaction; per kind the ranked ids and
    the page's rows; one query for the collections' sessions: whatever the number of hits."""
    client.force_login(world.team.participant)
    with django_assert_max_num_queries(16):
        client.get(URL, {"q": "lysozyme nanowire"})
    with django_assert_max_num_queries(16):
        client.get(URL, {"q": "lysozyme"})
