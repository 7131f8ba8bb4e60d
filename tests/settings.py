"""Settings for the test suite: the project's settings, with test-only keys and isolated folders."""

import os
from pathlib import Path

_BASE = Path(__file__).resolve().parent.parent
os.environ.setdefault("SECRET_KEY", "tests-only-not-a-secret")
os.environ.setdefault("VAR_DIR", str(_BASE / "var" / "test"))


def _isolate_xdist_worker() -> None:
    """pytest-xdist runs the suite in several processes. pytest-django gives each its own test
    database; this gives each its own folders and Redis database, so that one process's Celery
    worker never takes another's tasks. Celery workers started by a test inherit the result."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker or os.environ.get("PORTAL_TEST_ISOLATED_AS") == worker:
        return
    index = int(worker.removeprefix("gw"))
    os.environ["VAR_DIR"] = str(Path(os.environ["VAR_DIR"]) / worker)
    redis_url = os.environ.get("REDIS_URL", "")
    if redis_url:
        base, _, db = redis_url.rstrip("/").rpartition("/")
        if not db.isdigit():  # redis://host:port with no database: database 0
            base, db = redis_url.rstrip("/"), "0"
        os.environ["REDIS_URL"] = f"{base}/{int(db) + index}"
    os.environ["PORTAL_TEST_ISOLATED_AS"] = worker


_isolate_xdist_worker()

from portal.settings import *  # noqa: E402,F403
from portal.settings import DATABASES, VAR_DIR  # noqa: E402

# A worker process started by a test opens the test database by this name (see tests/workers.py).
if os.environ.get("PORTAL_TEST_DB_NAME"):
    DATABASES["default"]["NAME"] = os.environ["PORTAL_TEST_DB_NAME"]
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not memory, so that worker processes and the live server see the same data.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# A worker process started by a test may be given another backend (see tests/conftest.py).
EMAIL_BACKEND = os.environ.get(
    "PORTAL_TEST_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend"
)
EMAIL_FILE_PATH = os.environ.get("PORTAL_TEST_EMAIL_FILE_PATH", str(VAR_DIR / "outbox"))
if not os.environ.get("PORTAL_TEST_SHARED_CACHE"):
    # Processes of the many-nodes test (tests/nodes/) keep the project's Redis cache: sessions,
    # rate limits, logbook versions and beat locks must be shared between them.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing
