"""The declared table: for every URL pattern, what its path parameters name and who may do what
with each method. A pattern missing here fails the matrix test.

`ROWS[name] = (kind, {method: rule})`: the kind says what the path names (kinds.py) and so which
states are walked; a rule says which roles get through. Roles that may not see the object are
never listed: they get the answer of a nonexistent id, which the test compares byte for byte."""

from __future__ import annotations

from dataclasses import dataclass

from .walk import FORBIDDEN, HIDDEN, LOGIN, OK, REDIRECT
from .world import MEMBERS, ROLES, TEAM

EVERYONE = frozenset(ROLES)
LOGGED_IN = EVERYONE - {"anonymous"}
TEAM_STAFF = frozenset(TEAM | {"staff"})
MEMBERS_STAFF = frozenset(MEMBERS | {"staff"})
PI_STAFF = frozenset({"principal_investigator", "staff"})
PI = frozenset({"principal_investigator"})
BEAMLINE_STAFF = frozenset({"scientist", "staff"})
SHIPPING = frozenset(TEAM_STAFF | {"safety", "stores"})
STORES = frozenset({"stores", "staff"})
OWNER = frozenset({"participant"})  # the owner of the address and the download job in the world
COLLECTION_OWNER = PI_STAFF


def visible_to(kind: str, state: str) -> frozenset:
    """Who may see the object of `kind` in `state` at all (the access policy, restated)."""
    if kind.startswith("panosc_"):  # public data only, staff and team included
        return EVERYONE if state in ("released", "doi_released", "beamline") else frozenset()
    # The caller is its key or session id (the participant's here; ICAT+ session routes are walked
    # with every role's own session in test_icatplus_session_matrix.py and
    # test_icatplus_tracking_matrix.py).
    if kind in ("none", "icat", "icat_proposal", "icat_tracking") or kind.startswith(
        "icat_session"
    ):
        return EVERYONE
    if kind in ("address", "download_job"):
        return OWNER
    if kind == "beamline_page":
        return EVERYONE
    if kind == "extension":
        # The data-policy office answers it (no role of the world is in the office); staff read
        # it in the admin, and are the role the 405 check asks.
        return frozenset({"staff"})
    if kind == "beamline" or (kind == "event" and state == "beamline"):
        return BEAMLINE_STAFF
    if kind in ("item", "container", "container_position"):
        return SHIPPING - {"stores"}  # stores see the box, not what is in it
    if kind in ("shipment", "parcel"):
        return SHIPPING
    if kind in ("collection", "collection_dataset"):
        return COLLECTION_OWNER if state != "findable" else EVERYONE
    if kind == "doi":
        if state == "reserved":
            return COLLECTION_OWNER
        if state == "session-proprietary":
            return frozenset()  # withdrawn: a 404 on every route, staff included
        return EVERYONE
    if state == "released" or (state == "doi_released" and kind in ("dataset", "datafile")):
        return EVERYONE
    return TEAM_STAFF


@dataclass(frozen=True)
class Rule:
    """`who` get through (OK) among those who see the object; the others who see it get
    `otherwise`; anonymous users may be sent to log in instead of any refusal."""

    who: frozenset
    otherwise: frozenset = frozenset({FORBIDDEN, HIDDEN})
    login_first: bool = False  # the view asks anonymous users to log in before anything else

    def expected(self, role: str, visible: bool) -> frozenset:
        if role == "anonymous" and self.login_first:
            return frozenset({LOGIN})
        if not visible:
            return frozenset({HIDDEN, LOGIN}) if role == "anonymous" else frozenset({HIDDEN})
        if role in self.who:
            return frozenset({OK, REDIRECT})
        if role == "anonymous":
            return self.otherwise | {LOGIN}
        return self.otherwise


READ = Rule(EVERYONE)
# The shipments API asks whether the caller may change the object before it reads the body:
# safety and stores (who see it) get 403 whatever they send.
API_SHIPPING_WRITE = Rule(TEAM_STAFF, otherwise=frozenset({FORBIDDEN}), login_first=True)
# Creating a logbook event: the body is read first; anonymous gets 400 or 401, never a write.
API_WRITE_ANYONE = Rule(LOGGED_IN, otherwise=frozenset({LOGIN, OK}))
LOGIN_READ = Rule(LOGGED_IN, login_first=True)
# An ICAT+ route whose session id is not in the path, called without one: 403 to everyone.
NO_SESSION = Rule(frozenset(), otherwise=frozenset({FORBIDDEN}))


def act(who, login_first: bool = True) -> Rule:
    return Rule(frozenset(who), login_first=login_first)


def team_edit() -> Rule:
    """Shipment edits: the team; safety and stores are sent back to the parcel with the reason."""
    return Rule(TEAM_STAFF, otherwise=frozenset({FORBIDDEN, HIDDEN, REDIRECT}), login_first=True)


KIND = {  # what the path parameters name
    "portal:home": "none",
    "portal:login": "none",
    "portal:logout": "none",
    "portal:profile": "none",
    "portal:regenerate-token": "none",
    "catalogue:experiments": "none",
    "catalogue:public": "none",
    "catalogue:search": "none",
    "catalogue:investigation-detail": "investigation",
    "catalogue:dataset-detail": "dataset",
    "catalogue:datafile-download": "datafile",
    "catalogue:downloads": "none",
    "catalogue:download-zip": "none",
    "catalogue:download-metalink": "none",
    "catalogue:download-aria2": "none",
    "catalogue:download-job": "download_job",
    "catalogue:download-job-file": "download_job",
    "catalogue:basket": "none",
    "catalogue:basket-clear": "none",
    "catalogue:basket-toggle-dataset": "dataset",
    "catalogue:basket-toggle-datafile": "datafile",
    "catalogue:dataset-restore": "archived_dataset",
    "catalogue:dataset-download-panel": "dataset",
    "catalogue:investigation-datasets": "investigation",
    "catalogue:investigation-samples": "investigation",
    "catalogue:sample-detail": "sample",
    "catalogue:datafile-thumbnail": "datafile",
    "catalogue:datafile-image": "datafile",
    "catalogue:investigation-team": "investigation",
    "catalogue:team-add": "investigation",
    "catalogue:team-remove": "member",
    "catalogue:access-request-approve": "access_request",
    "catalogue:access-request-decline": "access_request",
    "catalogue:access-request-new": "none",
    "logbook:investigation": "investigation",
    "logbook:investigation-live": "investigation",
    "logbook:investigation-pdf": "investigation",
    "logbook:investigation-create": "investigation",
    "logbook:investigation-tags": "investigation",
    "logbook:beamline": "beamline",
    "logbook:beamline-live": "beamline",
    "logbook:beamline-pdf": "beamline",
    "logbook:beamline-create": "beamline",
    "logbook:beamline-tags": "beamline",
    "logbook:event-edit": "event",
    "logbook:event-history": "event",
    "logbook:event-remove": "event",
    "logbook:event-restore": "event",
    "logbook:attachment": "attachment",
    "logbook:attachment-thumbnail": "attachment",
    "shipments:index": "none",
    "shipments:investigation": "investigation",
    "shipments:shipment-new": "investigation",
    "shipments:shipment": "shipment",
    "shipments:shipment-edit": "shipment",
    "shipments:parcel-new": "shipment",
    "shipments:addresses": "none",
    "shipments:address-new": "none",
    "shipments:address-edit": "address",
    "shipments:address-delete": "address",
    "shipments:scan": "none",
    "shipments:expected": "none",
    "shipments:parcel": "parcel",
    "shipments:parcel-edit": "parcel",
    "shipments:parcel-move": "parcel",
    "shipments:parcel-label": "parcel",
    "shipments:parcel-contents": "parcel",
    "shipments:item-new": "parcel",
    "shipments:item-edit": "item",
    "shipments:item-delete": "item",
    "doi:mine": "none",
    "doi:collection-new": "none",
    "doi:collection": "collection",
    "doi:collection-status": "collection",
    "doi:collection-add": "collection",
    "doi:collection-remove": "collection_dataset",
    "doi:pick": "dataset",
    "doi:landing": "doi",
    "doi:export": "doi",
    "doi:datacite-json": "doi",
    "doi:withdrawn": "none",
    "api-schema": "none",
    "api-docs": "none",
    "api-redoc": "none",
    "api-investigation-list": "none",
    "api-investigation-detail": "investigation",
    "api-dataset-list": "none",
    "api-dataset-detail": "dataset",
    "api-datafile-list": "none",
    "api-datafile-detail": "datafile",
    "api-sample-list": "none",
    "api-sample-detail": "sample",
    "api-download-list": "none",
    "api-download-detail": "download_job",
    "api-logbook-event-list": "none",
    "api-logbook-event-detail": "event",
    "api-logbook-event-history": "event",
    "api-address-list": "none",
    "api-address-detail": "address",
    "api-shipment-list": "none",
    "api-shipment-detail": "shipment",
    "api-parcel-list": "none",
    "api-parcel-detail": "parcel",
    "api-item-list": "parcel",
    "api-item-detail": "item",
    "api-parcelstatus-list": "parcel",
    "api-doi-collection-list": "none",
    "api-doi-collection-detail": "collection",
    "api-doi-collection-reserve": "collection",
    "api-doi-collection-mint": "collection",
    "api-doi-list": "none",
    "api-doi-detail": "doi",
    "icatplus-notification": "icat",
    "icatplus-base64": "icat",
    "icatplus-investigation": "icat",
    "icatplus-dataset": "icat",
    "icatplus-logbook-event": "icat_event",
    "icatplus-logbook-base64": "icat_event",
    "icatplus-session": "none",
    "icatplus-session-detail": "icat_session",
    # ICAT+ `ids` group: ids in the query string; the session id in the path, or else in the
    # query string or a bearer token (none here, so 403 to every role).
    "icatplus-ids-download": "none",
    "icatplus-ids-metalink": "none",
    "icatplus-ids-session-download": "icat_session",
    "icatplus-ids-restore": "icat_session",
    "icatplus-ids-status": "icat_session",
    "icatplus-ids-path": "icat_session",
    # ICAT+ catalogue group
    "icatplus-instruments": "none",
    "icatplus-techniques": "none",
    "icatplus-investigation-normalize": "icat_proposal",
    "icatplus-catalogue-investigations": "icat_session",
    "icatplus-catalogue-investigation-users": "icat_session_investigation",
    "icatplus-catalogue-investigation-people": "icat_session_investigation",
    "icatplus-catalogue-datasets": "icat_session",
    "icatplus-catalogue-datasets-by-id": "icat_session_datasets",
    "icatplus-catalogue-dataset-datafiles": "icat_session_dataset",
    "icatplus-catalogue-datafiles": "icat_session",
    "icatplus-catalogue-dataset-parameters": "icat_session",
    "icatplus-catalogue-samples": "icat_session",
    "icatplus-catalogue-instruments": "icat_session",
    "icatplus-catalogue-datafile-download": "icat_session",
    # ICAT+ tracking group (shipments/icatplus_urls.py)
    "icatplus-tracking-addresses": "icat_tracking",
    "icatplus-tracking-investigation-addresses": "icat_tracking",
    "icatplus-tracking-shipments": "icat_tracking",
    "icatplus-tracking-shipment-parcel": "icat_tracking",
    "icatplus-tracking-parcels": "icat_tracking",
    "icatplus-tracking-parcel-status": "icat_tracking",
    "icatplus-tracking-items": "icat_tracking",
    "icatplus-tracking-item": "icat_tracking",
    "icatplus-tracking-labels": "icat_tracking",
    "icatplus-tracking-barcodes": "icat_tracking",
    "icatplus-tracking-setup": "icat_tracking",
    # ICAT+ sample_metadata group (catalogue/icatplus/sample_metadata_urls.py): objects are named
    # in the query string; who sees and changes which sample is walked per role and state in
    # test_icatplus_session_matrix.py.
    "icatplus-samplemetadata-samples": "icat_session",
    "icatplus-samplemetadata-files": "icat_session",
    "icatplus-samplemetadata-acquisition": "icat_session",
    "icatplus-samplemetadata-prefix": "icat_session",
    "icatplus-samplemetadata-metadata": "icat_session",
    "icatplus-samplemetadata-access-rules": "icat_session",
    # ICAT+ catalogue reads (catalogue/icatplus/read_urls.py)
    "icatplus-investigation-types": "none",
    "icatplus-parameters": "none",
    "icatplus-public-datasets": "none",
    "icatplus-dataset-documents-by-date": "none",
    "icatplus-catalogue-datacollections": "icat_session",
    "icatplus-catalogue-dataset-datacollections": "icat_session_dataset",
    "icatplus-catalogue-dataset-documents": "icat_session_datasets",
    "icatplus-catalogue-dataset-timeline": "icat_session",
    "icatplus-catalogue-investigation-timeline": "icat_session",
    "icatplus-catalogue-dataset-parameter-values": "icat_session",
    "icatplus-catalogue-files": "icat_session",
    "icatplus-catalogue-files-download": "icat_session",
    "icatplus-catalogue-investigation-samples": "icat_session_investigation",
    "icatplus-catalogue-sample-page": "icat_session_sample",
    "icatplus-catalogue-users": "icat_session",
    # ICAT+ catalogue writes (catalogue/icatplus/write_urls.py): who may change what is walked
    # per role and state in test_icatplus_session_matrix.py.
    "icatplus-catalogue-sample-parameter-create": "icat_session_sample",
    "icatplus-catalogue-sample-parameter": "icat_session_sample_parameter",
    "icatplus-catalogue-release-date": "icat_session_investigation",
    "icatplus-catalogue-files-upload": "icat_session",  # ?sampleId= (logbook/icatplus_files.py)
    # ICAT+ logbook session routes (logbook/icatplus_session.py)
    "icatplus-events": "icat_session",
    "icatplus-event-count": "icat_session",
    "icatplus-event-dates": "icat_session",
    "icatplus-event-page": "icat_session",
    "icatplus-event-base64": "icat_session",
    "icatplus-event-remove": "icat_session",
    "icatplus-event-restore": "icat_session",
    "icatplus-events-tags": "icat_session",
    "icatplus-tags": "icat_session",
    "icatplus-stats-count": "icat_session",
    "icatplus-stats-investigation": "icat_session",
    "icatplus-datafile-open": "icat_session",
    # ICAT+ data_acquisition routes of the facility's systems (logbook/icatplus_acquisition.py,
    # doi/icatplus.py): every key x state in tests/access_matrix/test_icatplus_matrix.py.
    "icatplus-dataset-restore": "icat",
    "icatplus-events-move": "icat",
    "icatplus-mint": "icat",
    "portal:sso-login": "none",
    "portal:sso-callback": "none",
    "portal:orcid-link": "none",
    "portal:orcid-callback": "none",
    "portal:orcid-unlink": "none",
    "doi:investigation-publication-add": "investigation",
    "doi:collection-publication-add": "collection",
    "doi:publication-remove": "publication",
    "doi:oai": "none",  # OAI-PMH: public DOIs only, whoever asks (doi/oai/)
    # The PaNOSC search API: public data only, to everyone alike (no sign-in in the protocol).
    **{
        f"panosc:{name}": "none"
        for name in ("documents", "datasets", "instruments", "samples", "files")
    },  # fmt: skip
    **{
        f"panosc:{name}-count": "none"
        for name in ("documents", "datasets", "instruments", "samples", "files")
    },  # fmt: skip
    "panosc:documents-detail": "panosc_document",
    "panosc:datasets-detail": "panosc_dataset",
    "panosc:instruments-detail": "panosc_instrument",
    "panosc:samples-detail": "panosc_sample",
    "panosc:files-detail": "panosc_file",
    "portal:nav-badges": "none",
    "catalogue:beamlines": "none",
    "catalogue:beamline": "beamline_page",
    "shipments:scan-undo": "none",
    "catalogue:dataset-restore-confirm": "archived_dataset",
    "catalogue:dataset-restore-status": "archived_dataset",
    "doi:collection-delete": "collection",
    "shipments:container": "container",
    "shipments:container-position": "container_position",
    "shipments:container-import": "container",
    "shipments:container-template-csv": "container",
    "shipments:container-template-xlsx": "container",
    "catalogue:dataset-notebook": "dataset",
    # h5grove's routes for one datafile.
    **{
        f"catalogue:h5grove-{route}": "datafile"
        for route in ("meta", "attr", "data", "stats", "paths")
    },
    # ICAT+'s h5grove group: the session and the datafile in the query string.
    **{f"icatplus-h5grove-{route}": "none" for route in ("meta", "attr", "data", "stats", "paths")},
    "catalogue:dataset-preview": "dataset",
    "catalogue:dataset-preview-card": "dataset",
    "portal:healthz": "none",
    "portal:healthz-deep": "none",
    "catalogue:investigation-release": "investigation",
    "catalogue:investigation-extension": "investigation",
    "catalogue:investigation-proprietary": "investigation",
    "catalogue:investigation-history": "investigation",
    "catalogue:policy-extensions": "none",
    "catalogue:policy-extension-decide": "extension",
    "catalogue:audit": "none",
    "catalogue:audit-csv": "none",
    "catalogue:stats": "none",
    "catalogue:stats-csv": "none",
}

# Who gets through, by pattern and method. Methods not listed must answer 405.
RULES = {
    "portal:home": {"GET": READ},
    "portal:login": {"GET": READ, "POST": READ},
    "portal:logout": {"POST": READ},
    "portal:profile": {"GET": LOGIN_READ, "POST": LOGIN_READ},
    "portal:regenerate-token": {"POST": LOGIN_READ},
    "catalogue:experiments": {"GET": LOGIN_READ},
    "catalogue:public": {"GET": READ},
    "catalogue:search": {"GET": READ},
    "catalogue:investigation-detail": {"GET": READ},
    "catalogue:dataset-detail": {"GET": READ},
    "catalogue:datafile-download": {"GET": READ},
    "catalogue:downloads": {"GET": LOGIN_READ, "POST": LOGIN_READ},
    "catalogue:download-zip": {"GET": READ},
    "catalogue:download-metalink": {"GET": READ},
    "catalogue:download-aria2": {"GET": READ},
    "catalogue:download-job": {"GET": LOGIN_READ},
    # A job without an archive yet: its file is a 404 to its owner too.
    "catalogue:download-job-file": {"GET": act(set())},
    "catalogue:basket": {"GET": READ, "POST": READ},
    "catalogue:basket-clear": {"POST": READ},
    "catalogue:basket-toggle-dataset": {"POST": READ},
    "catalogue:basket-toggle-datafile": {"POST": READ},
    # Whoever may download the dataset may ask for it from tape (visitors give an e-mail).
    "catalogue:dataset-restore": {"POST": READ},
    "catalogue:dataset-download-panel": {"GET": READ},
    "catalogue:investigation-datasets": {"GET": READ},
    "catalogue:investigation-samples": {"GET": READ},
    "catalogue:sample-detail": {"GET": READ},
    # The world's files are text: no thumbnail or image, to anyone.
    "catalogue:datafile-thumbnail": {"GET": Rule(frozenset())},
    "catalogue:datafile-image": {"GET": Rule(frozenset())},
    "catalogue:investigation-team": {"GET": READ},
    "catalogue:team-add": {"POST": act(PI_STAFF, login_first=False)},
    "catalogue:team-remove": {"POST": act(PI_STAFF, login_first=False)},
    "catalogue:access-request-approve": {"POST": act(PI_STAFF, login_first=False)},
    "catalogue:access-request-decline": {"POST": act(PI_STAFF, login_first=False)},
    "catalogue:access-request-new": {"GET": LOGIN_READ, "POST": LOGIN_READ},
    "logbook:investigation": {"GET": READ},
    "logbook:investigation-live": {"GET": READ},
    # Starts a PDF job: readers with an account; anonymous readers are asked to sign in.
    "logbook:investigation-pdf": {"POST": Rule(LOGGED_IN)},
    "logbook:investigation-create": {"POST": act(TEAM_STAFF)},
    "logbook:investigation-tags": {"POST": act(TEAM_STAFF)},
    "logbook:beamline": {"GET": READ},
    "logbook:beamline-live": {"GET": READ},
    # Starts a PDF job: readers with an account; anonymous readers are asked to sign in.
    "logbook:beamline-pdf": {"POST": Rule(LOGGED_IN)},
    "logbook:beamline-create": {"POST": act(BEAMLINE_STAFF)},
    "logbook:beamline-tags": {"POST": act(BEAMLINE_STAFF)},
    "logbook:event-edit": {"GET": act(TEAM_STAFF), "POST": act(TEAM_STAFF)},
    "logbook:event-history": {"GET": READ},
    "logbook:event-remove": {"POST": act(TEAM_STAFF)},
    "logbook:event-restore": {"POST": act(TEAM_STAFF)},
    "logbook:attachment": {"GET": READ},
    "logbook:attachment-thumbnail": {"GET": READ},
    "shipments:index": {"GET": LOGIN_READ},
    "shipments:investigation": {"GET": act(SHIPPING)},
    "shipments:shipment-new": {"GET": act(TEAM_STAFF), "POST": act(TEAM_STAFF)},
    "shipments:shipment": {"GET": act(SHIPPING)},
    "shipments:shipment-edit": {"GET": act(TEAM_STAFF), "POST": act(TEAM_STAFF)},
    "shipments:parcel-new": {"GET": act(TEAM_STAFF), "POST": act(TEAM_STAFF)},
    "shipments:addresses": {"GET": LOGIN_READ},
    "shipments:address-new": {"GET": LOGIN_READ, "POST": LOGIN_READ},
    "shipments:address-edit": {"GET": act(OWNER), "POST": act(OWNER)},
    "shipments:address-delete": {"POST": act(OWNER)},
    "shipments:scan": {"GET": act(STORES), "POST": act(STORES)},
    "shipments:expected": {"GET": act(STORES | {"scientist", "other_scientist"})},
    "shipments:parcel": {"GET": act(SHIPPING)},
    "shipments:parcel-edit": {"GET": team_edit(), "POST": team_edit()},
    "shipments:parcel-move": {"POST": act(SHIPPING)},
    "shipments:parcel-label": {"GET": act(SHIPPING)},
    "shipments:parcel-contents": {"GET": act(TEAM_STAFF | {"safety"})},
    "shipments:item-new": {"GET": team_edit(), "POST": team_edit()},
    "shipments:item-edit": {"GET": team_edit(), "POST": team_edit()},
    "shipments:item-delete": {"POST": team_edit()},
    "doi:mine": {"GET": LOGIN_READ},
    "doi:collection-new": {"GET": LOGIN_READ, "POST": LOGIN_READ},
    "doi:collection": {"GET": act(COLLECTION_OWNER), "POST": act(COLLECTION_OWNER)},
    "doi:collection-status": {"GET": act(COLLECTION_OWNER)},
    "doi:collection-add": {"POST": act(COLLECTION_OWNER)},
    "doi:collection-remove": {"POST": act(COLLECTION_OWNER)},
    "doi:pick": {"POST": act(MEMBERS_STAFF)},
    "doi:landing": {"GET": READ},
    "doi:withdrawn": {"GET": READ},
    "doi:export": {"GET": READ},
    "doi:datacite-json": {"GET": READ},
    "api-schema": {"GET": READ},
    "api-docs": {"GET": READ},
    "api-redoc": {"GET": READ},
    "api-investigation-list": {"GET": READ},
    "api-investigation-detail": {"GET": READ},
    "api-dataset-list": {"GET": READ},
    "api-dataset-detail": {"GET": READ},
    "api-datafile-list": {"GET": READ},
    "api-datafile-detail": {"GET": READ},
    "api-sample-list": {"GET": READ},
    "api-sample-detail": {"GET": READ},
    "api-download-list": {"GET": LOGIN_READ, "POST": LOGIN_READ},
    "api-download-detail": {"GET": LOGIN_READ},
    "api-logbook-event-list": {"GET": READ, "POST": API_WRITE_ANYONE},
    "api-logbook-event-detail": {"GET": READ, "PATCH": act(TEAM_STAFF, login_first=False)},
    "api-logbook-event-history": {"GET": READ},
    "api-address-list": {"GET": LOGIN_READ, "POST": LOGIN_READ},
    "api-address-detail": {
        "GET": act(OWNER),
        "PUT": act(OWNER),
        "PATCH": act(OWNER),
        "DELETE": act(OWNER),
    },
    "api-shipment-list": {"GET": LOGIN_READ, "POST": LOGIN_READ},
    "api-shipment-detail": {
        "GET": act(SHIPPING),
        "PUT": API_SHIPPING_WRITE,
        "PATCH": API_SHIPPING_WRITE,
    },
    "api-parcel-list": {"GET": LOGIN_READ, "POST": LOGIN_READ},
    "api-parcel-detail": {
        "GET": act(SHIPPING),
        "PUT": API_SHIPPING_WRITE,
        "PATCH": API_SHIPPING_WRITE,
    },
    "api-item-list": {"GET": act(SHIPPING), "POST": API_SHIPPING_WRITE},
    "api-item-detail": {
        "GET": act(SHIPPING),
        "PUT": API_SHIPPING_WRITE,
        "PATCH": API_SHIPPING_WRITE,
        "DELETE": API_SHIPPING_WRITE,
    },
    "api-parcelstatus-list": {"GET": act(SHIPPING), "POST": act(SHIPPING)},
    "api-doi-collection-list": {"GET": LOGIN_READ, "POST": LOGIN_READ},
    "api-doi-collection-detail": {
        "GET": act(COLLECTION_OWNER),
        "PATCH": act(COLLECTION_OWNER),
    },
    "api-doi-collection-reserve": {"POST": act(COLLECTION_OWNER)},
    "api-doi-collection-mint": {"POST": act(COLLECTION_OWNER)},
    "api-doi-list": {"GET": READ},
    "api-doi-detail": {"GET": READ},
    # ICAT+ routes take an API key, not a user: the key of the experiments' beamline.
    "icatplus-notification": {"POST": READ},
    "icatplus-base64": {"POST": READ},
    "icatplus-investigation": {"GET": READ},
    "icatplus-dataset": {"GET": READ},
    "icatplus-logbook-event": {"POST": READ},
    "icatplus-logbook-base64": {"POST": READ},
    # ICAT+ sessions: anyone may log in; the session id is the credential, whoever is signed in.
    "icatplus-session": {"POST": READ},
    "icatplus-session-detail": {"GET": READ, "PUT": READ, "DELETE": READ},
    # ICAT+ `ids` group: without a session id every role gets the refused session's 403; with
    # the participant's, anyone holding it is the participant (no ids named: 400).
    "icatplus-ids-download": {"GET": NO_SESSION},
    "icatplus-ids-metalink": {"GET": NO_SESSION},
    "icatplus-ids-session-download": {"GET": READ},
    "icatplus-ids-restore": {"POST": READ},
    "icatplus-ids-status": {"GET": READ},
    "icatplus-ids-path": {"GET": READ},
    # ICAT+ catalogue group: public lists, and reads through the participant's session id.
    "icatplus-instruments": {"GET": READ},
    "icatplus-techniques": {"GET": READ},
    "icatplus-investigation-normalize": {"GET": READ},
    "icatplus-catalogue-investigations": {"GET": READ},
    "icatplus-catalogue-investigation-users": {"GET": READ, "POST": READ, "DELETE": READ},
    "icatplus-catalogue-investigation-people": {"GET": READ},
    "icatplus-catalogue-datasets": {"GET": READ},
    "icatplus-catalogue-datasets-by-id": {"GET": READ},
    "icatplus-catalogue-dataset-datafiles": {"GET": READ},
    "icatplus-catalogue-datafiles": {"GET": READ},
    "icatplus-catalogue-dataset-parameters": {"GET": READ, "PUT": READ},
    "icatplus-catalogue-samples": {"GET": READ},
    "icatplus-catalogue-instruments": {"GET": READ},
    "icatplus-catalogue-datafile-download": {"GET": READ},
    # ICAT+ tracking group: the session id is the credential (the participant's in the world),
    # whoever is signed in; who sees and changes what is walked per role and state in
    # tests/shipments/test_icatplus_tracking_matrix.py.
    "icatplus-tracking-addresses": {"GET": READ},
    "icatplus-tracking-investigation-addresses": {
        "GET": READ,
        "POST": READ,
        "PUT": READ,
        "DELETE": READ,
    },
    "icatplus-tracking-shipments": {"GET": READ, "POST": READ, "PUT": READ, "DELETE": READ},
    "icatplus-tracking-shipment-parcel": {"DELETE": READ},
    "icatplus-tracking-parcels": {"GET": READ, "POST": READ, "PUT": READ},
    "icatplus-tracking-parcel-status": {"PUT": READ},
    "icatplus-tracking-items": {"POST": READ},
    "icatplus-tracking-item": {"PUT": READ, "DELETE": READ},
    "icatplus-tracking-labels": {"GET": READ},
    "icatplus-tracking-barcodes": {"GET": READ},
    "icatplus-tracking-setup": {"GET": READ},
    # ICAT+ sample_metadata group: the session id is the credential (the participant's).
    "icatplus-samplemetadata-samples": {"GET": READ, "POST": READ, "PUT": READ, "DELETE": READ},
    "icatplus-samplemetadata-files": {"GET": READ, "POST": READ, "DELETE": READ},
    "icatplus-samplemetadata-acquisition": {"GET": READ},
    "icatplus-samplemetadata-prefix": {"GET": READ},
    "icatplus-samplemetadata-metadata": {"GET": READ},
    "icatplus-samplemetadata-access-rules": {"POST": READ},
    # ICAT+ catalogue reads: public lists, `/catalogue/datasets*` without a bearer session (what
    # anyone may see), and reads through the participant's session id; who sees what through
    # them is walked per role and state in test_icatplus_session_matrix.py.
    "icatplus-investigation-types": {"GET": READ},
    "icatplus-parameters": {"GET": READ},
    "icatplus-public-datasets": {"GET": READ},
    "icatplus-dataset-documents-by-date": {"GET": READ},
    "icatplus-catalogue-datacollections": {"GET": READ},
    "icatplus-catalogue-dataset-datacollections": {"GET": READ},
    "icatplus-catalogue-dataset-documents": {"GET": READ},
    "icatplus-catalogue-dataset-timeline": {"GET": READ},
    "icatplus-catalogue-investigation-timeline": {"GET": READ},
    "icatplus-catalogue-dataset-parameter-values": {"GET": READ},
    "icatplus-catalogue-files": {"GET": READ},
    "icatplus-catalogue-files-download": {"GET": READ},
    "icatplus-catalogue-investigation-samples": {"GET": READ},
    "icatplus-catalogue-sample-page": {"GET": READ},
    # The user list is for administrators: the participant's session gets ICAT+'s 403.
    "icatplus-catalogue-users": {"GET": Rule(frozenset(), otherwise=frozenset({FORBIDDEN}))},
    # ICAT+ catalogue writes: the participant's session id (the release date's route takes none
    # in its path: every role gets the refused session's 403); per role in
    # test_icatplus_session_matrix.py.
    "icatplus-catalogue-sample-parameter-create": {"POST": READ},
    "icatplus-catalogue-sample-parameter": {"PUT": READ},
    "icatplus-catalogue-release-date": {"POST": NO_SESSION},
    "icatplus-catalogue-files-upload": {"POST": READ},
    # ICAT+ logbook session routes: the participant's session id is the credential, whoever is
    # signed in; who reads and writes which logbook is walked per role and state in
    # test_icatplus_session_matrix.py.
    "icatplus-events": {"GET": READ, "POST": READ, "PUT": READ},
    "icatplus-event-count": {"GET": READ},
    "icatplus-event-dates": {"GET": READ},
    "icatplus-event-page": {"GET": READ},
    "icatplus-event-base64": {"POST": READ},
    "icatplus-event-remove": {"PUT": READ},
    "icatplus-event-restore": {"PUT": READ},
    "icatplus-events-tags": {"PATCH": READ},
    "icatplus-tags": {"GET": READ, "POST": READ, "PUT": READ},
    "icatplus-stats-count": {"GET": READ},
    "icatplus-stats-investigation": {"GET": READ},
    "icatplus-datafile-open": {"GET": READ},
    "icatplus-dataset-restore": {"POST": READ},
    "icatplus-events-move": {"POST": READ},
    "icatplus-mint": {"POST": READ},
    # Single sign-on: without a configured provider (or a started sign-in) the refusal page.
    "portal:sso-login": {"GET": READ},
    "portal:sso-callback": {"GET": READ},
    "portal:orcid-link": {"GET": LOGIN_READ},
    "portal:orcid-callback": {"GET": LOGIN_READ},
    "portal:orcid-unlink": {"POST": LOGIN_READ},
    # Linked publications: the team links papers to its session, a collection's maker to it; the
    # world's links were added by the participant, who may remove them, as staff may.
    "doi:investigation-publication-add": {"POST": act(TEAM_STAFF)},
    "doi:collection-publication-add": {"POST": act(COLLECTION_OWNER)},
    "doi:publication-remove": {"POST": act({"participant", "staff"})},
    "doi:oai": {"GET": READ, "POST": READ},
    **{name: {"GET": READ} for name, kind in KIND.items() if name.startswith("panosc:")},
    # The navbar's pending counts: each user's own; visitors get an empty fragment.
    "portal:nav-badges": {"GET": READ},
    # Beamline pages are public; the sessions they list and count: catalogue/test_beamline.py
    "catalogue:beamlines": {"GET": READ},
    "catalogue:beamline": {"GET": READ},
    # The scan page's undo names the parcel by its code in the body: stores and staff only.
    "shipments:scan-undo": {"POST": act(STORES)},
    # A visitor's e-mailed restore link (without a valid token: 400, whoever asks) and the
    # progress polled on DOI landing pages: for whoever sees the dataset.
    "catalogue:dataset-restore-confirm": {"GET": READ, "POST": READ},
    "catalogue:dataset-restore-status": {"GET": READ},
    "doi:collection-delete": {"GET": act(COLLECTION_OWNER), "POST": act(COLLECTION_OWNER)},
    # A container's grid: who sees the parcel's content; filling it: the team, while editable.
    "shipments:container": {"GET": act(TEAM_STAFF | {"safety"})},
    "shipments:container-position": {"GET": team_edit(), "POST": team_edit()},
    "shipments:container-import": {"GET": team_edit(), "POST": team_edit()},
    "shipments:container-template-csv": {"GET": act(TEAM_STAFF)},
    "shipments:container-template-xlsx": {"GET": act(TEAM_STAFF)},
    # "Open in Jupyter": whoever sees the dataset gets its notebook.
    "catalogue:dataset-notebook": {"GET": READ},
    # Whoever sees the file reads its HDF5 (the world's text file: a 400 saying it is not one).
    **{name: {"GET": READ} for name in KIND if name.startswith("catalogue:h5grove-")},
    **{name: {"GET": NO_SESSION} for name in KIND if name.startswith("icatplus-h5grove-")},
    # No worker drew the world's previews: a 404 to anyone, the same as for a nonexistent id
    # (the members' 200: catalogue/test_technique_previews.py).
    "catalogue:dataset-preview": {"GET": Rule(frozenset())},
    # The dataset page's preview card, polled while the worker draws: whoever sees the dataset.
    "catalogue:dataset-preview-card": {"GET": READ},
    # Load balancers' health check: says only whether the database and broker answer.
    "portal:healthz": {"GET": READ},
    # Monitoring's deep check: staff (or a token, tests/portal/test_healthz_deep.py); a 404 to
    # anyone else, signed in or not.
    "portal:healthz-deep": {"GET": Rule(frozenset({"staff"}), otherwise=frozenset({HIDDEN}))},
    # Data policy: the PI releases or asks for more time (sent back with the reason once the
    # session is public or proprietary); the office (no role of the world: staff are not in it
    # by right) sets the proprietary flag and answers; the history is the team's, the facility's
    # trail staff's. Per role and state: tests/catalogue/test_policy_*.py.
    "catalogue:investigation-release": {"GET": act(PI, False), "POST": act(PI, False)},
    "catalogue:investigation-extension": {"GET": act(PI, False), "POST": act(PI, False)},
    "catalogue:investigation-proprietary": {"GET": act((), False), "POST": act((), False)},
    "catalogue:investigation-history": {"GET": act(TEAM_STAFF, False)},
    "catalogue:policy-extensions": {"GET": act(())},
    "catalogue:policy-extension-decide": {"GET": act(()), "POST": act(())},
    "catalogue:audit": {"GET": act({"staff"})},
    "catalogue:audit-csv": {"GET": act({"staff"})},
    # Usage figures and their CSV: staff only, a 404 to everyone else (catalogue/test_stats.py).
    "catalogue:stats": {"GET": Rule(frozenset({"staff"}))},
    "catalogue:stats-csv": {"GET": Rule(frozenset({"staff"}))},
}

# Django's admin and the safety team's admin site: staff (resp. Safety) only, everyone else is
# sent to their login page. Their object pages are walked with a nonexistent id.
ADMIN_PREFIXES = {"admin:": frozenset({"staff"}), "safety:": frozenset({"safety", "staff"})}
