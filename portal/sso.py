"""Single sign-on with OpenID Connect, and ORCID iD linking (ORCID speaks OpenID Connect too).

Authlib's Django client carries the protocol: discovery, the authorization code flow with PKCE,
the state and nonce kept in the session, and the ID token's RS256 signature (the provider's JWKS),
issuer, audience and expiry. This module decides what the portal does with a verified person:
which catalogue user they are (`sso_user`), which facility roles they hold, and where logging out
leaves them. A failed check becomes `Refused`, whose message the refusal page shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.django_client import DjangoOAuth2App, OAuth
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from joserfc.errors import ClaimError, ExpiredTokenError, JoseError

from .models import MATCH_COLUMNS, SsoIdentity, User
from .roles import apply_facility_roles

DISCOVERY = "/.well-known/openid-configuration"
ORCID = "orcid"
ORCID_ID = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")
# What the session remembers of an SSO login, for the provider's end-session at logout.
SESSION_PROVIDER = "sso_provider"
SESSION_ID_TOKEN = "sso_id_token"


class Refused(Exception):
    """A sign-in the portal will not accept; the message is for the person trying."""


@dataclass(frozen=True)
class Provider:
    name: str
    label: str
    issuer: str
    client_id: str
    client_secret: str = ""
    client_secret_file: str = ""
    scopes: str = "openid profile email"
    username_claim: str = "sub"
    groups_claim: str = "groups"
    user_match: tuple[str, ...] = ("subject", "email")
    logout: bool = True

    @property
    def discovery_url(self) -> str:
        issuer = self.issuer.rstrip("/")
        return issuer if issuer.endswith(DISCOVERY) else issuer + DISCOVERY

    def secret(self) -> str:
        if self.client_secret_file:
            return Path(self.client_secret_file).read_text().strip()
        return self.client_secret


def providers() -> dict[str, Provider]:
    """The sign-in providers of OIDC_PROVIDERS, in the order the login page shows them."""
    found = {}
    for name, values in settings.OIDC_PROVIDERS.items():
        unknown = set(values["user_match"]) - set(MATCH_COLUMNS)
        if unknown:
            raise ImproperlyConfigured(f"OIDC user match of {name!r}: unknown {sorted(unknown)}")
        found[name] = Provider(name=name, **{**values, "user_match": tuple(values["user_match"])})
    return found


def orcid_provider() -> Provider | None:
    if not settings.ORCID_CLIENT_ID:
        return None
    return Provider(
        name=ORCID,
        label="ORCID",
        issuer=settings.ORCID_BASE_URL,
        client_id=settings.ORCID_CLIENT_ID,
        client_secret=settings.ORCID_CLIENT_SECRET,
        client_secret_file=settings.ORCID_CLIENT_SECRET_FILE,
        scopes="openid",
    )


_clients: dict[Provider, DjangoOAuth2App] = {}


def client(provider: Provider) -> DjangoOAuth2App:
    """Authlib's client for `provider`, kept so the discovery document and keys are read once."""
    if provider not in _clients:
        secret = provider.secret()
        app = OAuth().register(
            name=provider.name,
            client_id=provider.client_id,
            client_secret=secret,
            server_metadata_url=provider.discovery_url,
            client_kwargs={"scope": provider.scopes, "code_challenge_method": "S256"},
        )
        app.client_kwargs["token_endpoint_auth_method"] = _auth_method(app, secret)
        _clients[provider] = app
    return _clients[provider]


def _auth_method(app: DjangoOAuth2App, secret: str) -> str:
    """How the client proves itself at the token endpoint: HTTP Basic (OpenID's default) where
    offered, else in the form body (ORCID takes only that); without a secret, PKCE alone."""
    if not secret:
        return "none"
    offered = app.load_server_metadata().get(
        "token_endpoint_auth_methods_supported", ["client_secret_basic"]
    )
    return "client_secret_basic" if "client_secret_basic" in offered else "client_secret_post"


def callback_url(view_name: str) -> str:
    """Registered at the provider, so from SITE_URL: behind nginx the request's host may differ."""
    return settings.SITE_URL + reverse(view_name)


def start(request: HttpRequest, provider: Provider, view_name: str):
    """Send the browser to the provider (state, nonce and PKCE verifier stay in the session)."""
    try:
        return client(provider).authorize_redirect(request, callback_url(view_name))
    except (requests.RequestException, ValueError) as error:
        raise Refused(f"{provider.label} cannot be reached at the moment ({error}).") from None


def _claim_refusal(error: ClaimError, provider: Provider) -> str:
    if isinstance(error, ExpiredTokenError) or error.claim == "exp":
        return f"The sign-in answer of {provider.label} has expired. Please sign in again."
    if error.claim in ("aud", "azp"):
        return f"{provider.label} issued this sign-in for another application, not this portal."
    if error.claim == "nonce":
        return "The sign-in answer does not belong to the sign-in started here (wrong nonce)."
    if error.claim == "iss":
        return f"The sign-in answer was not issued by {provider.label}."
    return f"The sign-in answer of {provider.label} is not valid (claim {error.claim!r})."


def complete(request: HttpRequest, provider: Provider) -> tuple[dict[str, Any], dict[str, Any]]:
    """The verified claims and the token response of the provider's answer on the callback."""
    try:
        app = client(provider)  # another web process may not have read the discovery yet
        token = app.authorize_access_token(request)
        claims = dict(token.get("userinfo") or {})
        if not claims.get("sub"):
            raise Refused(f"{provider.label} sent no ID token.")
        if "userinfo_endpoint" in app.load_server_metadata():
            # Some claims (Keycloak's groups, EGI's entitlements) may come only from here.
            extra = dict(app.userinfo(token=token))
            if extra.get("sub") != claims["sub"]:
                raise Refused(f"{provider.label} described somebody else than who signed in.")
            claims = {**extra, **claims}
    except MismatchingStateError:
        raise Refused(
            "This sign-in answer does not belong to a sign-in started in this browser (its state "
            "does not match): it may have been tampered with, or used twice."
        ) from None
    except OAuthError as error:
        reason = error.description or error.error
        raise Refused(f"{provider.label} refused the sign-in: {reason}.") from None
    except ClaimError as error:
        raise Refused(_claim_refusal(error, provider)) from None
    except JoseError:
        raise Refused(f"The ID token is not signed by {provider.label}'s keys.") from None
    except AuthlibBaseError as error:
        raise Refused(f"{provider.label} refused the sign-in: {error.description}.") from None
    except requests.RequestException as error:
        raise Refused(f"{provider.label} cannot be reached at the moment ({error}).") from None
    return claims, token


# --- who the person is in the catalogue -------------------------------------------------------


def _username(value: str) -> str:
    """A portal username from a claim, shaped like those the ICAT sync makes."""
    return re.sub(r"[^\w.@+-]", "_", value)[:140]


def _match_key(way: str, provider: Provider, claims: dict[str, Any]) -> str:
    value = str(claims.get(provider.username_claim) or "")
    if way == "subject":
        return _username(value)
    if way == "email":
        # An address the provider says it has not verified proves nothing.
        return "" if claims.get("email_verified") is False else str(claims.get("email", "")).lower()
    return value  # "name": the claim holds the ICAT user name (e.g. "esrf/jdoe")


def _matching_user(provider: Provider, claims: dict[str, Any]) -> User | None:
    """The existing user the ICAT sync (or the demo) made for this person, by the provider's
    OIDC_USER_MATCH ways in turn; a way that finds several users decides nothing."""
    users = get_user_model().objects.annotate(email_lower=Lower("email"))
    if not settings.OIDC_MATCH_LOCAL_ACCOUNTS:
        users = users.filter(password__startswith=UNUSABLE_PASSWORD_PREFIX)
    for way in provider.user_match:
        key = _match_key(way, provider, claims)
        if key:
            found = list(users.filter(**{MATCH_COLUMNS[way]: key})[:2])
            if len(found) == 1:
                return found[0]
    return None


def _new_user(provider: Provider, claims: dict[str, Any]) -> User:
    User = get_user_model()
    base = _username(str(claims.get(provider.username_claim) or claims["sub"])) or provider.name
    username, n = base, 1
    while User.objects.filter(username=username).exists():
        n += 1
        username = f"{base}-{n}"
    user = User(username=username)
    user.set_unusable_password()  # they sign in at their provider
    return user


def _fill_profile(user: User, claims: dict[str, Any]) -> None:
    """Claims fill what the catalogue does not know yet; ICAT's values are never overwritten."""
    for field, claim in (
        ("email", "email"),
        ("full_name", "name"),
        ("first_name", "given_name"),
        ("last_name", "family_name"),
    ):
        limit = user._meta.get_field(field).max_length
        if not getattr(user, field) and isinstance(claims.get(claim), str):
            setattr(user, field, claims[claim][:limit])
    user.save()


def groups_of(claims: dict[str, Any], claim: str) -> list[str]:
    """The groups claim as a list: a JSON list (groups, eduperson_entitlement) or one string.
    Keycloak's full group paths ("/staff") count under their plain name too."""
    value = claims.get(claim) or []
    names = [value] if isinstance(value, str) else [str(v) for v in value]
    return names + [name.strip("/") for name in names if name.startswith("/")]


@transaction.atomic
def sso_user(*, provider: Provider, claims: dict[str, Any]) -> User:
    """The portal user for this provider's person: the one linked to (provider, sub) before, else
    the one OIDC_USER_MATCH finds, else a new one; linked, profile filled, roles re-applied."""
    identity = (
        SsoIdentity.objects.select_for_update()
        .select_related("user")
        .filter(provider=provider.name, subject=claims["sub"])
        .first()
    )
    if identity is not None:
        user = identity.user
        identity.last_login = timezone.now()
        identity.save(update_fields=["last_login"])
    else:
        user = _matching_user(provider, claims) or _new_user(provider, claims)
    if not user.is_active:
        raise Refused("This account is deactivated. Please contact the user office.")
    _fill_profile(user, claims)
    if identity is None:
        try:
            with transaction.atomic():
                SsoIdentity.objects.create(user=user, provider=provider.name, subject=claims["sub"])
        except IntegrityError:  # the same person's other tab signed in a moment ago
            raise Refused("You have just signed in in another window: please try again.") from None
    apply_facility_roles(user, groups_of(claims, provider.groups_claim))
    return user


def end_session_url(provider_name: str, id_token: str) -> str | None:
    """Where logging out sends the browser so the provider ends its session too (RP-initiated
    logout), or None to end only the portal's."""
    provider = providers().get(provider_name)
    if provider is None or not provider.logout or not id_token:
        return None
    try:
        app = client(provider)
        if "end_session_endpoint" not in app.load_server_metadata():
            return None
    except requests.RequestException:
        return None  # the portal's session is ended all the same
    return app.create_logout_url(
        post_logout_redirect_uri=settings.SITE_URL + reverse(settings.LOGOUT_REDIRECT_URL),
        id_token_hint=id_token,
        client_id=provider.client_id,
    )["url"]
