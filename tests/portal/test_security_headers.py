"""Security headers: a Content-Security-Policy without inline scripts; HTTPS set from the env."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests import factories

BASE_DIR = Path(__file__).resolve().parents[2]
# A <script> that runs code in the page: no src, and not a JSON data block (JSON-LD).
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"""\s(?:on[a-z]+|hx-on[:\w-]*)\s*=""", re.I)
# An htmx trigger filter (`change[...]`) is evaluated as JavaScript.
EVAL_TRIGGER_FILTER = re.compile(r"""hx-trigger="(?:[^"]*,\s*)?[\w:.-]+\[""")


def policy(response) -> dict[str, list[str]]:
    directives = [part.split() for part in response["Content-Security-Policy"].split(";")]
    return {name: values for name, *values in directives if name}


def test_pages_send_a_policy_that_allows_scripts_from_this_site_only(client, db) -> None:
    rules = policy(client.get("/"))

    assert rules["default-src"] == ["'self'"]
    assert rules["script-src"] == ["'self'"]
    assert rules["object-src"] == ["'none'"]
    assert rules["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize(
    "template", sorted(p.relative_to(BASE_DIR) for p in (BASE_DIR / "templates").rglob("*.html"))
)
def test_no_template_has_inline_script_handler_or_eval_trigger(template: Path) -> None:
    text = (BASE_DIR / template).read_text()

    assert not INLINE_SCRIPT.search(text)
    assert not INLINE_HANDLER.search(text)
    assert not EVAL_TRIGGER_FILTER.search(text)


@pytest.mark.parametrize(
    "path", ["/", "/login/", "/public/", "/api/docs/", "/api/redoc/", "/admin/login/"]
)
def test_rendered_pages_have_no_inline_script(client, db, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 200
    assert "Content-Security-Policy" in response
    assert not INLINE_SCRIPT.search(response.text)
    assert "{#" not in response.text  # a template comment that spilled into the page


def test_swagger_ui_gets_its_set_up_script_from_this_site(client, db) -> None:
    script = client.get("/api/docs/?script=")

    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.text


def test_admin_pages_have_no_inline_script(client, db) -> None:
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))

    for path in ("/admin/", "/admin/portal/user/", "/admin/portal/user/add/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert not INLINE_SCRIPT.search(response.text), path


def test_https_requests_get_hsts_when_configured(client, db, settings) -> None:
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True

    response = client.get("/", secure=True)

    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_plain_http_is_redirected_to_https_when_configured(client, db, settings) -> None:
    settings.SECURE_SSL_REDIRECT = True

    plain = client.get("/public/")
    through_tls_proxy = client.get("/public/", HTTP_X_FORWARDED_PROTO="https")

    assert plain.status_code == 301
    assert plain.url == "https://testserver/public/"
    assert through_tls_proxy.status_code == 200


def https_settings(**env: str) -> dict:
    code = (
        "import json, portal.settings as s; print(json.dumps([s.SECURE_SSL_REDIRECT,"
        " s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD,"
        " s.SECURE_PROXY_SSL_HEADER, s.TRUSTED_PROXY_COUNT, s.AXES_IPWARE_PROXY_COUNT,"
        " s.AXES_IPWARE_META_PRECEDENCE_ORDER, s.REST_FRAMEWORK['NUM_PROXIES']]))"
    )
    names = (
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_PROXY_SSL_HEADER",
        "TRUSTED_PROXY_COUNT",
    )
    environment = {k: v for k, v in os.environ.items() if k not in names}
    environment.update(SECRET_KEY="x", VAR_DIR=str(BASE_DIR / "var" / "test"), **env)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=environment, capture_output=True, text=True
    )
    if result.returncode:
        return {"error": result.stderr.strip().splitlines()[-1]}
    return dict(
        zip(
            (
                "redirect",
                "hsts",
                "subdomains",
                "preload",
                "proxy_ssl",
                "proxies",
                "axes_proxies",
                "axes_meta",
                "drf_proxies",
            ),
            json.loads(result.stdout.strip().splitlines()[-1]),
            strict=True,
        )
    )


def test_https_and_proxy_settings_come_from_the_environment() -> None:
    production = https_settings(
        SECURE_SSL_REDIRECT="on",
        SECURE_HSTS_SECONDS="31536000",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="yes",
        SECURE_HSTS_PRELOAD="1",
        TRUSTED_PROXY_COUNT="1",
    )
    assert production == {
        "redirect": True,
        "hsts": 31536000,
        "subdomains": True,
        "preload": True,
        "proxy_ssl": ["HTTP_X_FORWARDED_PROTO", "https"],
        "proxies": 1,
        "axes_proxies": 1,
        "axes_meta": ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"],
        "drf_proxies": 1,
    }


def test_defaults_trust_no_forwarded_address_and_send_no_hsts() -> None:
    defaults = https_settings(SECURE_PROXY_SSL_HEADER="off")
    assert defaults["redirect"] is False and defaults["hsts"] == 0
    assert defaults["proxy_ssl"] is None
    assert defaults["axes_meta"] == ["REMOTE_ADDR"] and defaults["drf_proxies"] == 0


def test_a_malformed_value_fails_loudly() -> None:
    assert "is not a whole number" in https_settings(SECURE_HSTS_SECONDS="a year")["error"]
    assert "is not a boolean" in https_settings(SECURE_SSL_REDIRECT="sure")["error"]
