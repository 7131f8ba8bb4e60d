"""DOI registration agencies behind one interface.

`DataCiteProvider` speaks DataCite's REST API (JSON:API, https://support.datacite.org/reference):
POST /dois creates a draft (with only a prefix, DataCite picks the suffix; with `doi`, ours),
PUT /dois/{doi} updates it, PUT with `"event": "publish"` and a `url` makes it findable, and
DELETE /dois/{doi} deletes a draft (only a draft: a registered or findable DOI is permanent).
`LocalProvider` is the embedded default: it issues DOIs under the configured (test) prefix and
records in the database what it would have sent. Neither is ever called on an HTTP request path:
only Celery tasks call them.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from typing import Protocol

import requests
from django.conf import settings

JSONAPI = "application/vnd.api+json"


@dataclass(frozen=True)
class RemoteDoi:
    identifier: str
    state: str  # DataCite's: draft, registered, findable
    url: str = ""


class ProviderError(Exception):
    retryable = False


class ProviderRejected(ProviderError):
    """The agency refused the request (4xx): retrying the same request cannot help."""


class ProviderUnavailable(ProviderError):
    """Timeout, connection error or 5xx: the same request may succeed later."""

    retryable = True


class DoiProvider(Protocol):
    name: str
    prefix: str

    def lookup(self, identifier: str) -> RemoteDoi | None: ...

    def create_draft(self, attributes: dict, *, suffix: str | None = None) -> RemoteDoi: ...

    def update(self, identifier: str, attributes: dict) -> RemoteDoi: ...

    def publish(self, identifier: str, attributes: dict, *, url: str) -> RemoteDoi: ...

    def delete_draft(self, identifier: str) -> None:
        """Delete a draft DOI; one that does not exist (any more) is no error."""
        ...


def _without(attributes: dict, *keys: str) -> dict:
    return {k: v for k, v in attributes.items() if k not in keys}


class DataCiteProvider:
    name = "datacite"

    def __init__(
        self, *, api_url: str, repository_id: str, password: str, prefix: str, timeout: float = 20
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.prefix = prefix
        self.timeout = timeout
        self.session = requests.Session()
        self.session.auth = (repository_id, password)
        self.session.headers.update({"Accept": JSONAPI, "Content-Type": JSONAPI})

    def _call(self, method: str, path: str, body: dict | None = None) -> requests.Response:
        try:
            response = self.session.request(
                method, f"{self.api_url}{path}", json=body, timeout=self.timeout
            )
        except requests.Timeout as exc:
            raise ProviderUnavailable(f"DataCite did not answer within {self.timeout}s") from exc
        except requests.RequestException as exc:
            raise ProviderUnavailable(f"DataCite could not be reached: {exc}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise ProviderUnavailable(f"DataCite answered {response.status_code}; will retry")
        return response

    @staticmethod
    def _rejected(response: requests.Response) -> ProviderRejected:
        try:
            errors = response.json().get("errors", [])
            detail = "; ".join(
                f"{e['source']}: {e.get('title', '')}" if e.get("source") else e.get("title", "")
                for e in errors
            )
        except (ValueError, AttributeError, TypeError):
            detail = response.text[:500]
        return ProviderRejected(f"DataCite refused the request ({response.status_code}): {detail}")

    @staticmethod
    def _remote(response: requests.Response) -> RemoteDoi:
        data = response.json()["data"]
        attributes = data.get("attributes", {})
        return RemoteDoi(
            identifier=data["id"].upper(),
            state=attributes.get("state", ""),
            url=attributes.get("url") or "",
        )

    def lookup(self, identifier: str) -> RemoteDoi | None:
        response = self._call("GET", f"/dois/{identifier}")
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise self._rejected(response)
        return self._remote(response)

    def create_draft(self, attributes: dict, *, suffix: str | None = None) -> RemoteDoi:
        attributes = _without(attributes, "doi", "event", "url") | {"prefix": self.prefix}
        if suffix:
            attributes["doi"] = f"{self.prefix}/{suffix}"
        response = self._call("POST", "/dois", {"data": {"type": "dois", "attributes": attributes}})
        if response.status_code != 201:
            raise self._rejected(response)
        return self._remote(response)

    def _put(self, identifier: str, attributes: dict) -> RemoteDoi:
        body = {"data": {"id": identifier, "type": "dois", "attributes": attributes}}
        response = self._call("PUT", f"/dois/{identifier}", body)
        if response.status_code != 200:
            raise self._rejected(response)
        return self._remote(response)

    def update(self, identifier: str, attributes: dict) -> RemoteDoi:
        return self._put(identifier, _without(attributes, "event"))

    def publish(self, identifier: str, attributes: dict, *, url: str) -> RemoteDoi:
        return self._put(identifier, attributes | {"event": "publish", "url": url})

    def delete_draft(self, identifier: str) -> None:
        response = self._call("DELETE", f"/dois/{identifier}")
        # 404: a retry after a lost answer finds it already gone.
        if response.status_code not in (204, 404):
            raise self._rejected(response)


class LocalProvider:
    """Issues DOIs under a test prefix without leaving the machine (they never resolve)."""

    name = "local"

    def __init__(self, *, prefix: str) -> None:
        self.prefix = prefix

    def _record(self, identifier: str):
        from .models import LocalRegistration

        return LocalRegistration.objects.filter(identifier__iexact=identifier).first()

    @staticmethod
    def _remote(record) -> RemoteDoi:
        return RemoteDoi(identifier=record.identifier, state=record.state, url=record.url)

    def lookup(self, identifier: str) -> RemoteDoi | None:
        record = self._record(identifier)
        return self._remote(record) if record else None

    def create_draft(self, attributes: dict, *, suffix: str | None = None) -> RemoteDoi:
        from .models import LocalRegistration

        attributes = _without(attributes, "doi", "event", "url") | {"prefix": self.prefix}
        if not suffix:  # like DataCite: a random, easily read suffix such as "x7k2-9fq3"
            alphabet = string.ascii_lowercase + string.digits
            suffix = "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(2))
        identifier = f"{self.prefix}/{suffix}".upper()
        if self._record(identifier):
            raise ProviderRejected(f"{identifier}: This DOI has already been taken")
        record = LocalRegistration.objects.create(
            identifier=identifier,
            state="draft",
            # As DataCite does, the record holds its DOI: without it, it is no valid DataCite XML.
            attributes=attributes | {"doi": identifier},
            requests=[{"method": "POST", "path": "/dois", "attributes": attributes}],
        )
        return self._remote(record)

    def _put(self, identifier: str, attributes: dict) -> RemoteDoi:
        record = self._record(identifier)
        if record is None:
            raise ProviderRejected(f"{identifier}: The resource you are looking for doesn't exist.")
        if attributes.get("event") == "publish":
            if not attributes.get("url"):
                raise ProviderRejected("url: Can't be blank")
            record.state = "findable"
        record.url = attributes.get("url", record.url)
        record.attributes = record.attributes | _without(attributes, "event")
        record.requests = [
            *record.requests,
            {"method": "PUT", "path": f"/dois/{identifier}", "attributes": attributes},
        ]
        record.save()
        return self._remote(record)

    def update(self, identifier: str, attributes: dict) -> RemoteDoi:
        return self._put(identifier, _without(attributes, "event"))

    def publish(self, identifier: str, attributes: dict, *, url: str) -> RemoteDoi:
        return self._put(identifier, attributes | {"event": "publish", "url": url})

    def delete_draft(self, identifier: str) -> None:
        record = self._record(identifier)
        if record is None:
            return
        if record.state != "draft":  # DataCite's answer for a registered or findable DOI
            raise ProviderRejected(f"{identifier}: Method not allowed (only drafts are deleted)")
        record.delete()


def get_provider() -> DoiProvider:
    if settings.DATACITE_API_URL:
        return DataCiteProvider(
            api_url=settings.DATACITE_API_URL,
            repository_id=settings.DATACITE_REPOSITORY_ID,
            password=settings.DATACITE_PASSWORD,
            prefix=settings.DOI_PREFIX,
            timeout=settings.DATACITE_TIMEOUT,
        )
    return LocalProvider(prefix=settings.DOI_PREFIX)
