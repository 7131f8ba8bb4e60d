"""The one place that talks to ICAT (python-icat): log in, keep the session alive, and read
every entity type the mirror holds in batches ordered by modTime and id, as plain records."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from catalogue.icat.records import (
    ENTITIES,
    SPECS,
    Batch,
    Cursor,
    GatewayError,
    Record,
    page_by_mod_time,
    parse_time,
)

log = logging.getLogger(__name__)


# --- query building: python-icat Query objects, which check every attribute and relation
# against the server's entity info (tested with a recorded ICAT 5 schema) ----------------------


def icat_timestamp(moment: datetime, zone: tzinfo = UTC) -> str:
    """ICAT's timestamp literal, in the server's time zone, to the second (its precision)."""
    stamp = moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
    return "{ts " + stamp + "}"


def icat_string(value: str) -> str:
    escaped = value.replace("'", "''")
    return f"'{escaped}'"


def _query(client: Any, entity: str, **kwargs: Any) -> Any:
    from icat.query import Query

    return Query(client, entity, includes=list(SPECS[entity].includes) or None, **kwargs)


def query_same_second(
    client: Any, entity: str, second: datetime, after_id: int, limit: int, zone: tzinfo = UTC
) -> Any:
    """The rest of one second of modTime, by id."""
    after = second + timedelta(seconds=1)
    return _query(
        client,
        entity,
        order=["id"],
        limit=(0, limit),
        conditions={
            "modTime": [f">= {icat_timestamp(second, zone)}", f"< {icat_timestamp(after, zone)}"],
            "id": f"> {int(after_id)}",
        },
    )


def query_later(
    client: Any, entity: str, from_second: datetime, limit: int, zone: tzinfo = UTC
) -> Any:
    return _query(
        client,
        entity,
        order=["modTime", "id"],
        limit=(0, limit),
        conditions={"modTime": f">= {icat_timestamp(from_second, zone)}"},
    )


def query_ids(client: Any, entity: str, after_id: int, limit: int) -> Any:
    from icat.query import Query

    return Query(
        client,
        entity,
        attributes="id",
        order=["id"],
        limit=(0, limit),
        conditions={"id": f"> {int(after_id)}"},
    )


def query_by_ids(client: Any, entity: str, ids: Sequence[int]) -> Any:
    id_list = ", ".join(str(int(i)) for i in ids)
    return _query(client, entity, order=["id"], conditions={"id": f"IN ({id_list})"})


def query_investigation(client: Any, entity: str, name: str, after_id: int, limit: int) -> Any:
    """Every `entity` of the investigation(s) with proposal `name`, by id."""
    path = SPECS[entity].investigation_path
    if path is None:
        raise ValueError(f"{entity} does not belong to an investigation")
    attr = f"{path}.name" if path else "name"
    return _query(
        client,
        entity,
        order=["id"],
        limit=(0, limit),
        conditions={attr: f"= {icat_string(name)}", "id": f"> {int(after_id)}"},
    )


def to_record(entity: str, obj: Any) -> Record:
    """A python-icat entity object as a plain record: `as_dict()` plus its included relations."""
    fields = dict(obj.as_dict())
    for rel in SPECS[entity].includes:
        related = getattr(obj, rel, None)
        fields[rel] = related.as_dict() if related is not None else None
    return Record(
        entity=entity, id=int(fields["id"]), mod_time=parse_time(fields["modTime"]), fields=fields
    )


# --- the live gateway -------------------------------------------------------------------------


def read_password() -> str:
    if settings.ICAT_PASSWORD_FILE:
        return Path(settings.ICAT_PASSWORD_FILE).read_text().strip()
    return settings.ICAT_PASSWORD


class IcatGateway:
    """Reads the facility's ICAT with python-icat. Every failure to reach ICAT or to stay
    logged in becomes a GatewayError, which stops the run cleanly; the next run resumes from
    the cursors."""

    def __init__(
        self,
        *,
        url: str | None = None,
        auth: str | None = None,
        username: str | None = None,
        password: str | None = None,
        check_cert: bool | None = None,
        time_zone: str | None = None,
        client_factory: Callable[..., Any] | None = None,
    ) -> None:
        self.url = url or settings.ICAT_URL
        self.auth = auth or settings.ICAT_AUTH
        self.username = username or settings.ICAT_USERNAME
        self.password = password if password is not None else read_password()
        self.check_cert = settings.ICAT_CHECK_CERT if check_cert is None else check_cert
        self.zone = ZoneInfo(time_zone or settings.ICAT_TIME_ZONE)
        self.client: Any = None
        self.client_factory = client_factory  # icat.Client unless told otherwise

    # Session handling: log in lazily, refresh before it lapses, log in again once if it expired.
    def _connect(self) -> Any:
        import icat
        import icat.exception

        if self.client is None:
            try:
                self.client = (self.client_factory or icat.Client)(
                    self.url, checkCert=self.check_cert
                )
                self.client.login(self.auth, {"username": self.username, "password": self.password})
            except icat.exception.ICATError as error:
                self.client = None
                raise GatewayError(f"ICAT login failed: {error}") from error
            except Exception as error:  # noqa: BLE001 - network, TLS and SOAP errors all mean "ICAT down"
                self.client = None
                raise GatewayError(f"ICAT unreachable at {self.url}: {error}") from error
        return self.client

    def _search(self, build: Callable[[Any], Any]) -> list[Any]:
        """Run the query `build(client)` makes; a Query needs the client for the entity info."""
        import icat.exception

        for attempt in (1, 2):
            client = self._connect()
            query = None
            try:
                client.autoRefresh()
                query = build(client)
                return client.search(query)
            except icat.exception.ICATSessionError as error:
                self.client = None
                if attempt == 2:
                    raise GatewayError(
                        f"ICAT session expired and login again failed: {error}"
                    ) from error
                log.info("ICAT session expired, logging in again")
            except icat.exception.ICATError as error:
                raise GatewayError(f"ICAT refused {str(query)!r}: {error}") from error
            except Exception as error:  # noqa: BLE001 - connection dropped mid-run
                self.client = None
                raise GatewayError(f"ICAT unreachable at {self.url}: {error}") from error
        raise AssertionError("unreachable")

    def entity_types(self) -> list[str]:
        version = str(self._connect().apiversion)
        major_minor = tuple(int(part) for part in version.split(".")[:2])
        return [spec.name for spec in ENTITIES if major_minor >= spec.since_version]

    def read_batch(self, entity: str, after: Cursor, limit: int) -> Batch:
        return page_by_mod_time(
            after=after,
            limit=limit,
            same_second=lambda second, after_id, n: self._records(
                entity, lambda c: query_same_second(c, entity, second, after_id, n, self.zone)
            ),
            later=lambda second, n: self._records(
                entity, lambda c: query_later(c, entity, second, n, self.zone)
            ),
        )

    def read_ids(self, entity: str, after_id: int, limit: int) -> list[int]:
        return [int(i) for i in self._search(lambda c: query_ids(c, entity, after_id, limit))]

    def read_by_ids(self, entity: str, ids: Sequence[int]) -> list[Record]:
        return self._records(entity, lambda c: query_by_ids(c, entity, ids)) if ids else []

    def read_investigation(self, entity: str, name: str, after_id: int, limit: int) -> list[Record]:
        return self._records(
            entity, lambda c: query_investigation(c, entity, name, after_id, limit)
        )

    def _records(self, entity: str, build: Callable[[Any], Any]) -> list[Record]:
        return [to_record(entity, obj) for obj in self._search(build)]

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.logout()
            except Exception:  # noqa: BLE001 - the session may already be gone; nothing to undo
                log.debug("ICAT logout failed", exc_info=True)
            self.client = None
