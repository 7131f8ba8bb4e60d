"""What a search hit shows beyond its own row, and the kinds search reaches outside catalogue.

- Whole-word highlights: PostgreSQL marks lexemes, and a name like ``nanowire_scan_01`` is several
  lexemes to its parser; the SQLite fallback marks substrings. Either way the mark grows to the
  whole word, so a reader never sees ``<mark>nanowire</mark>s``.
- The session of every hit (proposal, beamline, dates) and whether the hit is public.
- Data collections (the doi app's, reached by name like access.py does: catalogue never imports
  doi), found by title, abstract and keywords through an expression GIN index.
- A DOI typed as the query (``10.5072/ESRF-MX-1``, ``doi:…``, ``https://doi.org/…``) finds its
  session or collection by identifier, not by words.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.apps import apps
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db.models import Q, QuerySet

from . import access

# ts_headline marks matches with these; the text is HTML-escaped before they become <mark>.
START, STOP = "\x02", "\x03"
COLLECTION_INDEX = "doi_collection_search_gin"

# A word is letters, digits and underscores, joined by inner hyphens (GaAs-nanowires).
_MARKED = re.compile(r"((?:\w+-)*\w*)\x02([^\x02\x03]*)\x03(\w*(?:-\w+)*)")
_DOI = re.compile(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9}/\S+)$", re.IGNORECASE)


def whole_words(marked: str) -> str:
    """Grow each START…STOP mark to the whole word around it; marks that then touch merge."""
    grown = _MARKED.sub(lambda m: START + m[1] + m[2] + m[3] + STOP, marked)
    return grown.replace(STOP + START, "")


def with_ellipses(fragment: str, original: str) -> str:
    """ts_headline cuts a long text into fragments (and drops stop words at their edges): say so
    where the shown text does not reach the start or end of the original."""
    shown = fragment.replace(START, "").replace(STOP, "").strip()
    if not shown or shown == original.strip():
        return fragment
    before = "" if original.lstrip().startswith(shown[:20]) else "… "
    after = "" if original.rstrip().endswith(shown[-20:]) else " …"
    return before + fragment + after


def mark_substrings(text: str, query: str) -> str:
    """SQLite fallback: mark each query word where icontains found it (then `whole_words`)."""
    words = [re.escape(w) for w in query.split() if w]
    if not words:
        return text
    return re.sub("(" + "|".join(words) + ")", START + r"\1" + STOP, text, flags=re.IGNORECASE)


def doi_in(text: str) -> str | None:
    """The DOI a query consists of, upper case as the doi app stores identifiers, or None."""
    match = _DOI.match(text.strip())
    return match[1].upper() if match else None


def doi_q(user, kind: str, doi: str) -> Q | None:
    """The rows of `kind` a DOI query names, through `visible_dois` (a pending or withdrawn DOI
    names nothing); None for kinds that have no DOI of their own."""
    named = access.visible_dois(user).filter(identifier=doi).values("pk")
    if kind == "investigations":
        # ICAT's own DOI field covers sessions whose DOI was minted before this portal.
        return Q(session_doi__in=named) | Q(doi__iexact=doi)
    if kind == "collections":
        return Q(doi__in=named)
    return None


# Data collections ----------------------------------------------------------------------------


def collection_vector() -> SearchVector:
    """The collection's tsvector: the query and the GIN index (doi migration) must build the very
    same expression for PostgreSQL to use the index, so both call this."""
    return SearchVector("title", config="english", weight="A") + SearchVector(
        "abstract", "keywords", config="english", weight="B"
    )


def collection_index() -> GinIndex:
    return GinIndex(collection_vector(), name=COLLECTION_INDEX)


def collections(user) -> QuerySet:
    """Minted collections for everyone, the user's own drafts for the user
    (`access.readable_doi_collections`)."""
    return access.readable_doi_collections(user)


def collections_fallback_q(text: str) -> Q:
    return Q(title__icontains=text) | Q(abstract__icontains=text) | Q(keywords__icontains=text)


# The session and the badge of each hit ---------------------------------------------------------


@dataclass(frozen=True)
class Session:
    proposal: str
    beamline: str
    start: datetime
    end: datetime


def _session(investigation) -> Session:
    return Session(
        investigation.name,
        investigation.instrument.name,
        investigation.start_date,
        investigation.end_date,
    )


def describe(kind: str, rows: list[Any]) -> None:
    """Set `sessions`, `public` and `badge` on each row. Rows come with their investigation and
    instrument (select_related); collections cost one query for the page's sessions."""
    if kind == "collections":
        _describe_collections(rows)
        return
    for row in rows:
        investigation = row if kind == "investigations" else row.investigation
        row.sessions = [_session(investigation)]
        released = investigation.is_released
        row.public = released or (kind == "datasets" and row.released_by_doi)
        if row.public:
            row.badge = "public"
        elif investigation.proprietary:
            row.badge = "proprietary"
        else:
            row.badge = f"embargoed until {investigation.release_date:%-d %b %Y}"


def _describe_collections(rows: list[Any]) -> None:
    if not rows:
        return
    through = apps.get_model("doi", "DataCollection").datasets.through
    # The sessions a collection draws on are public facts even under embargo (a session DOI's
    # landing page shows them), so they need no per-dataset access check.
    pairs = (
        through.objects.filter(datacollection_id__in=[row.pk for row in rows])
        .values_list(
            "datacollection_id",
            "dataset__investigation__name",
            "dataset__investigation__instrument__name",
            "dataset__investigation__start_date",
            "dataset__investigation__end_date",
        )
        .distinct()
    )
    sessions = defaultdict(list)
    for collection_id, *session in pairs:
        sessions[collection_id].append(Session(*session))
    for row in rows:
        row.sessions = sorted(sessions[row.pk], key=lambda s: (s.start, s.proposal))
        row.public = row.is_minted
        row.badge = "public" if row.public else "draft (not public)"
