"""Signing in with the facility's LDAP credentials, against Debian's real slapd
(tests/ldap_server.py)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import ldap
import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_auth_ldap.config import GroupOfNamesType, LDAPSearch

from catalogue import access
from catalogue.icat.mapping import Applied
from catalogue.icat.people import apply_User
from catalogue.icat.records import Record
from catalogue.models import IcatUser, Role
from portal.ldap_login import DIRECTORY_UNREACHABLE
from tests import factories
from tests.ldap_server import BASE_DN, Slapd, free_port
from tests.settings_probe import settings_in_fresh_process

LOGIN = "/login/"
WRONG_PASSWORD = "Please enter a correct username and password"
User = get_user_model()


@pytest.fixture(scope="module")
def slapd(tmp_path_factory) -> Iterator[Slapd]:
    server = Slapd(tmp_path_factory.mktemp("slapd")).start()
    yield server
    server.stop()


@pytest.fixture
def directory(settings, slapd: Slapd, db) -> Slapd:
    """The portal configured as README's LDAP example, against the test directory."""
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "portal.ldap_login.FacilityLDAPBackend",
    ]
    settings.AUTH_LDAP_SERVER_URI = slapd.uri
    settings.AUTH_LDAP_BIND_DN = f"cn=portal,ou=services,{BASE_DN}"
    settings.AUTH_LDAP_BIND_PASSWORD = "portal-bind-secret"
    settings.AUTH_LDAP_USER_SEARCH = LDAPSearch(
        f"ou=people,{BASE_DN}", ldap.SCOPE_SUBTREE, "(uid=%(user)s)"
    )
    settings.AUTH_LDAP_GROUP_SEARCH = LDAPSearch(
        f"ou=groups,{BASE_DN}", ldap.SCOPE_SUBTREE, "(objectClass=*)"
    )
    settings.AUTH_LDAP_GROUP_TYPE = GroupOfNamesType()
    settings.AUTH_LDAP_USER_ATTR_MAP = {
        "first_name": "givenName",
        "last_name": "sn",
        "email": "mail",
    }
    settings.AUTH_LDAP_CONNECTION_OPTIONS = {ldap.OPT_NETWORK_TIMEOUT: 5, ldap.OPT_TIMEOUT: 5}
    settings.LDAP_ICAT_NAME = "ldap/{username}"
    settings.AUTH_STAFF_GROUPS = ["staff"]
    settings.AUTH_SAFETY_GROUPS = ["safety"]
    settings.AUTH_BEAMLINE_GROUP_PATTERN = "beamline-{beamline}"
    return slapd


def icat_sync(name: str, email: str, full_name: str) -> None:
    """The ICAT sync meeting this person, as it does before anyone signs in."""
    record = Record("User", IcatUser.objects.count() + 1, timezone.now(), {
        "name": name, "email": email, "fullName": full_name,
    })  # fmt: skip
    apply_User([record], Applied())


def log_in(client, username: str, password: str):
    return client.post(LOGIN, {"username": username, "password": password})


def membership(change: int, uid: str) -> tuple[int, str, list[bytes]]:
    return (change, "member", [f"uid={uid},ou=people,{BASE_DN}".encode()])


def signed_in(client) -> User | None:
    pk = client.session.get("_auth_user_id")
    return User.objects.get(pk=pk) if pk else None


def test_ldap_login_lands_as_the_person_the_icat_sync_knows_with_the_directory_roles(
    client, directory
) -> None:
    # ICAT names her otherwise than the directory; her e-mail (ICAT_USER_MATCH) says who she is.
    icat_sync("esrf/d12345", "jane.doe@example.org", "Jane Doe")
    jane = User.objects.get(icat_name="esrf/d12345")
    beamline = factories.InstrumentFactory(name="ID23-1")
    proposal = factories.InvestigationFactory(instrument=beamline, title="Lysozyme at 100 K")
    factories.InvestigationUserFactory(
        investigation=proposal, user=jane, role=Role.PRINCIPAL_INVESTIGATOR
    )
    people = User.objects.count()

    response = log_in(client, "jdoe", "jane-ldap-pw")
    page = client.get(response.url)

    assert response.status_code == 302
    assert signed_in(client) == jane
    assert User.objects.count() == people
    assert "Lysozyme at 100 K" in page.text  # My experiments: her proposal
    jane.refresh_from_db()
    assert jane.is_staff
    assert access.is_beamline_scientist(jane, beamline)
    assert not access.is_safety_officer(jane)
    assert jane.email == "Jane.Doe@example.org"  # the directory's attributes, kept current


def test_a_newcomer_gets_one_user_that_the_next_icat_sync_and_login_find_again(
    client, directory
) -> None:
    log_in(client, "newbie", "nora-ldap-pw")
    nora = signed_in(client)
    client.logout()
    icat_sync("ldap/newbie", "nora@elsewhere.org", "Nora Newbie")
    log_in(client, "NEWBIE", "nora-ldap-pw")

    assert nora is not None
    assert (nora.username, nora.first_name, nora.icat_name) == ("newbie", "Nora", "ldap/newbie")
    assert signed_in(client) == nora
    assert IcatUser.objects.get(name="ldap/newbie").user == nora
    assert User.objects.filter(first_name="Nora").count() == 1


def test_beamline_software_opens_an_icat_plus_session_with_ldap_credentials(
    client, directory
) -> None:
    factories.InstrumentFactory(name="ID23-1")
    credentials = {"username": "jdoe", "password": "jane-ldap-pw", "plugin": "ldap"}

    response = client.post("/icatplus/session", credentials, content_type="application/json")

    assert response.status_code == 200
    assert response.json()["username"] == "jdoe"
    assert response.json()["isInstrumentScientist"] is True  # group beamline-id23-1


def test_a_wrong_ldap_password_is_refused_with_the_usual_message(client, directory) -> None:
    response = log_in(client, "jdoe", "not-her-password")

    assert response.status_code == 200
    assert WRONG_PASSWORD in response.text
    assert signed_in(client) is None
    assert not User.objects.filter(username="jdoe").exists()


def test_leaving_a_group_in_the_directory_takes_the_role_away_at_the_next_login(
    client, directory
) -> None:
    log_in(client, "rsmith", "rob-ldap-pw")
    rob = signed_in(client)
    assert access.is_safety_officer(rob)
    client.logout()
    safety = f"cn=safety,ou=groups,{BASE_DN}"
    admin = directory.admin()
    # Jane first: a groupOfNames must keep a member.
    admin.modify_s(
        safety, [membership(ldap.MOD_ADD, "jdoe"), membership(ldap.MOD_DELETE, "rsmith")]
    )
    try:
        log_in(client, "rsmith", "rob-ldap-pw")
        again = signed_in(client)
        assert again == rob
        assert not access.is_safety_officer(again)
        assert again.is_staff  # still in "staff"
    finally:
        admin.modify_s(
            safety, [membership(ldap.MOD_ADD, "rsmith"), membership(ldap.MOD_DELETE, "jdoe")]
        )
        admin.unbind_s()


def test_start_tls_with_the_directory_certificate_signs_in(client, directory, settings) -> None:
    settings.AUTH_LDAP_START_TLS = True
    settings.AUTH_LDAP_CONNECTION_OPTIONS = {
        ldap.OPT_X_TLS_CACERTFILE: str(directory.ca_file),
        ldap.OPT_X_TLS_NEWCTX: 0,
    }

    response = log_in(client, "jdoe", "jane-ldap-pw")

    assert response.status_code == 302
    assert signed_in(client).username == "jdoe"


def test_start_tls_refuses_a_certificate_nobody_vouches_for(client, directory, settings) -> None:
    settings.AUTH_LDAP_START_TLS = True  # the self-signed certificate is not trusted here

    response = log_in(client, "jdoe", "jane-ldap-pw")

    assert response.status_code == 200
    assert DIRECTORY_UNREACHABLE in response.text
    assert signed_in(client) is None


def test_with_the_directory_down_the_page_says_so_and_local_accounts_still_sign_in(
    client, directory, settings
) -> None:
    settings.AUTH_LDAP_SERVER_URI = f"ldap://127.0.0.1:{free_port()}"  # nobody listens
    admin = factories.UserFactory(username="breakglass", is_staff=True, is_superuser=True)

    refused = log_in(client, "jdoe", "jane-ldap-pw")
    local = log_in(client, "breakglass", "password")

    assert refused.status_code == 200
    assert DIRECTORY_UNREACHABLE in refused.text
    assert WRONG_PASSWORD not in refused.text
    assert local.status_code == 302
    assert signed_in(client) == admin


def test_with_the_directory_down_icat_plus_answers_503_not_a_wrong_password(
    client, directory, settings
) -> None:
    settings.AUTH_LDAP_SERVER_URI = f"ldap://127.0.0.1:{free_port()}"
    credentials = {"username": "jdoe", "password": "jane-ldap-pw", "plugin": "ldap"}

    response = client.post("/icatplus/session", credentials, content_type="application/json")

    assert response.status_code == 503
    assert response.json()["message"] == DIRECTORY_UNREACHABLE


def test_wrong_ldap_passwords_are_limited_like_local_ones(client, directory) -> None:
    statuses = [log_in(client, "locked", "guess").status_code for _ in range(10)]
    response = log_in(client, "locked", "lou-ldap-pw")

    assert statuses == [200] * 9 + [429]
    assert response.status_code == 429
    assert signed_in(client) is None


# --- configuration from the environment -------------------------------------------------------


def ldap_settings(**env: str) -> dict:
    code = (
        "import json, ldap, portal.settings as s; print(json.dumps({"
        "'backends': s.AUTHENTICATION_BACKENDS,"
        "'start_tls': getattr(s, 'AUTH_LDAP_START_TLS', None),"
        "'bind': [getattr(s, 'AUTH_LDAP_BIND_DN', None),"
        " getattr(s, 'AUTH_LDAP_BIND_PASSWORD', None)],"
        "'filter': getattr(getattr(s, 'AUTH_LDAP_USER_SEARCH', None), 'filterstr', None),"
        "'group_type': type(getattr(s, 'AUTH_LDAP_GROUP_TYPE', None)).__name__,"
        "'ca_file': getattr(s, 'AUTH_LDAP_CONNECTION_OPTIONS', {}).get(ldap.OPT_X_TLS_CACERTFILE),"
        "}))"
    )
    return settings_in_fresh_process(code, drop_prefix="LDAP_", **env)


def test_ldap_is_configured_from_the_environment(tmp_path: Path) -> None:
    secret = tmp_path / "bind-password"
    secret.write_text("from-the-secret-file\n")

    configured = ldap_settings(
        LDAP_SERVER_URI="ldap://ldap.example.org",
        LDAP_START_TLS="yes",
        LDAP_CA_FILE="/etc/ssl/facility-ca.pem",
        LDAP_BIND_DN="cn=portal,ou=services,dc=example,dc=org",
        LDAP_BIND_PASSWORD="not-this-one",
        LDAP_BIND_PASSWORD_FILE=str(secret),
        LDAP_USER_SEARCH_BASE="ou=people,dc=example,dc=org",
        LDAP_USERNAME_ATTRIBUTE="sAMAccountName",
        LDAP_GROUP_SEARCH_BASE="ou=groups,dc=example,dc=org",
        LDAP_GROUP_TYPE="posixGroup",
    )

    assert configured == {
        "backends": [
            "axes.backends.AxesStandaloneBackend",  # first: it limits LDAP logins too
            "django.contrib.auth.backends.ModelBackend",
            "portal.ldap_login.FacilityLDAPBackend",
        ],
        "start_tls": True,
        "bind": ["cn=portal,ou=services,dc=example,dc=org", "from-the-secret-file"],
        "filter": "(sAMAccountName=%(user)s)",
        "group_type": "PosixGroupType",
        "ca_file": "/etc/ssl/facility-ca.pem",
    }


def test_without_a_server_uri_there_is_no_ldap_sign_in() -> None:
    assert "portal.ldap_login.FacilityLDAPBackend" not in ldap_settings()["backends"]


def test_an_unknown_group_type_fails_loudly() -> None:
    with pytest.raises(subprocess.CalledProcessError) as failure:
        ldap_settings(
            LDAP_SERVER_URI="ldap://ldap.example.org",
            LDAP_GROUP_SEARCH_BASE="ou=groups,dc=example,dc=org",
            LDAP_GROUP_TYPE="groupOfPeople",
        )
    assert "LDAP_GROUP_TYPE='groupOfPeople' is not one of groupOfNames" in failure.value.stderr
