"""A stand-in for the DataCite REST API (not DataCite itself): an `http.server` on 127.0.0.1 that
answers the requests the portal makes the way DataCite documents them
(https://support.datacite.org/reference/post_dois, put_dois-id, get_dois-id):

- POST /dois with `{"data": {"type": "dois", "attributes": {...}}}` -> 201 with the DOI; with only
  a `prefix` a random suffix is chosen; an existing `doi` -> 422 "This DOI has already been taken".
- PUT /dois/{id}: update; `"event": "publish"` makes it findable and needs a `url` (422 otherwise).
- GET /dois/{id} -> 200 or 404 `{"errors": [{"status": "404", "title": ...}]}`.
- DELETE /dois/{id} -> 204 for a draft, 405 for a registered or findable DOI, 404 if unknown.
- Basic auth with the repository id and password, else 401.

`script` lets a test make the next requests fail: an HTTP status (500, 422, ...), "timeout" (never
answer), or "timeout-after" (do the work, then never answer: the case that tests idempotency).
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REPOSITORY_ID = "SLS.PORTAL"
PASSWORD = "stand-in-password"


class DataCiteStandIn:
    def __init__(self) -> None:
        self.dois: dict[str, dict] = {}
        self.requests: list[dict] = []
        self.script: list[int | str] = []
        self.release = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.standin = self
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> DataCiteStandIn:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()  # let hung "timeout" handlers finish
        self.server.shutdown()
        self.server.server_close()

    def calls(self, method: str) -> list[dict]:
        return [r for r in self.requests if r["method"] == method]


class _Handler(BaseHTTPRequestHandler):
    server: ThreadingHTTPServer

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    @property
    def standin(self) -> DataCiteStandIn:
        return self.server.standin

    def _send(self, status: int, body: dict | None = None) -> None:
        payload = json.dumps(body or {}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/vnd.api+json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _error(self, status: int, title: str, source: str | None = None) -> None:
        error = {"status": str(status), "title": title}
        if source:
            error["source"] = source
        self._send(status, {"errors": [error]})

    def _doc(self, doi: str) -> dict:
        return {"data": {"id": doi.lower(), "type": "dois", "attributes": self.standin.dois[doi]}}

    def _handle(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        self.standin.requests.append(
            {
                "method": method,
                "path": self.path,
                "body": body,
                "content_type": self.headers.get("Content-Type"),
                "authorization": self.headers.get("Authorization"),
            }
        )
        scripted = self.standin.script.pop(0) if self.standin.script else None
        if scripted == "timeout":
            self.standin.release.wait()
            return
        if isinstance(scripted, int):
            self._error(scripted, "Scripted failure" if scripted >= 500 else "Unprocessable")
            return
        expected = "Basic " + base64.b64encode(f"{REPOSITORY_ID}:{PASSWORD}".encode()).decode()
        if self.headers.get("Authorization") != expected:
            self._error(401, "Bad credentials.")
            return
        status, document = self._route(method, body)
        if scripted == "timeout-after":  # the work is done, the answer never arrives
            self.standin.release.wait()
            return
        if document is None:
            return
        self._send(status, document)

    def _route(self, method: str, body: dict | None) -> tuple[int, dict | None]:
        dois = self.standin.dois
        if self.path.startswith("/dois/"):
            doi = self.path.removeprefix("/dois/").upper()
            if doi not in dois:
                self._error(404, "The resource you are looking for doesn't exist.")
                return 404, None
            if method == "GET":
                return 200, self._doc(doi)
            if method == "DELETE":
                if dois[doi].get("state") != "draft":
                    self._error(405, "Method not allowed")
                    return 405, None
                del dois[doi]
                self.send_response(204)
                self.end_headers()
                return 204, None
            attributes = dict(body["data"]["attributes"])
            if attributes.get("event") == "publish" and not (
                attributes.get("url") or dois[doi].get("url")
            ):
                self._error(422, "Can't be blank", source="url")
                return 422, None
            event = attributes.pop("event", None)
            dois[doi].update(attributes)
            if event == "publish":
                dois[doi]["state"] = "findable"
            return 200, self._doc(doi)
        if self.path == "/dois" and method == "POST":
            attributes = dict(body["data"]["attributes"])
            if body["data"].get("type") != "dois" or not attributes.get("prefix"):
                self._error(422, "Can't be blank", source="prefix")
                return 422, None
            doi = (
                attributes.get("doi") or f"{attributes['prefix']}/{secrets.token_hex(4)}"
            ).upper()
            if doi in dois:
                self._error(422, "This DOI has already been taken", source="doi")
                return 422, None
            attributes.update(doi=doi.lower(), state="draft")
            if attributes.pop("event", None) == "publish":
                attributes["state"] = "findable"
            dois[doi] = attributes
            return 201, self._doc(doi)
        self._error(404, "The resource you are looking for doesn't exist.")
        return 404, None

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")

    def do_PUT(self) -> None:  # noqa: N802
        self._handle("PUT")

    def do_DELETE(self) -> None:  # noqa: N802
        self._handle("DELETE")
