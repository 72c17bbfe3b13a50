"""Settings for the test suite: the real settings, on PostgreSQL, with fast hashing.

The suite runs on PostgreSQL only (`make test` finds or starts a server), so a missing
DATABASE_URL is an error here rather than a quiet fall-back to SQLite.
"""

import os

from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-that-is-long-enough-to-pass")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SECURE_COOKIES", "0")

from hiat_site.settings import *  # noqa: E402,F403
from hiat_site.settings import DATABASES  # noqa: E402

if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured(
        "The tests run on PostgreSQL: set DATABASE_URL=postgres://... or run `make test`, "
        "which finds or starts a server."
    )

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
DATABASES["default"]["CONN_MAX_AGE"] = 0
# Serve static files straight from the source folders (no collectstatic in tests).
WHITENOISE_USE_FINDERS = True
# Each test run gets its own in-memory report cache.
CACHES["reports"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "reports"}  # noqa: F405
