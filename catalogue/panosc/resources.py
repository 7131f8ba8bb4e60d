"""The PaNOSC data model (panosc-eu/search-api, doc/data-model.md) over the catalogue's tables.

Each `Resource` says where its public rows come from (always a `catalogue.access` helper), which
PaNOSC fields map to which columns, how it reaches its relations, and how a row is rendered.
Documents have two backends: released sessions ("proposal") and minted data collections
("publication", as SciCat names its published data). Pids: a DOI where the object has one,
else a stable local id such as `dataset-42` (ids are the database keys, which never change).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings

from catalogue import access

from .people import AUTHOR, AUTHOR_PERSON, MEMBER, PERSON
from .schema import Field, Relation, Resource, local_pid


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def session_pid(investigation) -> str:
    return investigation.doi or local_pid("session", investigation.pk)


def _public() -> Callable[[], object]:
    return lambda: True


def _licence() -> object:
    return settings.DOI_LICENSE


def _facility() -> object:
    return settings.FACILITY_NAME


# Documents ----------------------------------------------------------------------------------


def _session(investigation) -> dict:
    return {
        "pid": session_pid(investigation),
        "isPublic": True,
        "type": "proposal",
        "title": investigation.title,
        "summary": investigation.summary,
        "doi": investigation.doi or None,
        "startDate": _iso(investigation.start_date),
        "endDate": _iso(investigation.end_date),
        "releaseDate": _iso(investigation.release_date),
        "license": settings.DOI_LICENSE,
        "keywords": [],
    }


def _collection(collection) -> dict:
    return {
        "pid": collection.doi.identifier,
        "isPublic": True,
        "type": "publication",
        "title": collection.title,
        "summary": collection.abstract,
        "doi": collection.doi.identifier,
        "startDate": None,
        "endDate": None,
        "releaseDate": _iso(collection.doi.minted_at),
        "license": collection.licence,
        "keywords": collection.keyword_list,
    }


SESSION = Resource(
    name="Session",
    label="Document",
    model_label="catalogue.Investigation",
    base=access.panosc_sessions,
    fields={
        "pid": Field("doi", "pid", pid_prefix="session"),
        "isPublic": Field(None, "const", const=_public()),
        "type": Field(None, "const", const=lambda: "proposal"),
        "title": Field("title"),
        "summary": Field("summary"),
        "doi": Field("doi"),
        "startDate": Field("start_date", "date"),
        "endDate": Field("end_date", "date"),
        "releaseDate": Field("release_date", "date"),
        "license": Field(None, "const", const=_licence),
        "keywords": Field(None, "contains"),
    },
    relations={
        "datasets": Relation("Dataset", ("datasets",), ("investigation",)),
        "members": Relation("Member", ("members",), ("investigation",)),
        "parameters": Relation("SessionParameter", ("parameters",), ("investigation",)),
    },
    text=("title", "summary", "name"),
    serialize=_session,
    parameter_paths=(("parameters",), ("datasets", "parameters")),
)

COLLECTION = Resource(
    name="Collection",
    label="Document",
    model_label="doi.DataCollection",
    base=access.panosc_collections,
    fields={
        "pid": Field("doi__identifier", "pid"),
        "isPublic": Field(None, "const", const=_public()),
        "type": Field(None, "const", const=lambda: "publication"),
        "title": Field("title"),
        "summary": Field("abstract"),
        "doi": Field("doi__identifier"),
        "startDate": Field(None, "date"),
        "endDate": Field(None, "date"),
        "releaseDate": Field("doi__minted_at", "date"),
        "license": Field("licence"),
        "keywords": Field("keywords", "contains"),
    },
    relations={
        "datasets": Relation("Dataset", ("datasets",), ("doi_collections",)),
        "members": Relation("Author", ("authors",), ("collection",)),
        "parameters": Relation("SessionParameter", (), ()),  # a collection has none
    },
    text=("title", "abstract", "keywords"),
    select=("doi",),
    serialize=_collection,
    parameter_paths=(("datasets", "parameters"),),
)


# Datasets and what hangs from them ------------------------------------------------------------


def _dataset(dataset) -> dict:
    investigation = dataset.investigation
    return {
        "pid": local_pid("dataset", dataset.pk),
        "title": dataset.name,
        "isPublic": True,
        "creationDate": _iso(dataset.start_date or dataset.mod_time),
        "size": dataset.size,
        # Its session when released, else the data collection that made it public (prepared).
        "documentId": (
            session_pid(investigation)
            if investigation.is_released
            else getattr(dataset, "_panosc_document_id", None)
        ),
        "instrumentId": investigation.instrument.name,
    }


def prepare_datasets(datasets: list) -> None:
    """Give datasets public only through a data collection that collection's DOI, in one query."""
    through_doi = {d.pk: d for d in datasets if not d.investigation.is_released}
    if not through_doi:
        return
    pairs = (
        access.panosc_collections()
        .filter(datasets__in=list(through_doi))
        .values_list("datasets", "doi__identifier")
        .order_by("pk")
    )
    for dataset_id, identifier in pairs:
        if dataset_id in through_doi and not hasattr(
            through_doi[dataset_id], "_panosc_document_id"
        ):
            through_doi[dataset_id]._panosc_document_id = identifier


DATASET = Resource(
    name="Dataset",
    label="Dataset",
    model_label="catalogue.Dataset",
    base=access.panosc_datasets,
    fields={
        "pid": Field("pk", "pid", pid_prefix="dataset"),
        "title": Field("name"),
        "isPublic": Field(None, "const", const=_public()),
        "creationDate": Field("start_date", "date"),
        "size": Field("size", "num"),
    },
    relations={
        "parameters": Relation("DatasetParameter", ("parameters",), ("dataset",)),
        "files": Relation("File", ("datafiles",), ("dataset",)),
        "samples": Relation("Sample", ("sample",), ("datasets",)),
        "techniques": Relation("Technique", ("techniques",), ("datasets",)),
        "instrument": Relation(
            "Instrument", ("investigation__instrument",), ("investigations__datasets",), many=False
        ),
    },
    text=("name", "description"),
    select=("investigation__instrument",),
    serialize=_dataset,
    parameter_paths=(("parameters",),),
)


def _parameter(parameter) -> dict:
    return {
        "id": parameter.pk,
        "name": parameter.type.name,
        "value": parameter.value,
        "unit": parameter.type.units,
    }


_PARAMETER_FIELDS = {"id": Field("pk", "num")}

DATASET_PARAMETER = Resource(
    name="DatasetParameter",
    label="Parameter",
    model_label="catalogue.DatasetParameter",
    base=access.panosc_dataset_parameters,
    fields=_PARAMETER_FIELDS,
    select=("type",),
    serialize=_parameter,
    is_parameter=True,
)

SESSION_PARAMETER = Resource(
    name="SessionParameter",
    label="Parameter",
    model_label="catalogue.InvestigationParameter",
    base=access.panosc_session_parameters,
    fields=_PARAMETER_FIELDS,
    select=("type",),
    serialize=_parameter,
    is_parameter=True,
)

FILE = Resource(
    name="File",
    label="File",
    model_label="catalogue.Datafile",
    base=access.panosc_datafiles,
    fields={
        "id": Field("pk", "pid", pid_prefix="file"),
        "name": Field("name"),
        "path": Field("location"),
        "size": Field("size", "num"),
    },
    text=("name", "location"),
    serialize=lambda f: {
        "id": local_pid("file", f.pk),
        "name": f.name,
        "path": f.location,
        "size": f.size,
    },
)

SAMPLE = Resource(
    name="Sample",
    label="Sample",
    model_label="catalogue.Sample",
    base=access.panosc_samples,
    fields={
        "pid": Field("pk", "pid", pid_prefix="sample"),
        "name": Field("name"),
        "description": Field("description"),
    },
    relations={"datasets": Relation("Dataset", ("datasets",), ("sample",))},
    text=("name", "description"),
    serialize=lambda s: {
        "pid": local_pid("sample", s.pk),
        "name": s.name,
        "description": s.description,
    },
)

TECHNIQUE = Resource(
    name="Technique",
    label="Technique",
    model_label="catalogue.Technique",
    base=access.panosc_techniques,
    fields={"pid": Field("pid", "pid", pid_prefix="technique"), "name": Field("name")},
    text=("name", "description"),
    serialize=lambda t: {"pid": t.pid or local_pid("technique", t.pk), "name": t.name},
)

INSTRUMENT = Resource(
    name="Instrument",
    label="Instrument",
    model_label="catalogue.Instrument",
    base=access.panosc_instruments,
    fields={
        "pid": Field("name"),
        "name": Field("name"),
        "facility": Field(None, "const", const=_facility),
    },
    relations={
        "datasets": Relation(
            "Dataset", ("investigations__datasets",), ("investigation__instrument",)
        )
    },
    text=("name", "full_name", "description"),
    serialize=lambda i: {"pid": i.name, "name": i.name, "facility": settings.FACILITY_NAME},
)


# Members and people ---------------------------------------------------------------------------


RESOURCES = {
    r.name: r
    for r in (
        SESSION,
        COLLECTION,
        DATASET,
        DATASET_PARAMETER,
        SESSION_PARAMETER,
        FILE,
        SAMPLE,
        TECHNIQUE,
        INSTRUMENT,
        MEMBER,
        PERSON,
        AUTHOR,
        AUTHOR_PERSON,
    )
}
# Rows of these resources need more than their own columns to render: one query per page.
PREPARE = {"Dataset": prepare_datasets}

# The endpoints: PaNOSC name -> backends, searched (and paged) in this order.
ENDPOINTS = {
    "Documents": (SESSION, COLLECTION),
    "Datasets": (DATASET,),
    "Instruments": (INSTRUMENT,),
    "Samples": (SAMPLE,),
    "Files": (FILE,),
}
# What the detail of one object shows when the request names no `include`.
DETAIL_INCLUDES = {
    "Documents": [
        "datasets",
        {"relation": "members", "scope": {"include": ["person"]}},
        "parameters",
    ],
    "Datasets": ["parameters", "samples", "techniques", "instrument"],
    "Instruments": [],
    "Samples": [],
    "Files": [],
}
