"""Settings for grant decisions, read from environment variables.

Development defaults are safe to run locally; production sets at least
SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL (see README.md).
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email

BASE_DIR = Path(__file__).resolve().parent.parent

# A key only fit for development and tests; config/wsgi.py refuses to serve with it.
INSECURE_SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"
INSECURE_AUDIT_KEY = "insecure-audit-key-for-development-and-tests-only"


def envbool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def envemail(name: str, default: str) -> str:
    value = os.environ.get(name) or default
    try:
        validate_email(value)
    except ValidationError:
        raise ImproperlyConfigured(f"{name} must be an email address, not {value!r}") from None
    return value


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY") or INSECURE_SECRET_KEY
# The audit chain's HMAC key, held outside the database so that whoever owns the tables
# cannot recompute the hashes. It must never change: every event is checked with it.
# config/wsgi.py refuses to serve with the development key.
AUDIT_KEY = os.environ.get("AUDIT_KEY") or INSECURE_AUDIT_KEY
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
if DEBUG:
    ALLOWED_HOSTS += ["testserver"]
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

SERVICE_NAME = "Grant decisions"
SERVICE_OWNER = "MOPAC"
# The public address every absolute link is built on (open data, feeds, PDFs, emails,
# audit anchors). Outside DEBUG, `check --deploy` requires it to be set, and https
# (approvals.checks); the development server's address stands in until then.
DEVELOPMENT_SITE_URL = "http://127.0.0.1:8000"
SITE_URL = (os.environ.get("SITE_URL", "").strip() or DEVELOPMENT_SITE_URL).rstrip("/")
# Where people ask for information in an accessible format and report accessibility
# problems (the accessibility statement), and how many working days a reply takes; and
# where the phase banner's feedback goes.
ACCESSIBILITY_CONTACT_EMAIL = envemail(
    "ACCESSIBILITY_CONTACT_EMAIL", "grant-decisions@mopac.london.gov.uk"
)
ACCESSIBILITY_CONTACT_PHONE = os.environ.get("ACCESSIBILITY_CONTACT_PHONE", "").strip()
ACCESSIBILITY_RESPONSE_DAYS = envint("ACCESSIBILITY_RESPONSE_DAYS", 10)
FEEDBACK_EMAIL = envemail("FEEDBACK_EMAIL", ACCESSIBILITY_CONTACT_EMAIL)
# The daily reminders digest (manage.py send_reminders): a sign-off is reminded once it
# has waited this many working days, a needed-by date once it is this many working days
# away or fewer.
REMINDER_SIGN_OFF_WORKING_DAYS = envint("REMINDER_SIGN_OFF_WORKING_DAYS", 3)
REMINDER_NEEDED_BY_WORKING_DAYS = envint("REMINDER_NEEDED_BY_WORKING_DAYS", 5)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_forms_gds",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "grants",
    "approvals",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Public pages, open data and the feed, compressed for anonymous visitors only: it
    # reads the response after the views and every middleware below it.
    "approvals.publication.compression.CompressPublicMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Names the signed-in user as the one who made an account change the signals record.
    "approvals.accounts.events.ActorMiddleware",
    # Cache-Control: private, no-store for staff pages and signed-in people.
    "approvals.accounts.sessions.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Signs out a session SESSION_ABSOLUTE_LIFETIME after sign-in, with a message.
    "approvals.accounts.sessions.AbsoluteSessionLifetimeMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "approvals.accounts.mfa.RequireMFAMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so that it sees every sign-in attempt the views make.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # Refuses sign-in for users and addresses locked out after repeated failures.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "config.context_processors.service",
            ],
        },
    },
]

# Without DATABASE_URL, an embedded SQLite file in the project folder (ignored by git).
# Connections persist between requests and are health-checked before reuse.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("CONN_MAX_AGE", 600),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Take SQLite's write lock when a transaction begins, so two transactions that read
    # and then write the same case are serialised, as row locks do on PostgreSQL.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Rendered published pages are cached (a published revision never changes). Local memory
# by default; set REDIS_URL so that every app server shares one cache.
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": "grant-decisions",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "grant-decisions",
        }
    }
# Rendered public pages (approvals.publication.cache) have a cache of their own name, in
# the same store: it can be moved or switched off without losing the rest.
CACHES["pages"] = {**CACHES["default"], "KEY_PREFIX": "grant-decisions-pages"}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# A link to set a password (sent to a new member of staff, or asked for with "Forgotten
# your password?") works once, for this many seconds.
PASSWORD_RESET_TIMEOUT = envint("PASSWORD_RESET_TIMEOUT", 60 * 60)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "staff-home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
# The built files only (npm run build): static/src holds their sources, which pages
# never load.
STATICFILES_DIRS = [("dist", BASE_DIR / "static" / "dist")]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"
# Uploaded files: a local folder, or S3-compatible object storage that every app server
# shares when AWS_STORAGE_BUCKET_NAME is set (see README.md).
if os.environ.get("AWS_STORAGE_BUCKET_NAME"):
    DEFAULT_FILE_STORAGE_BACKEND = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "access_key": os.environ.get("AWS_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    DEFAULT_FILE_STORAGE_BACKEND = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": DEFAULT_FILE_STORAGE_BACKEND,
    "staticfiles": {
        "BACKEND": os.environ.get(
            "STATICFILES_BACKEND",
            "config.storage.StaticFilesStorage",
        )
    },
}

# Decision references: a prefix and a number that never resets (`PCD 1234`).
DECISION_REFERENCE_PREFIX = os.environ.get("DECISION_REFERENCE_PREFIX", "PCD")
DECISION_REFERENCE_START = envint("DECISION_REFERENCE_START", 1)

# Publication: decisions are published this many working days after they are made
# (weekends and England and Wales bank holidays excluded), unless deferred.
PUBLICATION_WORKING_DAYS = envint("PUBLICATION_WORKING_DAYS", 1)
DEFAULT_LEGAL_BASIS = os.environ.get(
    "DEFAULT_LEGAL_BASIS",
    "Published under the Elected Local Policing Bodies (Specified Information) Order 2011, "
    "Schedule 1, Part 1, paragraph 5(d): a record of each decision of significant public "
    "interest. Grant agreements are published under Schedule 1, paragraph 3(g).",
)
AGREEMENT_MAX_BYTES = envint("AGREEMENT_MAX_BYTES", 20 * 1024 * 1024)

CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"

# Email: console in development; SMTP settings from the environment in production.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "grant-decisions@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# A form sent without a valid CSRF token (usually one left open too long) gets a page in
# the service's layout, not Django's bare one with its inline style.
CSRF_FAILURE_VIEW = "config.views.csrf_failure"

# Security. Behind a reverse proxy that terminates TLS and sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Sessions end after this many seconds without a request (each request extends them).
SESSION_COOKIE_AGE = envint("SESSION_IDLE_TIMEOUT", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
# ...and this many seconds after signing in, however busy they have been.
SESSION_ABSOLUTE_LIFETIME = envint("SESSION_ABSOLUTE_LIFETIME", 12 * 60 * 60)

# No inline script or style anywhere: everything comes from our own static files.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# Browser features no page here uses, off for every page and whatever it embeds
# (config/permissions_policy.py). An empty list: allowed to no origin.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

# Multi-factor sign-in for staff (TOTP, with recovery codes). On unless DEBUG, so a
# production deployment cannot forget it; a local demo may switch it off.
MFA_REQUIRED = envbool("MFA_REQUIRED", not DEBUG)
OTP_TOTP_ISSUER = "MOPAC Grant decisions"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Sign-in throttling: after this many failures a username, or an address, is locked out
# for the cool-off time. Administrators can unlock with `manage.py axes_reset_username`.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
PROXY_COUNT = envint("PROXY_COUNT", 0)
# The DMPC's password re-entry when signing a decision is throttled the same way.
SIGNATURE_FAILURE_LIMIT = envint("SIGNATURE_FAILURE_LIMIT", 5)
SIGNATURE_COOLOFF = AXES_COOLOFF_TIME
AXES_CLIENT_IP_CALLABLE = "config.client_ip.client_ip"
AXES_VERBOSE = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint's step-by-step progress, and its notes on CSS it does not support.
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "WARNING"},
    },
}
