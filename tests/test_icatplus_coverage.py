"""How much of ICAT+ the portal answers, measured from `icat-plus-client` itself: every operation
of every API class, its HTTP method and path as the client builds them, resolved against our
URLconf under /icatplus/. Prints implemented/total per group; fails when an operation known to
work stops resolving (add each new one to IMPLEMENTED)."""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import icat_plus_client.api
import pytest
from django.urls import Resolver404, resolve
from icat_plus_client import ApiClient, Configuration

pytestmark = pytest.mark.django_db

PREFIX = "/icatplus"
HOST = "http://icatplus.invalid"

# (group, operation) pairs answered today; the test fails if one of them stops resolving.
IMPLEMENTED = {
    ("catalogue", "catalogue_instruments_get"),
    ("catalogue", "catalogue_investigation_name_investigation_name_normalize_get"),
    ("catalogue", "catalogue_session_id_datafile_download_get"),
    ("catalogue", "catalogue_session_id_datafile_get"),
    ("catalogue", "catalogue_session_id_dataset_get"),
    ("catalogue", "catalogue_session_id_dataset_id_dataset_id_datafile_get"),
    ("catalogue", "catalogue_session_id_dataset_id_dataset_ids_dataset_get"),
    ("catalogue", "catalogue_session_id_datasetparameter_get"),
    ("catalogue", "catalogue_session_id_instruments_get"),
    ("catalogue", "catalogue_session_id_investigation_get"),
    ("catalogue", "catalogue_session_id_investigation_id_investigation_id_investigationusers_get"),
    ("catalogue", "catalogue_session_id_investigation_investigation_id_user_get"),
    ("catalogue", "catalogue_session_id_samples_get"),
    ("catalogue", "catalogue_techniques_get"),
    ("catalogue", "catalogue_datasets_documents_get"),
    ("catalogue", "catalogue_datasets_get"),
    ("catalogue", "catalogue_investigationtypes_get"),
    ("catalogue", "catalogue_parameters_get"),
    ("catalogue", "catalogue_session_id_datacollection_get"),
    ("catalogue", "catalogue_session_id_dataset_id_dataset_id_datacollection_get"),
    ("catalogue", "catalogue_session_id_dataset_id_dataset_ids_dataset_document_get"),
    ("catalogue", "catalogue_session_id_dataset_timeline_get"),
    ("catalogue", "catalogue_session_id_datasetparameter_values_get"),
    ("catalogue", "catalogue_session_id_files_download_get"),
    ("catalogue", "catalogue_session_id_files_get"),
    ("catalogue", "catalogue_session_id_investigation_id_investigation_id_sample_get"),
    ("catalogue", "catalogue_session_id_investigation_timeline_get"),
    ("catalogue", "catalogue_session_id_samples_sample_id_page_get"),
    ("catalogue", "catalogue_session_id_user_get"),
    ("catalogue", "catalogue_investigations_investigation_id_release_date_post"),
    ("catalogue", "catalogue_session_id_datasetparameter_put"),
    ("catalogue", "catalogue_session_id_files_upload_post"),
    (
        "catalogue",
        "catalogue_session_id_investigation_id_investigation_id_investigationusers_delete",
    ),
    ("catalogue", "catalogue_session_id_investigation_id_investigation_id_investigationusers_post"),
    ("catalogue", "catalogue_session_id_sample_parameters_id_put"),
    ("catalogue", "catalogue_session_id_samples_sample_id_sample_parameters_post"),
    ("data_acquisition", "dataacquisition_api_key_base64_post"),
    ("data_acquisition", "dataacquisition_api_key_dataset_get"),
    ("data_acquisition", "dataacquisition_api_key_investigation_get"),
    ("data_acquisition", "dataacquisition_api_key_notification_post"),
    ("data_acquisition", "dataacquisition_api_key_dataset_restore_post"),
    ("data_acquisition", "dataacquisition_api_key_events_move_post"),
    ("data_acquisition", "dataacquisition_api_key_mint_post"),
    (
        "logbook",
        "logbook_api_key_investigation_name_investigation_name_instrument_name_instrument_name_event_post",
    ),
    (
        "logbook",
        "logbook_api_key_investigation_name_investigation_name_instrument_name_instrument_name_event_createfrombase64_post",
    ),
    ("logbook", "logbook_session_id_datafile_open_get"),
    ("logbook", "logbook_session_id_event_count_get"),
    ("logbook", "logbook_session_id_event_createfrombase64_post"),
    ("logbook", "logbook_session_id_event_dates_get"),
    ("logbook", "logbook_session_id_event_get"),
    ("logbook", "logbook_session_id_event_page_get"),
    ("logbook", "logbook_session_id_event_post"),
    ("logbook", "logbook_session_id_event_put"),
    ("logbook", "logbook_session_id_event_remove_put"),
    ("logbook", "logbook_session_id_event_restore_put"),
    ("logbook", "logbook_session_id_events_patch"),
    ("logbook", "logbook_session_id_stats_count_get"),
    ("logbook", "logbook_session_id_stats_investigation_get"),
    ("logbook", "logbook_session_id_tag_get"),
    ("logbook", "logbook_session_id_tag_post"),
    ("logbook", "logbook_session_id_tag_put"),
    ("h5_grove", "h5grove_attr_get"),
    ("h5_grove", "h5grove_data_get"),
    ("h5_grove", "h5grove_meta_get"),
    ("h5_grove", "h5grove_stats_get"),
    ("ids", "ids_data_download_get"),
    ("ids", "ids_data_metalink_get"),
    ("ids", "ids_session_id_data_download_get"),
    ("ids", "ids_session_id_datasets_restore_post"),
    ("ids", "ids_session_id_datasets_status_get"),
    ("ids", "ids_session_id_path_get"),
    ("session", "session_post"),
    ("session", "session_session_id_delete"),
    ("session", "session_session_id_get"),
    ("session", "session_session_id_put"),
    ("tracking", "tracking_session_id_address_get"),
    ("tracking", "tracking_session_id_barcodes_get"),
    ("tracking", "tracking_session_id_investigation_id_investigation_id_address_delete"),
    ("tracking", "tracking_session_id_investigation_id_investigation_id_address_get"),
    ("tracking", "tracking_session_id_investigation_id_investigation_id_address_post"),
    ("tracking", "tracking_session_id_investigation_id_investigation_id_address_put"),
    (
        "tracking",
        "tracking_session_id_investigation_id_investigation_id_parcel_id_parcel_id_item_item_id_delete",
    ),
    (
        "tracking",
        "tracking_session_id_investigation_id_investigation_id_parcel_id_parcel_id_item_item_id_put",
    ),
    (
        "tracking",
        "tracking_session_id_investigation_id_investigation_id_parcel_id_parcel_id_item_post",
    ),
    (
        "tracking",
        "tracking_session_id_investigation_id_investigation_id_parcel_id_parcel_id_labels_get",
    ),
    (
        "tracking",
        "tracking_session_id_investigation_id_investigation_id_parcel_id_parcel_id_parcel_status_put",
    ),
    ("tracking", "tracking_session_id_parcel_get"),
    ("tracking", "tracking_session_id_parcel_post"),
    ("tracking", "tracking_session_id_parcel_put"),
    ("tracking", "tracking_session_id_setup_get"),
    ("tracking", "tracking_session_id_shipment_delete"),
    ("tracking", "tracking_session_id_shipment_get"),
    ("tracking", "tracking_session_id_shipment_id_shipment_id_parcel_delete"),
    ("tracking", "tracking_session_id_shipment_post"),
    ("tracking", "tracking_session_id_shipment_put"),
    ("sample_metadata", "samplemetadata_session_id_metadata_get"),
    ("sample_metadata", "samplemetadata_session_id_samples_acquisition_get"),
    ("sample_metadata", "samplemetadata_session_id_samples_delete"),
    ("sample_metadata", "samplemetadata_session_id_samples_get"),
    ("sample_metadata", "samplemetadata_session_id_samples_post"),
    ("sample_metadata", "samplemetadata_session_id_samples_prefix_get"),
    ("sample_metadata", "samplemetadata_session_id_samples_put"),
    ("sample_metadata", "samplemetadata_session_id_samples_files_delete"),
    ("sample_metadata", "samplemetadata_session_id_samples_files_get"),
    ("sample_metadata", "samplemetadata_session_id_samples_files_post"),
    # Answered with a plain 403: who sees a sample is the portal's access policy, not a rule
    # posted per project (catalogue/icatplus/sample_metadata.py).
    ("sample_metadata", "samplemetadata_session_id_access_rules_post"),
}


@dataclass(frozen=True)
class Operation:
    group: str
    name: str
    method: str
    path: str  # as the client builds it, parameters as {name}


def operations() -> list[Operation]:
    """Every operation of the generated client: each public method of each API class, less the
    `_with_http_info` / `_without_preload_content` variants of the same call."""
    client = ApiClient(Configuration(host=HOST))
    found = []
    for _, api_class in inspect.getmembers(icat_plus_client.api, inspect.isclass):
        group = api_class.__module__.rsplit(".", 1)[1].removesuffix("_api")
        api = api_class(client)
        for name, _ in inspect.getmembers(api_class, inspect.isfunction):
            if name.startswith("_") or name.endswith(
                ("_with_http_info", "_without_preload_content")
            ):
                continue
            serialize = getattr(api, f"_{name}_serialize")
            # With every argument None the client leaves {parameters} in the path and adds no
            # query string: the method and path template are all that is left.
            arguments = {p: None for p in inspect.signature(serialize).parameters}
            method, url, *_ = serialize(**{**arguments, "_host_index": 0})
            found.append(Operation(group, name, method, urlsplit(url).path.removeprefix(HOST)))
    return found


def is_implemented(operation: Operation, client) -> bool:
    """Our URLconf has the path, and its view takes the method."""
    path = PREFIX + re.sub(r"\{\w+\}", "1", operation.path)
    try:
        match = resolve(path)
    except Resolver404:
        return False
    view_class = getattr(match.func, "view_class", None)
    if view_class is not None:  # DRF checks credentials before the method: ask the class
        handler = operation.method.lower()
        return handler in view_class.http_method_names and hasattr(view_class, handler)
    # A function view says 405 to a method it does not take, before anything else.
    response = client.generic(operation.method, path, "{}", content_type="application/json")
    return response.status_code != 405


def test_icatplus_coverage_never_falls(client, capsys) -> None:
    found = operations()
    assert len(found) == len({(o.group, o.name) for o in found})  # one entry per operation
    implemented = {(o.group, o.name) for o in found if is_implemented(o, client)}

    groups = sorted({o.group for o in found})
    lines = ["ICAT+ operations answered under /icatplus/ (icat-plus-client's API classes):"]
    for group in groups:
        total = sum(o.group == group for o in found)
        done = sum(g == group for g, _ in implemented)
        lines.append(f"  {group:<18} {done:>3}/{total}")
    lines.append(f"  {'all':<18} {len(implemented):>3}/{len(found)}")
    unlisted = sorted(implemented - IMPLEMENTED)
    if unlisted:  # list them in IMPLEMENTED, so they stay working
        lines.append(f"  answered but not yet in IMPLEMENTED: {unlisted}")
    with capsys.disabled():
        print("\n" + "\n".join(lines))

    assert IMPLEMENTED - implemented == set(), "operations that no longer resolve"


def test_coverage_tells_a_missing_method_or_path_from_an_answered_one(client) -> None:
    def answered(method: str, path: str) -> bool:
        return is_implemented(Operation("test", "test", method, path), client)

    assert answered("DELETE", "/session/{sessionId}")  # a DRF view
    assert not answered("PATCH", "/session/{sessionId}")
    assert answered("POST", "/dataacquisition/{apiKey}/notification")  # an API-key route
    assert not answered("GET", "/dataacquisition/{apiKey}/notification")
    assert not answered("GET", "/catalogue/{sessionId}/nothing-here")
