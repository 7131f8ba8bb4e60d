"""What each path parameter stands for, and how to fill it with an object in each state."""

from __future__ import annotations

from .world import BEAMLINE, World

INVESTIGATION_STATES = ["embargoed", "released", "proprietary"]
DATA_STATES = [*INVESTIGATION_STATES, "doi_released"]
PUBLIC_FIRST = ["released", "embargoed", "proprietary"]

# kind -> the states it is walked in
STATES_OF = {
    "none": ["-"],
    "investigation": INVESTIGATION_STATES,
    "dataset": DATA_STATES,
    "datafile": DATA_STATES,
    "sample": INVESTIGATION_STATES,
    "archived_dataset": INVESTIGATION_STATES,
    "member": INVESTIGATION_STATES,
    "access_request": INVESTIGATION_STATES,
    "event": [*INVESTIGATION_STATES, "beamline"],
    "attachment": INVESTIGATION_STATES,
    "beamline": ["beamline"],
    "shipment": INVESTIGATION_STATES,
    "parcel": INVESTIGATION_STATES,
    "item": INVESTIGATION_STATES,
    "address": ["participant's"],
    "download_job": ["participant's"],
    "collection": ["draft", "reserved", "findable"],
    "collection_dataset": ["draft", "reserved", "findable"],
    "doi": ["session-embargoed", "session-released", "session-proprietary", "reserved", "findable"],
    "icat": ["beamline"],
    "icat_event": INVESTIGATION_STATES,
    "icat_session": ["participant's"],  # expired and unknown ids: tests/portal/test_icatplus_*
    # ICAT+ catalogue group: the participant's session id with an object of each state (who may
    # see what through a session: tests/catalogue/test_icatplus_catalogue_client.py).
    "icat_proposal": ["-"],
    "icat_session_investigation": INVESTIGATION_STATES,
    "icat_session_dataset": DATA_STATES,
    "icat_session_datasets": DATA_STATES,
    "icat_tracking": INVESTIGATION_STATES,  # the participant's session on each state's parcel
    "icat_session_sample": INVESTIGATION_STATES,
    "icat_session_sample_parameter": INVESTIGATION_STATES,
    "publication": INVESTIGATION_STATES,  # a paper linked to the session by the participant
    # PaNOSC search API objects by their local pids (catalogue/panosc/resources.py); released
    # first: the 405 check of a route asks someone who sees the first state's object.
    "panosc_document": PUBLIC_FIRST,
    "panosc_dataset": [*PUBLIC_FIRST, "doi_released"],
    "panosc_sample": PUBLIC_FIRST,
    "panosc_file": [*PUBLIC_FIRST, "doi_released"],
    "panosc_instrument": ["beamline"],
    "beamline_page": ["public"],  # the beamline's own page: public, whatever its sessions
    "container": INVESTIGATION_STATES,  # a puck in the state's parcel
    "container_position": INVESTIGATION_STATES,  # its position 1
    # An embargo extension request: the data-policy office's, which no role of the world is in
    # (tests/catalogue/test_policy_*.py walk the office's own answers).
    "extension": ["-"],
}


def fill(kind: str, world: World, state: str) -> dict:
    """Path kwargs naming the object of `kind` in `state` (without `api_key`)."""
    if kind == "extension":
        return {"pk": 987654320}
    if kind in ("none", "icat"):
        return {}
    if kind in ("beamline", "beamline_page"):
        return {"name": BEAMLINE}
    if kind == "icat_session":
        return {"session_id": world.icatplus_sessions["participant"]}
    if kind == "icat_proposal":
        return {"investigation_name": "mx2590"}
    if kind.startswith("icat_session_"):
        objects = world.states[state]
        session = {"session_id": world.icatplus_sessions["participant"]}
        if kind == "icat_session_investigation":
            return {**session, "investigation_id": objects.investigation.pk}
        if kind == "icat_session_dataset":
            return {**session, "dataset_id": objects.dataset.pk}
        if kind == "icat_session_sample":
            return {**session, "sample_id": objects.sample.pk}
        if kind == "icat_session_sample_parameter":
            return {**session, "id": objects.sample_parameter.pk}
        return {**session, "dataset_ids": str(objects.dataset.pk)}
    if kind == "address":
        return {"pk": world.addresses["participant"].pk}
    if kind == "icat_tracking":
        objects = world.states[state]
        return {
            "session_id": world.icatplus_sessions["participant"],
            "investigation_id": objects.investigation.pk,
            "shipment_id": objects.shipment.pk,
            "parcel_id": objects.parcel.pk,
            "item_id": objects.item.pk,
        }
    if kind == "download_job":
        return {"pk": world.download_jobs["participant"].pk}
    if kind == "collection":
        return {"pk": world.collections[state].pk}
    if kind == "collection_dataset":
        dataset = world.states["doi_released" if state == "findable" else "embargoed"].dataset
        return {"pk": world.collections[state].pk, "dataset_pk": dataset.pk}
    if kind == "doi":
        if state.startswith("session-"):
            doi = world.states[state.removeprefix("session-")].session_doi
        else:
            doi = world.collections[state].doi
        prefix, suffix = doi.identifier.split("/", 1)
        return {"prefix": prefix, "suffix": suffix}
    if kind == "event" and state == "beamline":
        return {"event_id": world.beamline_event["_id"]}
    if kind == "panosc_instrument":
        return {"pid": BEAMLINE}
    objects = world.states[state]
    if kind.startswith("panosc_"):
        name = kind.removeprefix("panosc_")
        thing = {"document": objects.investigation}.get(name) or getattr(
            objects, name.replace("file", "datafile")
        )
        return {"pid": f"{name.replace('document', 'session')}-{thing.pk}"}
    if kind == "investigation":
        return {"pk": objects.investigation.pk}
    if kind == "dataset":
        return {"pk": objects.dataset.pk}
    if kind == "datafile":
        return {"pk": objects.datafile.pk}
    if kind == "sample":
        return {"pk": objects.sample.pk}
    if kind == "archived_dataset":
        return {"pk": objects.restore_dataset.pk}
    if kind == "member":
        return {"pk": objects.investigation.pk, "member_pk": objects.collaborator_membership.pk}
    if kind == "access_request":
        return {"pk": objects.investigation.pk, "request_pk": objects.access_request.pk}
    if kind == "event":
        return {"event_id": objects.event["_id"]}
    if kind == "attachment":
        return {"uuid": objects.attachment.uuid}
    if kind == "shipment":
        return {"pk": objects.shipment.pk}
    if kind == "parcel":
        return {"pk": objects.parcel.pk}
    if kind == "item":
        return {"pk": objects.item.pk}
    if kind == "publication":
        return {"pk": objects.publication.pk}
    if kind == "container":
        return {"pk": objects.container.pk}
    if kind == "container_position":
        return {"pk": objects.container.pk, "position": 1}
    if kind == "icat_event":
        return {
            "investigation_name": objects.investigation.name,
            "instrument_name": BEAMLINE,
        }
    raise KeyError(kind)


def markers(kind: str, world: World, state: str) -> list[str]:
    """Strings that must not reach anyone who may not see the object."""
    if kind in world_state_kinds() and state in world.states:
        return world.states[state].markers
    if kind in ("collection", "collection_dataset") or (kind == "doi" and "session" not in state):
        return [f"SECRET-COLLECTION-{state.upper()}"]
    if kind == "doi":
        return world.states[state.removeprefix("session-")].markers
    if kind == "event" and state == "beamline" or kind == "beamline":
        return ["SECRET-BEAMLINE-LOGBOOK"]
    if kind == "address":
        return ["secret-address-of-participant"]
    return []


def world_state_kinds() -> set[str]:
    return {
        "investigation",
        "dataset",
        "datafile",
        "sample",
        "archived_dataset",
        "member",
        "access_request",
        "event",
        "attachment",
        "shipment",
        "parcel",
        "item",
        "icat_event",
        "publication",
        "container",
        "container_position",
    }
