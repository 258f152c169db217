"""Test settings: the real settings with safe defaults for a throwaway environment."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("LOCALTRACE_SECRET_KEY", "tests-only-secret-key-not-for-any-deployment-0123456789")
# One folder per pytest-xdist worker (gw0, gw1, …), so parallel workers never share media or database files.
os.environ.setdefault(
    "LOCALTRACE_VAR_DIR",
    os.path.join(tempfile.gettempdir(), "localtrace-tests", os.environ.get("PYTEST_XDIST_WORKER", "main")),
)
os.environ.setdefault("LOCALTRACE_HTTPS", "0")
os.environ.setdefault("LOCALTRACE_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
# Playwright's sync API runs an event loop in the test thread; the ORM calls are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from localtrace.config.settings import *  # noqa: F403

# Fast password hashing in tests only; production uses Argon2.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# WhiteNoise warns when STATIC_ROOT is missing; tests serve from the finders.
os.makedirs(STATIC_ROOT, exist_ok=True)  # noqa: F405

# Intake tasks run as soon as the transaction commits, so tests see their effect.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
MEDIA_ROOT = Path(os.environ["LOCALTRACE_VAR_DIR"]) / "media"
# A file-backed SQLite test database, so a second process (the crash test) can share it.
_default = DATABASES["default"]  # noqa: F405
if _default["ENGINE"] == "django.db.backends.sqlite3":
    _default["TEST"] = {"NAME": os.path.join(os.environ["LOCALTRACE_VAR_DIR"], f"test-{os.getpid()}.sqlite3")}
# Messaging (issue 6): never the real GOV.UK Notify, whatever the environment says; the Notify tests
# point the backend at tests/fakes/notify.py. Delivery tasks run with the immediate backend above, after
# commit, and tests call the retry sweep themselves with a chosen time.
LOCALTRACE_MESSAGE_BACKEND = "outbox"
LOCALTRACE_NOTIFY = None
# Each test's Client builds its own middleware, and WhiteNoise would list every static file through the finders
# each time (about 9 ms, a thousand times a run). Looked up per request instead, as in development.
WHITENOISE_AUTOREFRESH = True
