"""Settings of the data portal, read from the environment.

Every external system has an embedded default (see README, "Configuration"), so a fresh checkout
runs with nothing but Python and Node. Deployments differ only in environment values.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

# Core: where the portal runs, its apps and request pipeline ------------------------------------
BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_lines(name: str, default: list[str]) -> list[str]:
    """Multi-line text (an address): lines separated by newlines or, where an environment file
    cannot hold a newline, by "|"."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [line.strip() for line in raw.replace("|", "\n").splitlines() if line.strip()]


def env_path(name: str, default: Path) -> Path:
    raw = os.environ.get(name)
    return Path(raw).resolve() if raw else default


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "development-only-key-never-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
FACILITY_NAME = env_str("FACILITY_NAME", "Synchrotron Light Source")

VAR_DIR = env_path("VAR_DIR", BASE_DIR / "var")
DATA_ROOT = env_path("DATA_ROOT", VAR_DIR / "data")
DOWNLOAD_ROOT = env_path("DOWNLOAD_ROOT", VAR_DIR / "downloads")
MEDIA_ROOT = env_path("MEDIA_ROOT", VAR_DIR / "media")
MEDIA_URL = "/media/"
# The embedded defaults (SQLite, queue folders, cache) all live here.
VAR_DIR.mkdir(parents=True, exist_ok=True)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "portal",
    "catalogue",
    "logbook",
    "shipments",
    "doi",
    "home",  # after every app above: it builds on them
    "axes",  # sign-in limits (Authentication, below)
    "csp",  # Content-Security-Policy (Security, below)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.middleware.InputGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Answers to signed-in callers are Cache-Control: private (portal/middleware.py).
    "portal.middleware.PrivateCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as axes asks
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True


# Database --------------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The worker and the web process share the file: wait for locks instead of failing.
    # WAL: pages are read while the worker (or the demo generator) writes, and a commit costs one
    # sync of the log instead of two of the database (`migrate` commits once per migration).
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# Redis, cache and sessions ---------------------------------------------------------------------
# Redis, when set, is the cache, the session store's front and Celery's broker (below).
REDIS_URL = env_str("REDIS_URL")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache"),
    }
}

SESSION_COOKIE_AGE = int(timedelta(days=14).total_seconds())
# With Redis (production) a request reads its session from the cache, not PostgreSQL; the
# database copy keeps sessions across a cache flush. The file cache of development is no faster
# than the database, so sessions stay there.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if REDIS_URL
    else "django.contrib.sessions.backends.db"
)


# Static files and templates --------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Third-party front-end code comes from the npm registry (package.json), never a CDN or a copy.
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/quill", NODE_MODULES / "quill" / "dist"),  # the logbook's editor
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", DEBUG)

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.site",
                "catalogue.context_processors.basket",
            ],
        },
    },
]

# Security: HTTPS, proxies, cookies -------------------------------------------------------------
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
# Security headers (HTTPS). Off by default so that a development server on plain HTTP works;
# the README's production example turns them on. HSTS cannot be taken back for its duration:
# try a small SECURE_HSTS_SECONDS first.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# On: a request is HTTPS when the proxy says so in X-Forwarded-Proto (nginx: `proxy_set_header
# X-Forwarded-Proto $scheme`, which also overwrites what a client sent). Turn it off when clients
# reach the portal without such a proxy.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("SECURE_PROXY_SSL_HEADER", True) else None
)
# How many proxies (nginx, a load balancer) stand between clients and the portal, each appending
# the address it saw to X-Forwarded-For. 0: the client is REMOTE_ADDR and X-Forwarded-For, which
# anyone can send, is ignored. Sign-in limits and API throttles count per real client address.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)


# Authentication: passwords, sign-in limits, facility roles, LDAP, SSO, ORCID -------------------
AUTH_USER_MODEL = "portal.User"
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"  # the dashboard: the user's work
LOGOUT_REDIRECT_URL = "portal:home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Sign-in limits (django-axes): every login form (/login/, /admin/login/) authenticates through
# the axes backend, which counts failures in the database per username AND client address
# together, so ten wrong passwords for one account lock that account from that address only:
# other users behind the same proxy, and the same user elsewhere, still sign in.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # LDAP sign-in (below), after local passwords so break-glass accounts work with it down.
    *(["portal.ldap_login.FacilityLDAPBackend"] if env_str("LDAP_SERVER_URI") else []),
]
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "portal.views.locked_out"
# The client address, as DRF's throttles see it: the TRUSTED_PROXY_COUNT-th address from the
# right of X-Forwarded-For (each proxy appends the one it saw), else REMOTE_ADDR.
AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT or None
AXES_IPWARE_PROXY_ORDER = "right-most"
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if TRUSTED_PROXY_COUNT else ("REMOTE_ADDR",)
)

# Facility roles from the groups an identity provider (OIDC claim, LDAP group) reports; see
# portal/roles.py. A role left unmapped (empty) keeps what an administrator set by hand.
AUTH_STAFF_GROUPS = env_list("AUTH_STAFF_GROUPS", [])
AUTH_SAFETY_GROUPS = env_list("AUTH_SAFETY_GROUPS", [])
AUTH_STORES_GROUPS = env_list("AUTH_STORES_GROUPS", [])
# e.g. "beamline-{beamline}": membership of "beamline-id23-1" makes a scientist of beamline ID23-1.
AUTH_BEAMLINE_GROUP_PATTERN = env_str("AUTH_BEAMLINE_GROUP_PATTERN", "")

# LDAP sign-in (portal/ldap_login.py, django-auth-ldap), on when LDAP_SERVER_URI is set. The
# directory checks the password of the login form (after local passwords, so break-glass accounts
# work with the directory down); the portal user is found as ICAT users are (ICAT_USER_MATCH), and
# the groups found under LDAP_GROUP_SEARCH_BASE give the facility roles above at each login.
LDAP_SERVER_URI = env_str("LDAP_SERVER_URI")  # e.g. ldaps://ldap.example.org
LDAP_USERNAME_ATTRIBUTE = env_str("LDAP_USERNAME_ATTRIBUTE", "uid")  # its value is the username
# How ICAT names a directory account, e.g. "ldap/{username}": found by it, and kept on new users
# so that the next ICAT sync matches them by name.
LDAP_ICAT_NAME = env_str("LDAP_ICAT_NAME")
if LDAP_SERVER_URI:
    import ldap
    from django_auth_ldap.config import (
        ActiveDirectoryGroupType,
        GroupOfNamesType,
        GroupOfUniqueNamesType,
        LDAPSearch,
        PosixGroupType,
    )

    LDAP_GROUP_TYPES = {
        "groupOfNames": GroupOfNamesType,
        "groupOfUniqueNames": GroupOfUniqueNamesType,
        "posixGroup": PosixGroupType,
        "activeDirectory": ActiveDirectoryGroupType,
    }
    AUTH_LDAP_SERVER_URI = LDAP_SERVER_URI
    AUTH_LDAP_START_TLS = env_bool("LDAP_START_TLS", False)
    AUTH_LDAP_BIND_DN = env_str("LDAP_BIND_DN")  # empty: search anonymously
    AUTH_LDAP_BIND_PASSWORD = (
        Path(env_str("LDAP_BIND_PASSWORD_FILE")).read_text().strip()
        if env_str("LDAP_BIND_PASSWORD_FILE")  # a secret file; wins over LDAP_BIND_PASSWORD
        else env_str("LDAP_BIND_PASSWORD")
    )
    AUTH_LDAP_USER_SEARCH = LDAPSearch(
        env_str("LDAP_USER_SEARCH_BASE"),
        ldap.SCOPE_SUBTREE,
        env_str("LDAP_USER_FILTER", f"({LDAP_USERNAME_ATTRIBUTE}=%(user)s)"),
    )
    try:
        AUTH_LDAP_USER_ATTR_MAP = dict(
            item.split("=", 1)
            for item in env_list(
                "LDAP_USER_ATTR_MAP", ["first_name=givenName", "last_name=sn", "email=mail"]
            )
        )
    except ValueError:
        raise ImproperlyConfigured("LDAP_USER_ATTR_MAP is field=attribute,... ") from None
    if env_str("LDAP_GROUP_SEARCH_BASE"):
        AUTH_LDAP_GROUP_SEARCH = LDAPSearch(
            env_str("LDAP_GROUP_SEARCH_BASE"),
            ldap.SCOPE_SUBTREE,
            env_str("LDAP_GROUP_FILTER", "(objectClass=*)"),
        )
        group_type = env_str("LDAP_GROUP_TYPE", "groupOfNames")
        if group_type not in LDAP_GROUP_TYPES:
            raise ImproperlyConfigured(
                f"LDAP_GROUP_TYPE={group_type!r} is not one of {', '.join(LDAP_GROUP_TYPES)}"
            )
        AUTH_LDAP_GROUP_TYPE = LDAP_GROUP_TYPES[group_type]()
    LDAP_TIMEOUT = env_int("LDAP_TIMEOUT", 5)  # seconds; a dead directory fails the login fast
    AUTH_LDAP_CONNECTION_OPTIONS = {
        ldap.OPT_NETWORK_TIMEOUT: LDAP_TIMEOUT,
        ldap.OPT_TIMEOUT: LDAP_TIMEOUT,
    }
    if env_str("LDAP_CA_FILE"):  # the CA of the directory's certificate, if not the system's
        AUTH_LDAP_CONNECTION_OPTIONS[ldap.OPT_X_TLS_CACERTFILE] = env_str("LDAP_CA_FILE")
        AUTH_LDAP_CONNECTION_OPTIONS[ldap.OPT_X_TLS_NEWCTX] = 0  # last: applies the TLS options

# Single sign-on (portal/sso.py). OIDC_PROVIDERS names the OpenID Connect providers, each
# configured by OIDC_<NAME>_* variables; an empty list switches SSO off. Local passwords on
# /login/ can be switched off too (Django admin's login stays, for break-glass staff accounts).
LOCAL_LOGIN_ENABLED = env_bool("LOCAL_LOGIN_ENABLED", True)
OIDC_PROVIDERS = {}
_username_claim = env_str("OIDC_USERNAME_CLAIM", "sub")
_groups_claim = env_str("OIDC_GROUPS_CLAIM", "groups")
# Ways to find the catalogue user (ICAT_USER_MATCH's): subject = the username claim is the
# username, email = the verified e-mail, name = the username claim is the ICAT user name.
_user_match = env_list("OIDC_USER_MATCH", ["subject", "email"])
for _name in env_list("OIDC_PROVIDERS", []):
    _prefix = f"OIDC_{_name.upper().replace('-', '_')}_"
    if not env_str(_prefix + "ISSUER") or not env_str(_prefix + "CLIENT_ID"):
        raise ImproperlyConfigured(f"OIDC provider {_name!r} needs {_prefix}ISSUER and CLIENT_ID")
    OIDC_PROVIDERS[_name.lower()] = {
        "label": env_str(_prefix + "LABEL", _name),
        # The issuer URL, or its discovery document (.../.well-known/openid-configuration).
        "issuer": env_str(_prefix + "ISSUER"),
        "client_id": env_str(_prefix + "CLIENT_ID"),
        "client_secret": env_str(_prefix + "CLIENT_SECRET"),
        "client_secret_file": env_str(_prefix + "CLIENT_SECRET_FILE"),  # wins over the secret
        "scopes": env_str(_prefix + "SCOPES", "openid profile email"),
        # Defaults for every provider: OIDC_USERNAME_CLAIM, OIDC_GROUPS_CLAIM, OIDC_USER_MATCH.
        "username_claim": env_str(_prefix + "USERNAME_CLAIM", _username_claim),
        "groups_claim": env_str(_prefix + "GROUPS_CLAIM", _groups_claim),
        "user_match": env_list(_prefix + "USER_MATCH", _user_match),
        "logout": env_bool(_prefix + "LOGOUT", True),  # also sign out at the provider
    }
# Matching by username or e-mail never reaches an account with a local password (the break-glass
# admin, demo accounts): a provider's claim alone must not open them. On: such accounts match too.
OIDC_MATCH_LOCAL_ACCOUNTS = env_bool("OIDC_MATCH_LOCAL_ACCOUNTS", False)
# ORCID iD linking from the profile page (ORCID's OAuth); off while ORCID_CLIENT_ID is empty.
ORCID_CLIENT_ID = env_str("ORCID_CLIENT_ID")
ORCID_CLIENT_SECRET = env_str("ORCID_CLIENT_SECRET")
ORCID_CLIENT_SECRET_FILE = env_str("ORCID_CLIENT_SECRET_FILE")  # wins over the secret
ORCID_BASE_URL = env_str("ORCID_BASE_URL", "https://orcid.org").rstrip("/")  # or sandbox.orcid.org


# Content-Security-Policy (after sign-in: its form-action names the SSO providers) --------------
# Content-Security-Policy (django-csp): scripts come only from this site's static files, so an
# injected <script> or onclick= does not run. Templates therefore hold no inline script or event
# handler (page code is in static/js/, values in data- attributes), and htmx runs without eval.
# Styles may be inline: templates size progress bars and indent trees with style= attributes,
# and Bootstrap, Quill and Redoc set styles; injected CSS cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        # data: for Swagger UI's and Bootstrap's icons, blob: for images pasted into the logbook.
        "img-src": ["'self'", "data:", "blob:"],
        "worker-src": ["'self'", "blob:"],  # Redoc's search worker
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        # Log out is a form whose answer redirects to the provider's end-session page: form-action
        # must allow the providers' origins (their end-session endpoint is on the issuer's).
        "form-action": [
            "'self'",
            *sorted(
                {
                    "/".join(provider["issuer"].split("/", 3)[:3])
                    for provider in OIDC_PROVIDERS.values()
                }
            ),
        ],
        "frame-ancestors": ["'none'"],  # as X-Frame-Options: DENY
    }
}


# Mail ------------------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "data-portal@localhost")
# An e-mail the SMTP server refused is tried again after MAIL_RETRY_BACKOFF * 2**n seconds
# (at most an hour apart), MAIL_MAX_RETRIES times.
MAIL_RETRY_BACKOFF = env_int("MAIL_RETRY_BACKOFF", 30)
MAIL_MAX_RETRIES = env_int("MAIL_MAX_RETRIES", 10)


# API (DRF, OpenAPI) and ICAT+ sessions ---------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: DRF takes the WWW-Authenticate header from the first class, and only a class
    # that has one turns a bad or missing credential into 401 (session auth has none: 403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PAGINATION_CLASS": "portal.keyset.KeysetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "portal.schema.AutoSchema",
    # Per client address (anonymous) and per user; "apikey" is for the ICAT+ routes
    # (portal/throttles.py). Logins are limited by django-axes, not here.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("THROTTLE_ANON_RATE", "300/min"),
        "user": env_str("THROTTLE_USER_RATE", "600/min"),
        "apikey": env_str("THROTTLE_APIKEY_RATE", "600/min"),
        # Restores from tape asked (catalogue/restores.py): per user, or per address and e-mail.
        "restore": env_str("THROTTLE_RESTORE_RATE", "10/hour"),
    },
    # 0, not None: DRF would otherwise take X-Forwarded-For as sent by the client.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
# ICAT+ sessions (`POST /icatplus/session`): how long a session id stays valid after the login or
# its last refresh (`PUT /icatplus/session/{sessionId}`).
ICATPLUS_SESSION_MINUTES = env_int("ICATPLUS_SESSION_MINUTES", 720)
SPECTACULAR_SETTINGS = {
    "TITLE": "Data portal API",
    "DESCRIPTION": "Read and write the catalogue, logbook, shipments and DOIs of the data portal.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}


# Catalogue and ICAT ----------------------------------------------------------------------------
EMBARGO_YEARS = env_int("EMBARGO_YEARS", 3)
# Embargo extensions the data-policy office may grant: how far past the current release date,
# and how many per session.
EMBARGO_EXTENSION_MAX_DAYS = env_int("EMBARGO_EXTENSION_MAX_DAYS", 730)
EMBARGO_EXTENSIONS_MAX = env_int("EMBARGO_EXTENSIONS_MAX", 2)
ACCESS_REQUEST_DAILY_LIMIT = env_int("ACCESS_REQUEST_DAILY_LIMIT", 10)  # per user, per 24 hours
# ICAT sync (catalogue/icat/): set ICAT_URL to mirror the facility's ICAT; without it the
# catalogue is filled by `seed_demo` and nothing talks to ICAT.
ICAT_URL = env_str("ICAT_URL")  # e.g. https://icat.example.org
ICAT_AUTH = env_str("ICAT_AUTH", "simple")  # the ICAT authenticator plugin (simple, ldap, db, ...)
ICAT_USERNAME = env_str("ICAT_USERNAME")
ICAT_PASSWORD = env_str("ICAT_PASSWORD")
ICAT_PASSWORD_FILE = env_str("ICAT_PASSWORD_FILE")  # a secret file; wins over ICAT_PASSWORD
ICAT_CHECK_CERT = env_bool("ICAT_CHECK_CERT", True)
ICAT_TIME_ZONE = env_str("ICAT_TIME_ZONE", "UTC")  # zone of the ICAT server's timestamps
ICAT_BATCH_SIZE = env_int("ICAT_BATCH_SIZE", 1000)
# How ICAT users become portal users, tried in order: name (User.icat_name), email, subject
# (portal username = the part after "<plugin>/" of the ICAT name, as SSO logins create them).
ICAT_USER_MATCH = env_list("ICAT_USER_MATCH", ["name", "email"])
ICAT_CREATE_USERS = env_bool("ICAT_CREATE_USERS", True)  # unmatched ICAT users get a portal user
# Stripped from ICAT file locations, so that they are relative to DATA_ROOT.
ICAT_LOCATION_PREFIX = env_str("ICAT_LOCATION_PREFIX")
ICAT_SYNC_INTERVAL_MINUTES = env_int("ICAT_SYNC_INTERVAL_MINUTES", 10)
ICAT_RECONCILE_HOURS = env_int("ICAT_RECONCILE_HOURS", 24)  # how often deletions are looked for
# The run lock expires after this (renewed per batch), so a dead worker blocks no longer.
ICAT_SYNC_LOCK_SECONDS = env_int("ICAT_SYNC_LOCK_SECONDS", 1800)
# Files attached to samples through ICAT+'s sample sheets (catalogue/icatplus/sample_metadata.py).
SAMPLE_FILE_MAX_BYTES = env_int("SAMPLE_FILE_MAX_BYTES", 10 * 1024 * 1024)
# h5grove (catalogue/h5grove.py): the most bytes one `data`/`stats` request may read, from the
# selection's shape x item size before anything is read; a bigger one is refused with 413.
H5GROVE_MAX_BYTES = env_int("H5GROVE_MAX_BYTES", 64 * 2**20)
# Dataset previews: thumbnails of image datafiles, rendered once and kept here.
# Not under MEDIA_ROOT on purpose: embargoed previews are served only through the access policy.
PREVIEW_CACHE_DIR = env_path("PREVIEW_CACHE_DIR", VAR_DIR / "previews")
# "Open in Jupyter" also offers to open the dataset's notebook on this JupyterHub (e.g.
# https://jupyter.example.org); its JupyterLab needs jupyterlab-open-url-parameter (`fromURL`).
JUPYTERHUB_URL = env_str("JUPYTERHUB_URL").rstrip("/")
# Usage figures (catalogue/usage.py, /stats/): a Range request resuming a file the same person
# downloaded within USAGE_CONTINUATION_SECONDS is not a new download; events are rolled up per
# day every USAGE_ROLLUP_MINUTES (today so far, and yesterday once it closes).
USAGE_CONTINUATION_SECONDS = env_int("USAGE_CONTINUATION_SECONDS", 1800)
USAGE_ROLLUP_MINUTES = env_int("USAGE_ROLLUP_MINUTES", 15)


# Downloads and tape restores -------------------------------------------------------------------
# Downloads (catalogue/downloads/): one file, streamed zips, zip jobs, metalink, Globus, tape.
# A selection up to DOWNLOAD_STREAM_LIMIT bytes is zipped while it is sent; above it a Celery
# worker builds the zip into DOWNLOAD_ROOT (a "download job"), kept DOWNLOAD_EXPIRY_DAYS days.
DOWNLOAD_STREAM_LIMIT = env_int("DOWNLOAD_STREAM_LIMIT", 2 * 2**30)
# Largest selection a job will build; beyond it the page offers metalink and Globus instead.
DOWNLOAD_JOB_LIMIT = env_int("DOWNLOAD_JOB_LIMIT", 2**40)
# Most files in one zip, streamed or built (a zip of millions of small files helps nobody).
DOWNLOAD_MAX_FILES = env_int("DOWNLOAD_MAX_FILES", 20_000)
DOWNLOAD_EXPIRY_DAYS = env_int("DOWNLOAD_EXPIRY_DAYS", 7)
# nginx serves the bytes after the portal checks access, e.g. "/protected-data/" for an
# `internal` location aliased to DATA_ROOT (and "/protected-downloads/" for DOWNLOAD_ROOT).
# Empty: Django sends the bytes itself.
DOWNLOAD_X_ACCEL_PREFIX = env_str("DOWNLOAD_X_ACCEL_PREFIX")
DOWNLOAD_X_ACCEL_JOB_PREFIX = env_str("DOWNLOAD_X_ACCEL_JOB_PREFIX")
# A running job or restore whose worker has not reported for this long (it reports every half
# second) is taken up again by the sweeper, which beat runs every SWEEP_INTERVAL_SECONDS: a job
# whose worker died is running again within STALE + INTERVAL (2 minutes by default).
DOWNLOAD_STALE_SECONDS = env_int("DOWNLOAD_STALE_SECONDS", 60)
SWEEP_INTERVAL_SECONDS = env_int("SWEEP_INTERVAL_SECONDS", 60)
DOWNLOAD_JOB_SOFT_TIME_LIMIT = env_int("DOWNLOAD_JOB_SOFT_TIME_LIMIT", 6 * 3600)
# Bytes the archives of download jobs may take in DOWNLOAD_ROOT (0 = no limit but the disk): a zip
# that would go over it waits ("Waiting for space") after expired archives are removed.
DOWNLOAD_ROOT_QUOTA = env_int("DOWNLOAD_ROOT_QUOTA", 0)
# Bytes per second a job may read (0 = as fast as the disks go): demos and tests slow it down.
DOWNLOAD_THROTTLE_BPS = env_int("DOWNLOAD_THROTTLE_BPS", 0)
# The "tape": archived datasets' files live here until a restore copies them back to DATA_ROOT.
ARCHIVE_ROOT = env_path("ARCHIVE_ROOT", VAR_DIR / "archive")
RESTORE_THROTTLE_BPS = env_int("RESTORE_THROTTLE_BPS", 20 * 2**20)
# An anonymous visitor's restore starts when they open the link e-mailed to them; it expires.
RESTORE_LINK_HOURS = env_int("RESTORE_LINK_HOURS", 24)
# "Transfer with Globus" opens the Globus web app at the dataset on this endpoint; hidden if unset.
GLOBUS_ENDPOINT_ID = env_str("GLOBUS_ENDPOINT_ID")
GLOBUS_PATH_PREFIX = env_str("GLOBUS_PATH_PREFIX", "/")


# Logbook ---------------------------------------------------------------------------------------
# Logbook: events live in MongoDB (ICAT+-shaped documents) when MONGO_URL is set, else in the
# ORM. Images (pasted, uploaded or posted by beamline software) are size- and type-checked.
MONGO_URL = env_str("MONGO_URL")
MONGO_DB = env_str("MONGO_DB", "icatplus")
LOGBOOK_MAX_IMAGE_BYTES = env_int("LOGBOOK_MAX_IMAGE_BYTES", 10 * 1024 * 1024)
LOGBOOK_LIVE_POLL_SECONDS = env_int("LOGBOOK_LIVE_POLL_SECONDS", 5)
# A logbook image arrives base64-encoded (4/3 bigger) in a JSON body (ICAT+, API) or in the
# HTML of a multipart form field (a pasted screenshot), plus up to 1 MiB for the rest.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int(
    "DATA_UPLOAD_MAX_MEMORY_SIZE", LOGBOOK_MAX_IMAGE_BYTES * 4 // 3 + 2**20
)


# Shipments -------------------------------------------------------------------------------------
# Where users send their parcels: the "Deliver to" block of every parcel label. The default is
# the demo facility's; a real one sets its stores' goods-receiving address.
FACILITY_DELIVERY_ADDRESS = env_lines(
    "FACILITY_DELIVERY_ADDRESS",
    [
        f"{FACILITY_NAME}, sample stores",
        "Building 40, goods entrance",
        "1 avenue des Accélérateurs",
        "38043 Grenoble Cedex 9",
        "France",
    ],
)


# DOIs, landing pages and OAI-PMH ---------------------------------------------------------------
# DOIs (doi app). With DATACITE_API_URL unset, a local provider issues DOIs under DOI_PREFIX and
# records what it would have sent to DataCite (nothing leaves the machine). 10.5072 is the test
# prefix DataCite documented for DOIs that never resolve; production sets its own prefix.
DATACITE_API_URL = env_str("DATACITE_API_URL").rstrip("/")  # e.g. https://api.test.datacite.org
DATACITE_REPOSITORY_ID = env_str("DATACITE_REPOSITORY_ID")
DATACITE_PASSWORD = env_str("DATACITE_PASSWORD")
DATACITE_PREFIX = env_str("DATACITE_PREFIX")
DATACITE_TIMEOUT = env_int("DATACITE_TIMEOUT", 20)  # seconds, per request
DOI_PREFIX = DATACITE_PREFIX or env_str("DOI_PREFIX", "10.5072")
DOI_FACILITY_CODE = env_str("DOI_FACILITY_CODE", "SLS")  # short name used in DOI suffixes
DOI_SESSION_PATTERN = env_str("DOI_SESSION_PATTERN", "{facility}-{proposal}-{visit}")
DOI_COLLECTION_PATTERN = env_str("DOI_COLLECTION_PATTERN", "{facility}-DC-{key}")
DOI_PUBLISHER = env_str("DOI_PUBLISHER", FACILITY_NAME)
DOI_REGISTER_SESSIONS = env_bool("DOI_REGISTER_SESSIONS", True)  # a DOI for each new investigation
# A timeout or 5xx from DataCite is retried after DOI_RETRY_BACKOFF * 2**n seconds
# (at most 10 min).
DOI_RETRY_BACKOFF = env_int("DOI_RETRY_BACKOFF", 10)
DOI_MAX_RETRIES = env_int("DOI_MAX_RETRIES", 8)
# Licence of released data (SPDX id), in DataCite rightsList, JSON-LD and on landing pages.
DOI_LICENSE = env_str("DOI_LICENSE", "CC-BY-4.0")
# A collection left "reserving"/"minting" for DOI_STALE_SECONDS (a killed worker, a lost message)
# gets its step enqueued again, checked every SWEEP_INTERVAL_SECONDS: a mint interrupted by a dead
# worker ends within STALE + INTERVAL (4 minutes by default; a step's hard time limit is 3). A
# second run of a step is safe: it looks the DOI up at the provider before creating it.
DOI_STALE_SECONDS = env_int("DOI_STALE_SECONDS", 180)
# The facility's ROR id (e.g. https://ror.org/02550n020), sent as the identifier of the publisher,
# the hosting institution and local contacts' affiliation in DOI records; empty: names only.
DOI_AFFILIATION_ROR = env_str("DOI_AFFILIATION_ROR")

# Landing pages (doi app): besides APA, the citation style the facility asks its users to use.
DOI_CITATION_STYLE = env_str("DOI_CITATION_STYLE", "apa").lower()
if DOI_CITATION_STYLE not in ("apa", "ieee"):
    raise ImproperlyConfigured(f"DOI_CITATION_STYLE={DOI_CITATION_STYLE!r} is not apa or ieee")

# OAI-PMH 2.0 at /oai (doi/oai/): public DOIs for harvesters (DataCite, OpenAIRE, B2FIND).
OAI_REPOSITORY_NAME = env_str("OAI_REPOSITORY_NAME", f"{FACILITY_NAME} data portal")
# Records are named oai:<OAI_REPOSITORY_IDENTIFIER>:<DOI>; by default the portal's host name.
OAI_REPOSITORY_IDENTIFIER = env_str(
    "OAI_REPOSITORY_IDENTIFIER", SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
)
# OAI-PMH's schema wants a dot in the address's domain, which the default sender
# (data-portal@localhost) lacks: the demo's Identify must still validate.
_oai_host = (
    OAI_REPOSITORY_IDENTIFIER if "." in OAI_REPOSITORY_IDENTIFIER else "localhost.localdomain"
)
OAI_ADMIN_EMAIL = env_str(
    "OAI_ADMIN_EMAIL",
    DEFAULT_FROM_EMAIL
    if "." in DEFAULT_FROM_EMAIL.rpartition("@")[2]
    else f"data-portal@{_oai_host}",
)
OAI_PAGE_SIZE = env_int("OAI_PAGE_SIZE", 100)  # records or headers per ListRecords/Identifiers
OAI_TOKEN_LIFETIME = env_int("OAI_TOKEN_LIFETIME", 24 * 3600)  # seconds a resumption token works


# Celery: broker, queues and the beat schedule --------------------------------------------------
# Celery: Redis when REDIS_URL is set, otherwise kombu's filesystem transport under VAR_DIR,
# which still needs a real worker process (never eager mode).
CELERY_DIR = VAR_DIR / "celery"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    # A task not acknowledged within this time is delivered again: longer than the longest job.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 12 * 3600)
    }
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_RESULT_BACKEND = f"file://{CELERY_DIR / 'results'}"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_DIR / "queue"),
        "data_folder_out": str(CELERY_DIR / "queue"),
        "control_folder": str(CELERY_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 3600)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 3900)
CELERY_TASK_DEFAULT_QUEUE = "default"
# One queue per kind of work, so a long zip never delays a DOI or a sync.
CELERY_TASK_ROUTES = {
    "catalogue.tasks.download_*": {"queue": "zip"},
    "catalogue.tasks.restore_*": {"queue": "zip"},
    "catalogue.tasks.sync_*": {"queue": "sync"},
    "doi.tasks.*": {"queue": "doi"},
}
# A worker consumes every queue listed here unless started with --queues (production may run
# one worker per queue).
CELERY_TASK_QUEUES = [Queue(name) for name in ("default", "zip", "sync", "doi")]
# Every periodic task, in one place (each reads its interval from its section above).
CELERY_BEAT_SCHEDULE = {
    # ICAT sync (Catalogue and ICAT): only when there is an ICAT to mirror.
    **(
        {
            "catalogue-sync-icat": {
                "task": "catalogue.tasks.sync_icat",
                "schedule": timedelta(minutes=ICAT_SYNC_INTERVAL_MINUTES),
            }
        }
        if ICAT_URL
        else {}
    ),
    # Public lists read Investigation.is_public; a release date that passes shows within a minute.
    "catalogue-release-due": {
        "task": "catalogue.tasks.release_due",
        "schedule": timedelta(minutes=1),
    },
    # Downloads: the lease sweeper (DOWNLOAD_STALE_SECONDS) and expired archives.
    "download-sweep": {
        "task": "catalogue.tasks.download_sweep",
        "schedule": timedelta(seconds=SWEEP_INTERVAL_SECONDS),
    },
    "download-expire": {
        "task": "catalogue.tasks.download_expire",
        "schedule": timedelta(hours=1),
    },
    # Session DOIs missed by the post_save signal (e.g. bulk ICAT sync) are registered hourly.
    "doi-register-session-dois": {
        "task": "doi.tasks.register_missing_session_dois",
        "schedule": timedelta(hours=1),
    },
    # Collections stuck in a step (DOI_STALE_SECONDS) get it enqueued again.
    "doi-resume-stalled-collections": {
        "task": "doi.tasks.resume_stalled_collections",
        "schedule": timedelta(seconds=SWEEP_INTERVAL_SECONDS),
    },
    # Session DOIs whose record changed with no save to signal it (a release date passing, a new
    # DOI_LICENSE) are sent again hourly.
    "doi-update-stale-session-dois": {
        "task": "doi.tasks.update_stale_session_dois",
        "schedule": timedelta(hours=1),
    },
    # Usage figures rolled up per day (USAGE_ROLLUP_MINUTES).
    "catalogue-usage-rollup": {
        "task": "catalogue.tasks.usage_rollup",
        "schedule": timedelta(minutes=USAGE_ROLLUP_MINUTES),
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(CELERY_DIR / "beat-schedule")
# Each periodic task is sent only by the beat that takes its lock in the cache (Redis) for most
# of its period: a second beat started by mistake sends nothing twice (portal/beat.py).
CELERY_BEAT_SCHEDULER = "portal.beat.LockedScheduler"


# Logging and health checks ---------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint logs a line per laid-out page of every logbook PDF at INFO.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}},
}
# `/healthz/deep` (portal/health.py): for staff, or for monitoring with this bearer token.
HEALTH_TOKEN = env_str("HEALTH_TOKEN")
# A worker or beat silent this long is reported down (they write every 10 s).
HEALTH_HEARTBEAT_STALE_SECONDS = env_int("HEALTH_HEARTBEAT_STALE_SECONDS", 60)
# Free space of DATA_ROOT, DOWNLOAD_ROOT and MEDIA_ROOT below this percentage is a warning.
HEALTH_DISK_WARN_PERCENT = env_int("HEALTH_DISK_WARN_PERCENT", 10)
