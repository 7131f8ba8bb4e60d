"""One search over investigations, datasets, data collections and samples, through the access
policy.

PostgreSQL: a weighted tsvector per row (`search_vector`, GIN-indexed), `websearch_to_tsquery`,
ts_rank ordering and ts_headline snippets. SQLite (development): icontains, newest first, with the
matches marked in Python. Both answer only from `access.visible_*`, counts included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    FloatField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe

from portal import keyset

from . import access, search_hits
from .models import Dataset, DatasetParameter, Investigation, Sample

KINDS = {
    "investigations": "Experiments",
    "datasets": "Datasets",
    "collections": "Data collections",
    "samples": "Samples",
}
TOP_PER_KIND = 5
PAGE_SIZE = 20
# PostgreSQL ranks at most this many (newest) matches per kind; counts show "N+" beyond.
CANDIDATES = {"investigations": 2000, "datasets": 300, "collections": 300, "samples": 300}
COUNT_CAP = 1000  # SQLite fallback: "1000+" rather than counting every match
# What each kind's rows bring along: the session and beamline every hit shows.
RELATED = {
    "investigations": ["instrument"],
    "datasets": ["investigation__instrument", "sample"],
    "collections": ["doi"],
    "samples": ["investigation__instrument"],
}
_START, _STOP = search_hits.START, search_hits.STOP


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        error_messages={"max_length": "Keep the search under %(limit_value)d characters."},
    )
    kind = forms.ChoiceField(
        choices=[("", "Everything"), *KINDS.items()],
        required=False,
        error_messages={"invalid_choice": "Unknown kind of result “%(value)s”."},
    )

    def clean_q(self) -> str:
        return " ".join(self.cleaned_data["q"].split())


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


# Keeping the vectors up to date --------------------------------------------------------------


def refresh_investigations(queryset: QuerySet[Investigation]) -> int:
    if not is_postgresql():
        return 0
    return queryset.update(
        search_vector=(
            SearchVector("name", config="simple", weight="A")
            + SearchVector("title", config="english", weight="A")
            + SearchVector("summary", config="english", weight="B")
        )
    )


def refresh_datasets(queryset: QuerySet[Dataset]) -> int:
    """Name, sample name and the string values of the dataset's parameters."""
    if not is_postgresql():
        return 0
    sample_name = Sample.objects.filter(pk=OuterRef("sample_id")).values("name")
    strings = (
        DatasetParameter.objects.filter(dataset=OuterRef("pk"))
        .exclude(string_value="")
        .order_by()
        .values("dataset")
        .annotate(text=StringAgg("string_value", " "))
        .values("text")
    )
    return queryset.update(
        search_vector=(
            SearchVector("name", config="simple", weight="A")
            + SearchVector(Subquery(sample_name), config="simple", weight="B")
            + SearchVector(Subquery(strings), config="english", weight="C")
        )
    )


def refresh_samples(queryset: QuerySet[Sample]) -> int:
    if not is_postgresql():
        return 0
    return queryset.update(
        search_vector=(
            SearchVector("name", config="simple", weight="A")
            + SearchVector("type", config="simple", weight="B")
            + SearchVector("description", config="english", weight="C")
        )
    )


def refresh_after_save(instance: Model) -> None:
    """Called by the post_save signal of each searchable model (see models.py)."""
    if not is_postgresql():
        return
    if isinstance(instance, Investigation):
        refresh_investigations(Investigation.objects.filter(pk=instance.pk))
    elif isinstance(instance, Sample):
        refresh_samples(Sample.objects.filter(pk=instance.pk))
        refresh_datasets(Dataset.objects.filter(sample=instance))
    elif isinstance(instance, Dataset):
        refresh_datasets(Dataset.objects.filter(pk=instance.pk))
    elif isinstance(instance, DatasetParameter):
        refresh_datasets(Dataset.objects.filter(pk=instance.dataset_id))


def refresh_all() -> tuple[int, int, int]:
    """After bulk loads (ICAT sync batches, demo, benchmark) that bypass save()."""
    return (
        refresh_investigations(Investigation.objects.all()),
        refresh_datasets(Dataset.objects.all()),
        refresh_samples(Sample.objects.all()),
    )


def seed(*, out) -> None:
    """seed_demo step: the demo generator bulk-creates rows, so fill the vectors once at the end."""
    counts = refresh_all()
    if is_postgresql():
        out.write(
            f"Search vectors: {counts[0]} investigations, {counts[1]} datasets, "
            f"{counts[2]} samples."
        )


# Exact names go straight to their page -------------------------------------------------------


def exact_match_url(user, text: str) -> str | None:
    """A proposal name -> its latest session the user may see; a beamline name (any case) -> the
    beamline's page."""
    # Unordered, so PostgreSQL uses the UPPER(name) index; a proposal has a few sessions at most.
    sessions = list(
        access.visible_investigations(user)
        .filter(name__iexact=text)
        .order_by()
        .values_list("start_date", "pk")[:100]
    )
    if sessions:
        return reverse("catalogue:investigation-detail", args=[max(sessions)[1]])
    instrument = access.beamline_named(text)
    return instrument.get_absolute_url() if instrument else None


# Searching -----------------------------------------------------------------------------------


@dataclass
class Section:
    kind: str
    label: str
    rows: list[Any]
    count: int
    count_capped: bool
    page: keyset.Page | None = None
    more_url: str = ""
    extra: dict = field(default_factory=dict)


def _querysets(user) -> dict[str, QuerySet]:
    return {
        "investigations": access.visible_investigations(user),
        "datasets": access.visible_datasets(user),
        "collections": search_hits.collections(user),
        "samples": access.visible_samples(user),
    }


# What each kind shows with its matches marked: a heading (title or name, whole) and, for
# experiments and collections, a detail (summary or abstract: the fragments around the matches).
# PostgreSQL headlines them; SQLite marks them in Python.
def _heading_expression(kind: str):
    if kind in ("investigations", "collections"):
        return F("title")
    if kind == "datasets":
        sample = Case(
            When(sample__isnull=True, then=Value("")),
            default=Concat(Value(" · sample "), "sample__name", output_field=TextField()),
            output_field=TextField(),
        )
        return Concat("name", sample, output_field=TextField())
    description = Case(
        When(description="", then=Value("")),
        default=Concat(Value(" — "), "description", output_field=TextField()),
        output_field=TextField(),
    )
    return Concat("name", description, output_field=TextField())


_DETAIL = {"investigations": "summary", "collections": "abstract"}


def _texts(kind: str, query: SearchQuery | None) -> dict:
    """The `heading` and `detail` annotations: headlines of `query`, or the plain texts."""
    texts = {"heading": _heading_expression(kind)}
    if kind in _DETAIL:
        texts["detail"] = F(_DETAIL[kind])
    if query is None:
        return texts
    # A heading is shown whole, every match marked; a detail is cut into the fragments around
    # the matches (or its beginning, when only the heading matched).
    options = {
        "heading": {"highlight_all": True},
        "detail": {"max_words": 35, "min_words": 15, "max_fragments": 2},
    }
    return {
        name: SearchHeadline(
            expression,
            query,
            config="english",
            start_sel=_START,
            stop_sel=_STOP,
            fragment_delimiter=" … ",
            **options[name],
        )
        for name, expression in texts.items()
    }


def postgresql_query(text: str) -> SearchQuery:
    # English stems ("crystals" -> crystal) for prose; simple keeps names like lyso_0001 whole.
    return SearchQuery(text, config="english", search_type="websearch") | SearchQuery(
        text, config="simple", search_type="websearch"
    )


def _postgresql_section(
    kind: str, queryset: QuerySet, text: str, *, paged: bool, cursor: str | None
) -> tuple[list[Any], int, bool, keyset.Page]:
    """Rank the newest CANDIDATES[kind] matches in one query (id, rank only), sort them here,
    then fetch the rows of the page with their snippets. A common word matches a fifth of
    500,000 datasets: sorting every match by rank would not stay under 100 ms."""
    query = postgresql_query(text)
    limit = CANDIDATES[kind]
    if kind == "collections":  # no column: the expression its GIN index is built on
        queryset = queryset.annotate(search_vector=search_hits.collection_vector())
    ranked = (
        queryset.filter(search_vector=query)
        .annotate(rank=Cast(SearchRank(F("search_vector"), query), FloatField()))
        .values_list("rank", "pk")
    )
    if kind == "collections":  # a few thousand rows at most: the GIN index is the only way
        hits = list(ranked.order_by("-id")[:limit])
    else:
        hits = _newest_matches(queryset.model, ranked, query, limit)
    keys = sorted((-rank, -pk) for rank, pk in hits)
    start, end, page = keyset.paginate_sorted(
        keys, cursor=cursor, size=PAGE_SIZE if paged else TOP_PER_KIND
    )
    ids = [-pk for _, pk in keys[start:end]]
    rows = (
        {
            row.pk: row
            for row in queryset.model.objects.filter(pk__in=ids)
            .select_related(*RELATED[kind])
            .annotate(**_texts(kind, query))
        }
        if ids
        else {}
    )
    return [rows[pk] for pk in ids if pk in rows], len(hits), len(hits) == limit, page


# Up to this many matches (visible or not), a search reads them all through the GIN index and
# keeps the newest; beyond, it walks the primary key from the newest row, which then finds its
# CANDIDATES within ~CANDIDATES * rows / RARE_MATCHES rows. Either way a few thousand rows.
RARE_MATCHES = 3000
_PROBE = "search_probe"


def _newest_matches(model, ranked: QuerySet, query: SearchQuery, limit: int) -> list:
    """(rank, pk) of the `limit` newest visible matches, in one statement.

    Left to itself, PostgreSQL answers `@@ … ORDER BY id DESC LIMIT n` by walking the primary key
    backwards, betting that matches are common: a word that matches nothing reads every row
    (a quarter of a second on 500,000 datasets). So a MATERIALIZED probe first takes up to
    RARE_MATCHES + 1 matches through the GIN index (unordered: no such bet), and the probe's size
    picks, once per statement (a one-time filter), which branch of the UNION runs: few matches ->
    only those rows, sorted; many -> the primary-key walk, which then stops early."""
    probe = model.objects.filter(search_vector=query).order_by().values("pk")
    probe_size = f"(SELECT size FROM {_PROBE}_size)"  # counted once for both branches
    few = RawSQL(f"{probe_size} <= %s", (RARE_MATCHES,), output_field=BooleanField())
    many = RawSQL(f"{probe_size} > %s", (RARE_MATCHES,), output_field=BooleanField())
    # `id + 0`: an order the primary key cannot serve, so the probe's rows lead the plan.
    in_probe = ranked.filter(few, pk__in=RawSQL(f"SELECT match_id FROM {_PROBE}", ()))
    parts = [
        probe[: RARE_MATCHES + 1].query.sql_with_params(),
        in_probe.order_by((F("id") + 0).desc())[:limit].query.sql_with_params(),
        ranked.filter(many).order_by("-id")[:limit].query.sql_with_params(),
    ]
    sql = (
        "WITH {0} (match_id) AS MATERIALIZED ({1}), "
        "{0}_size (size) AS MATERIALIZED (SELECT count(*) FROM {0}) "
        "({2}) UNION ALL ({3})"
    ).format(_PROBE, *(part_sql for part_sql, _ in parts))
    with connection.cursor() as db:
        db.execute(sql, [param for _, params in parts for param in params])
        return db.fetchall()


def _fallback_q(kind: str, text: str) -> Q:
    if kind == "investigations":
        return Q(name__icontains=text) | Q(title__icontains=text) | Q(summary__icontains=text)
    if kind == "collections":
        return search_hits.collections_fallback_q(text)
    if kind == "datasets":
        strings = DatasetParameter.objects.filter(
            dataset=OuterRef("pk"), string_value__icontains=text
        )
        return Q(name__icontains=text) | Q(sample__name__icontains=text) | Q(Exists(strings))
    return Q(name__icontains=text) | Q(description__icontains=text) | Q(type__icontains=text)


def _marked(headline: str, text: str) -> SafeString:
    """Escape the text, then turn the match markers (or, on SQLite, the words) into <mark>,
    each grown to the whole word it falls in."""
    if not is_postgresql():
        headline = search_hits.mark_substrings(headline[:300], text)
    html = escape(search_hits.whole_words(headline))
    return mark_safe(html.replace(_START, "<mark>").replace(_STOP, "</mark>"))  # noqa: S308 - escaped


def search(user, text: str, *, kind: str = "", cursor: str | None = None) -> list[Section]:
    """The first page of each kind, or one kind from a cursor (keyset on rank, id). Raises
    keyset.BadCursor for a tampered cursor."""
    with transaction.atomic():
        if is_postgresql():
            # The candidate scans stop after a few hundred rows: starting parallel workers
            # costs more than they save (20 ms on a busy 2-core machine). This search only.
            with connection.cursor() as db:
                db.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        return _search(user, text, kind=kind, cursor=cursor if kind else None)


def _search(user, text: str, *, kind: str, cursor: str | None) -> list[Section]:
    sections = []
    doi = search_hits.doi_in(text)
    for name, queryset in _querysets(user).items():
        if kind and name != kind:
            continue
        if doi:
            rows, count, capped, page = _doi_section(user, name, queryset, doi)
        elif is_postgresql():
            rows, count, capped, page = _postgresql_section(
                name, queryset, text, paged=bool(kind), cursor=cursor
            )
        else:
            rows, count, capped, page = _sqlite_section(
                name, queryset, text, paged=bool(kind), cursor=cursor
            )
        for row in rows:
            # A DOI query matched an identifier, not words: nothing in the text to mark.
            if name in _DETAIL and row.detail and is_postgresql():
                row.detail = search_hits.with_ellipses(row.detail, getattr(row, _DETAIL[name]))
            for part in ("heading", "detail"):
                plain = getattr(row, part, None) or ""
                setattr(row, part, escape(plain) if doi else _marked(plain, text))
        search_hits.describe(name, rows)
        sections.append(
            Section(
                kind=name,
                label=KINDS[name],
                rows=rows,
                count=count,
                count_capped=capped,
                page=page,
                more_url=f"{reverse('catalogue:search')}?{urlencode({'q': text, 'kind': name})}",
            )
        )
    return sections


def _doi_section(
    user, kind: str, queryset: QuerySet, doi: str
) -> tuple[list[Any], int, bool, keyset.Page | None]:
    """A DOI names one session or collection (a few, if ICAT recorded it on several sessions)."""
    named = search_hits.doi_q(user, kind, doi)
    if named is None:
        return [], 0, False, None
    rows = list(
        queryset.filter(named)
        .select_related(*RELATED[kind])
        .annotate(**_texts(kind, None))
        .order_by("-id")[:TOP_PER_KIND]
    )
    return rows, len(rows), False, None


def _sqlite_section(
    kind: str, queryset: QuerySet, text: str, *, paged: bool, cursor: str | None
) -> tuple[list[Any], int, bool, keyset.Page]:
    """Development fallback: icontains, newest first, counted up to COUNT_CAP."""
    matches = queryset.filter(_fallback_q(kind, text))
    count = matches.order_by().values("pk")[: COUNT_CAP + 1].count()
    annotated = matches.select_related(*RELATED[kind]).annotate(**_texts(kind, None))
    page = keyset.paginate(
        annotated, ordering=["-id"], cursor=cursor, size=PAGE_SIZE if paged else TOP_PER_KIND
    )
    return page.rows, min(count, COUNT_CAP), count > COUNT_CAP, page
