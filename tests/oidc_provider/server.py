"""A small OpenID Connect provider for the tests, run as its own process:

    python -m tests.oidc_provider.server CONFIG.json

It prints `listening on <port>` once it serves. Discovery, JWKS, a login form, the authorization
code flow with PKCE (S256 required), RS256-signed ID tokens (joserfc, Authlib's JOSE library),
userinfo and RP-initiated logout, as Keycloak answers them. CONFIG names the clients and people:

    {"clients": {"portal": {"secret": "s", "pairwise": false, "orcid": false}},
     "users": {"jdoe": {"password": "pw", "claims": {"preferred_username": "jdoe", ...}}}}

`pairwise` gives each client its own subject for a person (as EGI Check-in may); `orcid` adds
ORCID's `orcid` field to the token answer. Test-only endpoints: `POST /admin/misbehave` with
`mode` = wrong_nonce | expired | wrong_audience | bad_signature | "" (behave), `POST
/admin/claims` with `user` and JSON `claims` (what the next tokens say), `GET /admin/log`.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import sys
import threading
import time
from http.cookies import SimpleCookie
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs, urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

COOKIE = "op_session"


class Provider:
    def __init__(self, config: dict) -> None:
        self.clients: dict = config["clients"]
        self.users: dict = config["users"]
        self.key = RSAKey.generate_key(2048, parameters={"kid": "op-1", "use": "sig"})
        # Signs the ID tokens of `bad_signature`: the same kid, a key the JWKS does not hold.
        self.impostor = RSAKey.generate_key(2048, parameters={"kid": "op-1", "use": "sig"})
        self.issuer = ""
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}
        self.sessions: dict[str, str] = {}
        self.mode = ""
        self.log: dict[str, list] = {"logouts": [], "logins": []}
        self.lock = threading.Lock()

    # --- the WSGI application -----------------------------------------------------------------

    def __call__(self, environ, start_response):
        method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        form = {}
        if method == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length).decode()
            form = {k: v[0] for k, v in parse_qs(body).items()}
        routes = {
            ("GET", "/.well-known/openid-configuration"): self.discovery,
            ("GET", "/jwks"): self.jwks,
            ("GET", "/authorize"): self.authorize,
            ("POST", "/authorize"): self.authorize,
            ("POST", "/token"): self.token,
            ("GET", "/userinfo"): self.userinfo,
            ("GET", "/end-session"): self.end_session,
            ("POST", "/admin/misbehave"): self.misbehave,
            ("POST", "/admin/claims"): self.set_claims,
            ("GET", "/admin/log"): lambda *a: self.json(self.log),
        }
        handler = routes.get((method, path))
        if handler is None:
            status, headers, body = self.json({"error": "not_found"}, "404 Not Found")
        else:
            with self.lock:
                status, headers, body = handler(environ, {**query, **form})
        start_response(status, headers)
        return [body.encode()]

    @staticmethod
    def json(data: dict, status: str = "200 OK"):
        return status, [("Content-Type", "application/json")], json.dumps(data)

    @staticmethod
    def redirect(url: str, headers: list | None = None):
        return "302 Found", [("Location", url), *(headers or [])], ""

    def discovery(self, environ, params):
        return self.json(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "userinfo_endpoint": f"{self.issuer}/userinfo",
                "jwks_uri": f"{self.issuer}/jwks",
                "end_session_endpoint": f"{self.issuer}/end-session",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public", "pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                ],
                "scopes_supported": ["openid", "profile", "email", "groups"],
            }
        )

    def jwks(self, environ, params):
        return self.json({"keys": [{**self.key.as_dict(private=False), "alg": "RS256"}]})

    # --- sign-in ------------------------------------------------------------------------------

    def authorize(self, environ, params):
        client = self.clients.get(params.get("client_id", ""))
        redirect_uri = params.get("redirect_uri", "")
        if client is None or not redirect_uri.startswith(("http://", "https://")):
            return "400 Bad Request", [("Content-Type", "text/plain")], "unknown client"
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            return self.answer(redirect_uri, params, error="invalid_request")
        if params.get("cancel"):
            return self.answer(redirect_uri, params, error="access_denied")
        username = self.sessions.get(self.cookie(environ), "")
        headers = []
        if "username" in params:
            user = self.users.get(params["username"])
            if user is None or user["password"] != params.get("password"):
                return self.login_form(params, error="Wrong user name or password.")
            username = params["username"]
            session = secrets.token_urlsafe(16)
            self.sessions[session] = username
            headers.append(("Set-Cookie", f"{COOKIE}={session}; Path=/; HttpOnly"))
        if not username:
            return self.login_form(params)
        code = secrets.token_urlsafe(24)
        self.codes[code] = {**params, "user": username}
        self.log["logins"].append({"user": username, "client_id": params["client_id"]})
        return self.answer(redirect_uri, params, code=code, headers=headers)

    def answer(self, redirect_uri, params, *, headers=None, **values):
        values["state"] = params.get("state", "")
        return self.redirect(f"{redirect_uri}?{urlencode(values)}", headers)

    @staticmethod
    def cookie(environ) -> str:
        morsel = SimpleCookie(environ.get("HTTP_COOKIE", "")).get(COOKIE)
        return morsel.value if morsel else ""

    def login_form(self, params, error: str = ""):
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in params.items()
            if k not in ("username", "password")
        )
        page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Test identity provider</title></head>
<body style="font-family: sans-serif; max-width: 24rem; margin: 4rem auto">
<h1>Test identity provider</h1><p role="alert">{html.escape(error)}</p>
<form method="post" action="/authorize">{hidden}
<p><label>User name <input name="username" autocomplete="username"></label></p>
<p><label>Password <input name="password" type="password"></label></p>
<p><button type="submit">Sign in</button>
<button type="submit" name="cancel" value="1">Cancel</button></p>
</form></body></html>"""
        return "200 OK", [("Content-Type", "text/html; charset=utf-8")], page

    # --- tokens -------------------------------------------------------------------------------

    def client_credentials(self, environ, params) -> tuple[str, str]:
        auth = environ.get("HTTP_AUTHORIZATION", "")
        if auth.startswith("Basic "):
            client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            return client_id, secret
        return params.get("client_id", ""), params.get("client_secret", "")

    def subject(self, client_id: str, username: str) -> str:
        if self.clients[client_id].get("pairwise"):
            return hashlib.sha256(f"{client_id}:{username}".encode()).hexdigest()[:20]
        return self.users[username]["claims"].get("sub", username)

    def token(self, environ, params):
        client_id, secret = self.client_credentials(environ, params)
        client = self.clients.get(client_id)
        if client is None or client["secret"] != secret:
            return self.json({"error": "invalid_client"}, "401 Unauthorized")
        grant = self.codes.pop(params.get("code", ""), None)
        if (
            grant is None
            or grant["client_id"] != client_id
            or grant["redirect_uri"] != params.get("redirect_uri")
            or create_s256_code_challenge(params.get("code_verifier", ""))
            != grant["code_challenge"]
        ):
            return self.json({"error": "invalid_grant"}, "400 Bad Request")
        username = grant["user"]
        sub = self.subject(client_id, username)
        now = int(time.time())
        claims = {
            **self.users[username]["claims"],
            "iss": self.issuer,
            "sub": sub,
            "aud": "another-application" if self.mode == "wrong_audience" else client_id,
            "iat": now,
            "exp": now - 3600 if self.mode == "expired" else now + 300,
        }
        if "nonce" in grant:
            claims["nonce"] = "not-the-nonce" if self.mode == "wrong_nonce" else grant["nonce"]
        key = self.impostor if self.mode == "bad_signature" else self.key
        access_token = secrets.token_urlsafe(24)
        self.tokens[access_token] = {**self.users[username]["claims"], "sub": sub}
        answer = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 300,
            "scope": grant.get("scope", "openid"),
            "id_token": jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key),
        }
        if client.get("orcid"):
            answer["orcid"] = sub
        return self.json(answer)

    def userinfo(self, environ, params):
        bearer = environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ")
        claims = self.tokens.get(bearer)
        if claims is None:
            return self.json({"error": "invalid_token"}, "401 Unauthorized")
        return self.json(claims)

    # --- logout and the tests' own endpoints --------------------------------------------------

    def end_session(self, environ, params):
        try:
            hint = jwt.decode(params.get("id_token_hint", ""), self.key).claims
        except (JoseError, ValueError):
            hint = {}
        self.sessions.pop(self.cookie(environ), None)
        self.log["logouts"].append({"sub": hint.get("sub"), "client_id": params.get("client_id")})
        expire = ("Set-Cookie", f"{COOKIE}=; Path=/; Max-Age=0")
        target = params.get("post_logout_redirect_uri")
        if hint and target:
            separator = "&" if "?" in target else "?"
            state = urlencode({"state": params.get("state", "")})
            return self.redirect(f"{target}{separator}{state}", [expire])
        page = "<!doctype html><title>Signed out</title><h1>You are signed out</h1>"
        return "200 OK", [("Content-Type", "text/html"), expire], page

    def misbehave(self, environ, params):
        self.mode = params.get("mode", "")
        return self.json({"mode": self.mode})

    def set_claims(self, environ, params):
        self.users[params["user"]]["claims"] = json.loads(params["claims"])
        return self.json({"ok": True})


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args) -> None:
        pass


def main() -> None:
    with open(sys.argv[1]) as config:
        provider = Provider(json.load(config))
    server = make_server(
        "127.0.0.1", 0, provider, server_class=ThreadingServer, handler_class=QuietHandler
    )
    provider.issuer = f"http://127.0.0.1:{server.server_port}"
    print(f"listening on {server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
