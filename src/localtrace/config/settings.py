"""Django settings for localtrace, read from the environment (see docs/configuration.md).

Runs out of the box on SQLite for a newcomer; a production deployment sets
LOCALTRACE_SECRET_KEY, LOCALTRACE_ALLOWED_HOSTS and DATABASE_URL, and keeps
LOCALTRACE_DEBUG off.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from localtrace.config.env import env_bool, env_int, env_list, env_str

PACKAGE_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = PACKAGE_DIR.parent.parent
VAR_DIR = Path(env_str("LOCALTRACE_VAR_DIR", str(REPO_DIR / "var")))

DEBUG = env_bool("LOCALTRACE_DEBUG", False)
# Demo mode: synthetic data, a banner on every page, demo users may skip the second factor.
DEMO = env_bool("LOCALTRACE_DEMO", False)
# Serve over HTTPS only (secure cookies, HSTS, redirect). Off for the loopback demo and tests.
HTTPS = env_bool("LOCALTRACE_HTTPS", not (DEBUG or DEMO))

SECRET_KEY = env_str("LOCALTRACE_SECRET_KEY", "insecure-development-key" if DEBUG else None)
ALLOWED_HOSTS = env_list("LOCALTRACE_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

ORGANISATION_NAME = env_str("LOCALTRACE_ORGANISATION", "Local public health team")
SERVICE_NAME = "localtrace"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "localtrace.core",
    "localtrace.accounts",
    "localtrace.areas",
    "localtrace.audit",
    "localtrace.messaging",
    "localtrace.people",
    "localtrace.results",
    "localtrace.cases",
    "localtrace.contacts",
    "localtrace.places",
    "localtrace.support",  # isolation support (issue 8)
    "localtrace.simulate",
    "localtrace.demo",
    # Performance figures, dashboards, the transparency page and line-list exports.
    "localtrace.reports",
    # Last, so our GOV.UK widget templates (core/templates/django/forms/) win over Django's own.
    "django.forms",
]

MIDDLEWARE = [
    "localtrace.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "localtrace.accounts.middleware.SecondFactorRequiredMiddleware",
    "localtrace.accounts.middleware.IdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "localtrace.core.middleware.FormOnlyAddressMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "localtrace.config.urls"
WSGI_APPLICATION = "localtrace.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "localtrace.config.context_processors.service",
            ],
        },
    }
]
FORM_RENDERER = "localtrace.core.forms.GovukFormRenderer"

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'localtrace.sqlite3'}"),
        conn_max_age=env_int("LOCALTRACE_DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the task worker read while the other writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # django-axes must come first so that locked-out users are refused before checking passwords.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:sign-in"
LOGIN_REDIRECT_URL = "core:home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 2
# An invitation (a link to an account that has never had a password) lasts longer: people start on a Monday.
LOCALTRACE_INVITATION_DAYS = env_int("LOCALTRACE_INVITATION_DAYS", 3, minimum=1)

# Lockout after repeated failures, per username and address together, so that one
# attacker cannot lock every account and one account cannot be guessed from many places.
AXES_FAILURE_LIMIT = env_int("LOCALTRACE_LOCKOUT_FAILURES", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("LOCALTRACE_LOCKOUT_MINUTES", 30, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_ENABLED = env_bool("LOCALTRACE_LOCKOUT", True)

OTP_TOTP_ISSUER = env_str("LOCALTRACE_OTP_ISSUER", "localtrace")

# Sessions: signed out after inactivity (with a warning first), and never longer than a working day.
SESSION_IDLE_SECONDS = env_int("LOCALTRACE_SESSION_IDLE_MINUTES", 30, minimum=2) * 60
SESSION_WARNING_SECONDS = 120
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Flash messages can name a contact or a colleague ("Rhys Morgan added"). Django's default keeps them in a
# signed but readable cookie; in the session they stay on the server.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
CSRF_FAILURE_VIEW = "localtrace.core.views.csrf_failure"

# The laboratories' FHIR API (docs/intake.md): results per Bundle, and the largest request body.
FHIR_MAX_RESULTS = env_int("LOCALTRACE_FHIR_MAX_RESULTS", 1000, minimum=1)
FHIR_MAX_BODY_BYTES = env_int("LOCALTRACE_FHIR_MAX_BODY_MB", 10, minimum=1) * 1024 * 1024

# Security headers.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if HTTPS:
    SECURE_SSL_REDIRECT = env_bool("LOCALTRACE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("LOCALTRACE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("LOCALTRACE_HSTS_PRELOAD", True)
if env_bool("LOCALTRACE_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many reverse proxies stand in front: the client's address is read from X-Forwarded-For that many hops
# from the right, for the audit trail, the portal's guess limit and the sign-in lockout alike.
LOCALTRACE_PROXY_COUNT = env_int("LOCALTRACE_PROXY_COUNT", 1 if env_bool("LOCALTRACE_BEHIND_PROXY", False) else 0,
                                 minimum=0)  # fmt: skip
AXES_CLIENT_IP_CALLABLE = "localtrace.audit.services.client_ip"
CSRF_TRUSTED_ORIGINS = env_list("LOCALTRACE_CSRF_TRUSTED_ORIGINS", [])

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("LOCALTRACE_TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Without collectstatic (demo, tests) WhiteNoise serves straight from the apps' static folders.
WHITENOISE_USE_FINDERS = env_bool("LOCALTRACE_STATIC_FINDERS", True)
MEDIA_ROOT = VAR_DIR / "media"
# An uploaded file is stored no further than RESULTS_MAX_UPLOAD_MB before the upload page refuses it.
FILE_UPLOAD_HANDLERS = [
    "localtrace.results.uploads.RefuseOversizedUploads",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Outbound email goes through the outbox until GOV.UK Notify is configured.
EMAIL_BACKEND = "localtrace.messaging.backends.OutboxEmailBackend"
DEFAULT_FROM_EMAIL = env_str("LOCALTRACE_FROM_EMAIL", "localtrace@localhost")

# Performance figures (reports app): the weekday reporting weeks start on (monday: ISO weeks, ending Sunday).
LOCALTRACE_REPORT_WEEK_STARTS = env_str("LOCALTRACE_REPORT_WEEK_STARTS", "monday").lower()

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Retention (audit/retention.py, docs/retention.md): personal data is erased this many days after a person's last
# result, case or contact; the figures survive. Set it to the deployment's own retention schedule.
LOCALTRACE_RETENTION_DAYS = env_int("LOCALTRACE_RETENTION_DAYS", 730, minimum=30)

# Messaging (issue 6): the outbox by default, or GOV.UK Notify; retries with backoff (docs/messaging.md).
LOCALTRACE_MESSAGE_BACKEND = env_str("LOCALTRACE_MESSAGE_BACKEND", "outbox")
if LOCALTRACE_MESSAGE_BACKEND not in ("outbox", "notify"):
    raise ImproperlyConfigured(
        f"LOCALTRACE_MESSAGE_BACKEND must be outbox or notify, not {LOCALTRACE_MESSAGE_BACKEND!r}."
    )
LOCALTRACE_MESSAGE_MAX_ATTEMPTS = env_int("LOCALTRACE_MESSAGE_MAX_ATTEMPTS", 6, minimum=1)
LOCALTRACE_MESSAGE_RETRY_SECONDS = env_int("LOCALTRACE_MESSAGE_RETRY_SECONDS", 60, minimum=1)
# Links that let their recipient in are hidden on staff pages and removed from a message's stored text once
# it is withheld, failed, delivered, or handed to Notify this many hours ago (messaging/private_links.py).
LOCALTRACE_MESSAGE_KEEP_LINKS_HOURS = env_int("LOCALTRACE_MESSAGE_KEEP_LINKS_HOURS", 72, minimum=1)
LOCALTRACE_PRIVATE_LINK_VIEWS = ("portal:open", "accounts:password-reset-confirm")
LOCALTRACE_NOTIFY = (
    {
        # Every key is required once Notify is chosen: env_str raises on a missing one.
        "api_key": env_str("LOCALTRACE_NOTIFY_API_KEY"),
        "base_url": env_str("LOCALTRACE_NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk"),
        "sms_template_id": env_str("LOCALTRACE_NOTIFY_SMS_TEMPLATE_ID"),
        "email_template_id": env_str("LOCALTRACE_NOTIFY_EMAIL_TEMPLATE_ID"),
        "callback_token": env_str("LOCALTRACE_NOTIFY_CALLBACK_TOKEN"),
        "timeout": env_int("LOCALTRACE_NOTIFY_TIMEOUT_SECONDS", 10, minimum=1),
    }
    if LOCALTRACE_MESSAGE_BACKEND == "notify"
    else None
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "localtrace.core.middleware.RequestIdLogFilter"},
        "portal_token": {"()": "localtrace.core.middleware.PortalTokenLogFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id", "portal_token"]},
    },
    "root": {"handlers": ["console"], "level": env_str("LOCALTRACE_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django logs full request paths on errors; our URLs carry no personal data by design.
        "django.request": {"level": "ERROR"},
        "axes": {"level": "WARNING"},
        # Django's own loggers write through the console handler above, so its filters (portal tokens out)
        # apply to them too: Django's default handlers for them have no such filter.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # The development server's request log (`localtrace serve`).
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# --- Self-service portal (issue 6): public pages for cases and contacts, in English and Welsh ---
INSTALLED_APPS.insert(INSTALLED_APPS.index("localtrace.demo"), "localtrace.portal")
# Public pages switch language themselves (localtrace.portal.views.base.public_page); staff pages stay English.
LANGUAGES = [("en", "English"), ("cy", "Cymraeg")]
# One Welsh catalogue for the service (src/localtrace/locale); the compiled .mo is committed (docs/portal.md).
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
# The address people reach the service at, for the links in messages.
PORTAL_PUBLIC_URL = env_str("LOCALTRACE_PUBLIC_URL", "http://127.0.0.1:8000")
# A link works until the end of the person's isolation plus this many days.
PORTAL_LINK_MARGIN_DAYS = env_int("LOCALTRACE_PORTAL_LINK_MARGIN_DAYS", 3, minimum=0)
# Wrong dates of birth before a link locks.
PORTAL_DOB_ATTEMPTS = env_int("LOCALTRACE_PORTAL_DOB_ATTEMPTS", 5, minimum=1)
# Wrong guesses (links that do not work, dates of birth that do not match) allowed from one client address
# per hour (counted in Django's cache).
PORTAL_GUESSES_PER_HOUR = env_int("LOCALTRACE_PORTAL_GUESSES_PER_HOUR", 30, minimum=1)
# A phone left unattended: after this long without a page, the person confirms their date of birth again.
PORTAL_IDLE_MINUTES = env_int("LOCALTRACE_PORTAL_IDLE_MINUTES", 30, minimum=1)
# Person linkage (issue 10; docs/linkage.md): the model file and the two match-probability thresholds.
from localtrace.config.env import env_float  # noqa: E402

LINKAGE_MODEL_PATH = env_str("LOCALTRACE_LINKAGE_MODEL", "")  # empty: the model shipped with the package
LINKAGE_LINK_ABOVE = env_float("LOCALTRACE_LINKAGE_LINK_ABOVE", 0.99)
LINKAGE_REVIEW_ABOVE = env_float("LOCALTRACE_LINKAGE_REVIEW_ABOVE", 0.5)
if LINKAGE_REVIEW_ABOVE > LINKAGE_LINK_ABOVE:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("LOCALTRACE_LINKAGE_REVIEW_ABOVE must not be above LOCALTRACE_LINKAGE_LINK_ABOVE.")
