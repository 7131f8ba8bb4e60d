"""Single sign-on and ORCID linking against a real OpenID Connect provider process
(tests/oidc_provider), driven with the Django test client on the portal's side."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.hashers import make_password

from catalogue import access
from doi import metadata
from portal import sso
from portal.models import SsoIdentity, User
from tests import factories
from tests.oidc_provider.harness import ORCID_ID, PEOPLE

pytestmark = pytest.mark.django_db


@pytest.fixture
def icat_user(db) -> User:
    """Jane Doe as the ICAT sync created her: no portal password, her ICAT name."""
    user = User(username="jdoe", email="jane.doe@example.org", icat_name="esrf/jdoe")
    user.set_unusable_password()
    user.save()
    return user


def start(client, provider: str = "umbrella", **params: str):
    answer = client.get("/login/sso/", {"provider": provider, **params})
    assert answer.status_code == 302
    return answer.headers["Location"]


def sign_in(client, oidc_provider, *, user: str = "jdoe", provider: str = "umbrella", **extra):
    """The whole round trip; the portal's answer to the provider's redirect back."""
    back = oidc_provider.sign_in(start(client, provider), user, **extra)
    parts = urlsplit(back)
    assert parts.path == "/login/sso/callback/"
    return client.get(parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()})


def signed_in_user(client) -> User | None:
    pk = client.session.get("_auth_user_id")
    return User.objects.get(pk=pk) if pk else None


def test_sign_in_finds_the_icat_user_and_applies_roles(client, oidc_provider, icat_user):
    beamline = factories.InstrumentFactory(name="ID23-1")
    authorize = start(client)
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["state"]
    assert query["redirect_uri"] == ["http://127.0.0.1:8000/login/sso/callback/"]  # SITE_URL

    back = urlsplit(oidc_provider.sign_in(authorize, "jdoe"))
    answer = client.get(back.path, {k: v[0] for k, v in parse_qs(back.query).items()})

    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    assert signed_in_user(client) == icat_user
    assert User.objects.count() == 1
    icat_user.refresh_from_db()
    assert icat_user.full_name == "Jane Doe"
    assert access.is_safety_officer(icat_user)  # "/safety-team", a Keycloak group path
    assert access.is_beamline_scientist(icat_user, beamline)
    assert client.get("/experiments/").status_code == 200


def test_second_login_and_second_provider_find_the_same_user(client, oidc_provider, icat_user):
    sign_in(client, oidc_provider)
    client.post("/logout/")
    sign_in(client, oidc_provider)
    client.post("/logout/")
    # Another provider with its own (pairwise) subject: the verified e-mail finds her.
    sign_in(client, oidc_provider, provider="keycloak")

    assert signed_in_user(client) == icat_user
    assert User.objects.count() == 1
    assert set(SsoIdentity.objects.values_list("provider", "user")) == {
        ("umbrella", icat_user.pk),
        ("keycloak", icat_user.pk),
    }


def test_unknown_person_gets_a_new_user_once(client, oidc_provider):
    sign_in(client, oidc_provider, user="newcomer")
    client.post("/logout/")
    sign_in(client, oidc_provider, user="newcomer")

    user = signed_in_user(client)
    assert (user.username, user.email, user.full_name) == (
        "newcomer",
        "nils@example.org",
        "Nils Newcomer",
    )
    assert not user.has_usable_password()
    assert User.objects.count() == 1


def test_provider_claims_never_open_a_local_password_account(client, oidc_provider):
    local = factories.UserFactory(username="jdoe", email="jane.doe@example.org")
    sign_in(client, oidc_provider)

    assert signed_in_user(client) != local
    assert signed_in_user(client).username == "jdoe-2"


def test_roles_follow_the_provider_groups_at_each_login(client, oidc_provider, icat_user):
    sign_in(client, oidc_provider)
    client.post("/logout/")
    oidc_provider.set_claims("jdoe", {**PEOPLE["jdoe"], "groups": ["portal-admins"]})
    sign_in(client, oidc_provider)

    icat_user.refresh_from_db()
    assert icat_user.is_staff
    assert not access.is_safety_officer(icat_user)


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("wrong_nonce", "wrong nonce"),
        ("expired", "has expired"),
        ("wrong_audience", "for another application"),
        ("bad_signature", "not signed by"),
    ],
)
def test_a_bad_id_token_is_refused_with_a_page(client, oidc_provider, icat_user, mode, message):
    oidc_provider.misbehave(mode)
    answer = sign_in(client, oidc_provider)

    assert answer.status_code == 400
    assert "Sign-in refused" in answer.text and message in answer.text
    assert signed_in_user(client) is None
    assert not SsoIdentity.objects.exists()


def test_a_tampered_state_is_refused(client, oidc_provider, icat_user):
    back = urlsplit(oidc_provider.sign_in(start(client), "jdoe"))
    params = {k: v[0] for k, v in parse_qs(back.query).items()}
    answer = client.get(back.path, {**params, "state": params["state"] + "x"})

    assert answer.status_code == 400
    assert "state does not match" in answer.text
    assert signed_in_user(client) is None


def test_the_provider_refusing_shows_its_reason(client, oidc_provider):
    answer = sign_in(client, oidc_provider, cancel="1")

    assert answer.status_code == 400
    assert "refused the sign-in: access_denied" in answer.text
    assert signed_in_user(client) is None


def test_a_callback_without_a_started_sign_in_is_refused(client, oidc_provider):
    answer = client.get("/login/sso/callback/", {"code": "x", "state": "y"})

    assert answer.status_code == 400
    assert "No sign-in was started" in answer.text


def test_unknown_provider_is_refused(client, oidc_provider):
    answer = client.get("/login/sso/", {"provider": "nope"})

    assert answer.status_code == 400
    assert "no sign-in provider of that name" in answer.text


def test_logout_ends_the_session_at_the_provider(client, oidc_provider, icat_user):
    sign_in(client, oidc_provider)
    answer = client.post("/logout/")

    end_session = urlsplit(answer.headers["Location"])
    assert f"{end_session.scheme}://{end_session.netloc}" == oidc_provider.url
    query = parse_qs(end_session.query)
    assert query["post_logout_redirect_uri"] == ["http://127.0.0.1:8000/"]
    assert query["id_token_hint"]
    assert signed_in_user(client) is None


def test_login_page_shows_sso_first_and_local_login_can_be_switched_off(
    client, oidc_provider, settings
):
    page = client.get("/login/").text
    assert page.index("Sign in with UmbrellaID") < page.index('name="password"')
    assert "Sign in with Facility Keycloak" in page

    settings.LOCAL_LOGIN_ENABLED = False
    factories.UserFactory(username="demo", password=make_password("password"))
    assert 'name="password"' not in client.get("/login/").text
    answer = client.post("/login/", {"username": "demo", "password": "password"})
    assert answer.status_code == 403
    assert signed_in_user(client) is None


def test_orcid_link_sets_the_authenticated_id_shown_on_profile_and_team(client, oidc_provider):
    team = factories.make_team()
    member = team.participant
    client.force_login(member)

    to_orcid = client.get("/profile/orcid/").headers["Location"]
    back = urlsplit(oidc_provider.sign_in(to_orcid, ORCID_ID))
    answer = client.get(back.path, {k: v[0] for k, v in parse_qs(back.query).items()})

    assert answer.headers["Location"] == "/profile/"
    member.refresh_from_db()
    assert member.orcid == ORCID_ID
    assert ORCID_ID in client.get("/profile/").text
    assert ORCID_ID in client.get(f"/investigations/{team.investigation.pk}/team/").text
    described = metadata.session_metadata(team.investigation, identifier="x", url="x", full=True)
    identifiers = [i for c in described["creators"] for i in c.get("nameIdentifiers", [])]
    assert {"nameIdentifier": f"https://orcid.org/{ORCID_ID}"}.items() <= identifiers[0].items()


def test_providers_come_from_the_environment(tmp_path):
    """portal/settings.py reads OIDC_PROVIDERS and OIDC_<NAME>_*; the logout form may then
    leave for the providers' origins (CSP form-action)."""
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    env = {
        **os.environ,
        "SECRET_KEY": "x",
        "OIDC_PROVIDERS": "umbrella,esrf-keycloak",
        "OIDC_UMBRELLA_ISSUER": "https://login.umbrellaid.org/auth/realms/umbrella",
        "OIDC_UMBRELLA_CLIENT_ID": "portal",
        "OIDC_UMBRELLA_LABEL": "UmbrellaID",
        "OIDC_ESRF_KEYCLOAK_ISSUER": "https://sso.example.org/realms/esrf",
        "OIDC_ESRF_KEYCLOAK_CLIENT_ID": "data-portal",
        "OIDC_ESRF_KEYCLOAK_CLIENT_SECRET_FILE": str(secret),
        "OIDC_USERNAME_CLAIM": "preferred_username",
        "OIDC_ESRF_KEYCLOAK_USER_MATCH": "email",
    }
    script = (
        "import json; from portal import settings as s; print(json.dumps([s.OIDC_PROVIDERS, "
        "s.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action']]))"
    )
    output = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    configured, form_action = json.loads(output.stdout.splitlines()[-1])

    assert list(configured) == ["umbrella", "esrf-keycloak"]
    assert configured["umbrella"]["label"] == "UmbrellaID"
    assert configured["umbrella"]["user_match"] == ["subject", "email"]
    assert configured["esrf-keycloak"]["username_claim"] == "preferred_username"
    assert configured["esrf-keycloak"]["user_match"] == ["email"]
    provider = sso.Provider(name="esrf-keycloak", **configured["esrf-keycloak"])
    assert provider.secret() == "from-a-file"
    assert provider.discovery_url == (
        "https://sso.example.org/realms/esrf/.well-known/openid-configuration"
    )
    assert form_action == ["'self'", "https://login.umbrellaid.org", "https://sso.example.org"]
