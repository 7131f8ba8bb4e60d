"""The OAI-PMH endpoint: six verbs over GET or POST, errors as the protocol defines them.

OAI-PMH errors are answered with HTTP 200 and an `<error code=...>` element, as the protocol
requires: harvesters treat an HTTP error as a failed transport, not as a protocol answer.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from lxml import etree

from catalogue import usage
from catalogue.models import UsageKind

from ..models import Doi
from . import records, render, tokens
from .render import sub

# verb: (required arguments, optional arguments); a resumptionToken is exclusive.
VERBS: dict[str, tuple[set[str], set[str]]] = {
    "Identify": (set(), set()),
    "ListMetadataFormats": (set(), {"identifier"}),
    "ListSets": (set(), {"resumptionToken"}),
    "GetRecord": ({"identifier", "metadataPrefix"}, set()),
    "ListIdentifiers": ({"metadataPrefix"}, {"from", "until", "set", "resumptionToken"}),
    "ListRecords": ({"metadataPrefix"}, {"from", "until", "set", "resumptionToken"}),
}
# The schema's patterns for set specs and metadata prefixes: anything else cannot be echoed.
SPEC_RE = re.compile(r"[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*")
DAY_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
SECOND_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


class OaiError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def _base_url() -> str:
    return settings.SITE_URL + reverse("doi:oai")


def _arguments(request: HttpRequest) -> tuple[str, dict[str, str]]:
    params = dict((request.POST if request.method == "POST" else request.GET).lists())
    verbs = params.pop("verb", [])
    if len(verbs) != 1 or verbs[0] not in VERBS:
        raise OaiError("badVerb", "Give exactly one verb among " + ", ".join(VERBS) + ".")
    verb = verbs[0]
    required, optional = VERBS[verb]
    if repeated := sorted(name for name, values in params.items() if len(values) > 1):
        raise OaiError("badArgument", f"Repeated argument: {', '.join(repeated)}.")
    arguments = {name: values[0] for name, values in params.items()}
    if unknown := sorted(set(arguments) - required - optional):
        raise OaiError("badArgument", f"{verb} takes no argument {', '.join(unknown)}.")
    if "resumptionToken" in arguments:
        if len(arguments) > 1:
            raise OaiError("badArgument", "A resumptionToken comes alone, with the verb.")
    elif missing := sorted(required - set(arguments)):
        raise OaiError("badArgument", f"{verb} needs {', '.join(missing)}.")
    for name in ("metadataPrefix", "set"):
        if name in arguments and not SPEC_RE.fullmatch(arguments[name]):
            raise OaiError("badArgument", f"{arguments[name]!r} is not a valid {name}.")
    for name in ("from", "until"):
        if name in arguments:
            _date(arguments[name], name)  # before any other error echoes it
    return verb, arguments


def _respond(root: etree._Element) -> HttpResponse:
    return HttpResponse(render.to_bytes(root), content_type="text/xml; charset=utf-8")


@csrf_exempt  # harvesters POST forms without a session
@require_http_methods(["GET", "POST"])
def endpoint(request: HttpRequest) -> HttpResponse:
    try:
        verb, arguments = _arguments(request)
        echoed = {"verb": verb, **arguments}
        body = HANDLERS[verb](arguments)
    except OaiError as error:
        # The protocol: after badVerb or badArgument, the request element names no argument.
        bad_request = error.code in ("badVerb", "badArgument")
        root = render.envelope(_base_url(), {} if bad_request else echoed)
        sub(root, "error", error.message, code=error.code)
        return _respond(root)
    root = render.envelope(_base_url(), echoed)
    root.append(body)
    usage.usage_record(kind=UsageKind.OAI_HARVEST, request=request)
    return _respond(root)


def _element(tag: str) -> etree._Element:
    return etree.Element(f"{{{render.OAI}}}{tag}")


def identify(arguments: dict[str, str]) -> etree._Element:
    body = _element("Identify")
    sub(body, "repositoryName", settings.OAI_REPOSITORY_NAME)
    sub(body, "baseURL", _base_url())
    sub(body, "protocolVersion", "2.0")
    sub(body, "adminEmail", settings.OAI_ADMIN_EMAIL)
    earliest = records.earliest_datestamp() or datetime.now(UTC)
    sub(body, "earliestDatestamp", render.utc(earliest))
    sub(body, "deletedRecord", "persistent")
    sub(body, "granularity", "YYYY-MM-DDThh:mm:ssZ")
    return body


def _record(oai_id: str) -> Doi:
    identifier = records.doi_identifier(oai_id)
    doi = records.one(identifier) if identifier else None
    if doi is None:
        raise OaiError("idDoesNotExist", f"No record {oai_id} in this repository.")
    return doi


def _check_format(prefix: str) -> None:
    if prefix not in render.FORMATS:
        raise OaiError(
            "cannotDisseminateFormat",
            f"No metadata format {prefix!r} here; formats: {', '.join(render.FORMATS)}.",
        )


def list_metadata_formats(arguments: dict[str, str]) -> etree._Element:
    if "identifier" in arguments:
        _record(arguments["identifier"])  # every record, deleted or not, has both formats
    body = _element("ListMetadataFormats")
    for prefix, fmt in render.FORMATS.items():
        element = sub(body, "metadataFormat")
        sub(element, "metadataPrefix", prefix)
        sub(element, "schema", fmt.schema)
        sub(element, "metadataNamespace", fmt.namespace)
    return body


def list_sets(arguments: dict[str, str]) -> etree._Element:
    if "resumptionToken" in arguments:
        raise OaiError("badResumptionToken", "The list of sets comes in one page.")
    body = _element("ListSets")
    for spec, name in records.all_sets():
        element = sub(body, "set")
        sub(element, "setSpec", spec)
        sub(element, "setName", name)
    return body


def _append_record(parent: etree._Element, doi: Doi, prefix: str, sets: list[str]) -> None:
    element = sub(parent, "record")
    _append_header(element, doi, sets)
    if not doi.withdrawn:
        render.metadata(element, prefix, records.datacite_metadata(doi))


def _append_header(parent: etree._Element, doi: Doi, sets: list[str]) -> None:
    render.header(
        parent,
        identifier=records.oai_identifier(doi.identifier),
        datestamp=doi.datestamp,
        sets=sets,
        deleted=doi.withdrawn,
    )


def get_record(arguments: dict[str, str]) -> etree._Element:
    _check_format(arguments["metadataPrefix"])
    doi = _record(arguments["identifier"])
    body = _element("GetRecord")
    _append_record(body, doi, arguments["metadataPrefix"], records.set_specs([doi])[doi.pk])
    return body


def _date(value: str, name: str) -> tuple[datetime, timedelta]:
    """The date and its granularity (a day or a second)."""
    try:
        if DAY_RE.fullmatch(value):
            return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC), timedelta(days=1)
        if SECOND_RE.fullmatch(value):
            moment = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            return moment, timedelta(seconds=1)
    except ValueError:
        pass
    raise OaiError(
        "badArgument", f"{name}={value!r} is not a UTC date (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ)."
    )


def _selection(set_spec: str, since: str, until: str) -> records.Selection:
    start = _date(since, "from") if since else None
    end = _date(until, "until") if until else None
    if start and end:
        if start[1] != end[1]:
            raise OaiError("badArgument", "from and until must have the same granularity.")
        if start[0] > end[0]:
            raise OaiError("badArgument", "from is later than until.")
    return records.Selection(
        set_spec=set_spec,
        since=start[0] if start else None,
        before=end[0] + end[1] if end else None,
    )


def _list(verb: str, arguments: dict[str, str]) -> etree._Element:
    if "resumptionToken" in arguments:
        try:
            resume = tokens.read(arguments["resumptionToken"], verb=verb)
        except tokens.BadToken as exc:
            raise OaiError("badResumptionToken", str(exc)) from exc
    else:
        _check_format(arguments["metadataPrefix"])
        resume = tokens.Resume(
            verb=verb,
            prefix=arguments["metadataPrefix"],
            set_spec=arguments.get("set", ""),
            since=arguments.get("from", ""),
            until=arguments.get("until", ""),
            after=0,
            cursor=0,
        )
    selection = _selection(resume.set_spec, resume.since, resume.until)
    size = settings.OAI_PAGE_SIZE
    dois = records.page(selection, after=resume.after, size=size)
    if not dois:
        raise OaiError("noRecordsMatch", "No record matches these arguments.")
    more, dois = len(dois) > size, dois[:size]
    sets = records.set_specs(dois)
    body = _element(verb)
    for doi in dois:
        if verb == "ListRecords":
            _append_record(body, doi, resume.prefix, sets[doi.pk])
        else:
            _append_header(body, doi, sets[doi.pk])
    if more or resume.cursor:
        _append_token(body, resume, dois[-1].pk, records.selected(selection).count(), more)
    return body


def _append_token(
    body: etree._Element, resume: tokens.Resume, last: int, total: int, more: bool
) -> None:
    """A token for the next page; on the last page an empty one, closing the list."""
    attributes = {"completeListSize": str(total), "cursor": str(resume.cursor)}
    if not more:
        sub(body, "resumptionToken", **attributes)
        return
    following = replace(resume, after=last, cursor=resume.cursor + settings.OAI_PAGE_SIZE)
    token, expires = tokens.issue(following)
    sub(body, "resumptionToken", token, expirationDate=render.utc(expires), **attributes)


HANDLERS = {
    "Identify": identify,
    "ListMetadataFormats": list_metadata_formats,
    "ListSets": list_sets,
    "GetRecord": get_record,
    "ListIdentifiers": lambda arguments: _list("ListIdentifiers", arguments),
    "ListRecords": lambda arguments: _list("ListRecords", arguments),
}
