"""Fixtures around the test OpenID Connect provider (server.py), a real process on a free port.

Import the fixtures into a test module (`from tests.oidc_provider.harness import ...`). The
portal is configured with two providers of that process ("umbrella", matched by username then
e-mail, and "keycloak", whose subjects are pairwise and which matches by e-mail) and ORCID.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

BASE_DIR = Path(__file__).resolve().parents[2]
PASSWORD = "op-password"
ORCID_ID = "0000-0002-1825-0097"
PEOPLE = {
    "jdoe": {
        "preferred_username": "jdoe",
        "name": "Jane Doe",
        "email": "Jane.Doe@example.org",
        "email_verified": True,
        "groups": ["/safety-team", "beamline-id23-1"],
    },
    "newcomer": {
        "preferred_username": "newcomer",
        "name": "Nils Newcomer",
        "email": "nils@example.org",
        "email_verified": True,
    },
    ORCID_ID: {"name": "Jane Doe"},
}
CONFIG = {
    "clients": {
        "portal": {"secret": "portal-secret"},
        "portal-staging": {"secret": "staging-secret", "pairwise": True},
        "orcid-client": {"secret": "orcid-secret", "orcid": True},
    },
    "users": {name: {"password": PASSWORD, "claims": claims} for name, claims in PEOPLE.items()},
}


@dataclass
class OidcProvider:
    url: str

    def misbehave(self, mode: str) -> None:
        requests.post(f"{self.url}/admin/misbehave", data={"mode": mode}, timeout=5)

    def set_claims(self, user: str, claims: dict) -> None:
        requests.post(
            f"{self.url}/admin/claims", data={"user": user, "claims": json.dumps(claims)}, timeout=5
        )

    def log(self) -> dict:
        return requests.get(f"{self.url}/admin/log", timeout=5).json()

    def sign_in(self, authorize_url: str, user: str, **extra: str) -> str:
        """Log in at the login form as a browser would; the redirect back to the portal."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
        answer = requests.post(
            f"{self.url}/authorize",
            data={**query, "username": user, "password": PASSWORD, **extra},
            allow_redirects=False,
            timeout=5,
        )
        assert answer.status_code == 302, answer.text
        return answer.headers["Location"]


@pytest.fixture(scope="session")
def oidc_provider_process(tmp_path_factory) -> Iterator[OidcProvider]:
    config = tmp_path_factory.mktemp("oidc") / "provider.json"
    config.write_text(json.dumps(CONFIG))
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.oidc_provider.server", str(config)],
        cwd=BASE_DIR,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()  # blocks until the provider listens (or dies)
        assert line.startswith("listening on "), f"the test provider did not start: {line!r}"
        yield OidcProvider(f"http://127.0.0.1:{line.split()[-1]}")
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def oidc_provider(oidc_provider_process: OidcProvider, settings) -> Iterator[OidcProvider]:
    """The provider, behaving, with the portal configured to sign in through it."""
    provider = oidc_provider_process
    common = {
        "issuer": provider.url,
        "client_secret_file": "",
        "scopes": "openid profile email",
        "groups_claim": "groups",
        "logout": True,
    }
    settings.OIDC_PROVIDERS = {
        "umbrella": {
            **common,
            "label": "UmbrellaID",
            "client_id": "portal",
            "client_secret": "portal-secret",
            "username_claim": "preferred_username",
            "user_match": ["subject", "email"],
        },
        "keycloak": {
            **common,
            "label": "Facility Keycloak",
            "client_id": "portal-staging",
            "client_secret": "staging-secret",
            "username_claim": "sub",
            "user_match": ["email"],
        },
    }
    settings.ORCID_CLIENT_ID = "orcid-client"
    settings.ORCID_CLIENT_SECRET = "orcid-secret"
    settings.ORCID_BASE_URL = provider.url
    settings.AUTH_SAFETY_GROUPS = ["safety-team"]
    settings.AUTH_STAFF_GROUPS = ["portal-admins"]
    settings.AUTH_BEAMLINE_GROUP_PATTERN = "beamline-{beamline}"
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"].append(provider.url)
    settings.CONTENT_SECURITY_POLICY = policy
    provider.misbehave("")
    for name, claims in PEOPLE.items():
        provider.set_claims(name, claims)
    yield provider
    provider.misbehave("")
