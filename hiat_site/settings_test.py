"""Settings for the test suite: the real settings, on PostgreSQL, with fast hashing.

`make test` finds or starts a PostgreSQL server and sets DATABASE_URL (scripts/with_postgres.py).
"""

import os
import uuid

from django.core.exceptions import ImproperlyConfigured

if not os.environ.get("DATABASE_URL"):
    raise ImproperlyConfigured(
        "The tests run on PostgreSQL: run `make test`, which finds or starts a server, or set DATABASE_URL."
    )
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-that-is-long-enough-to-pass")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SECURE_COOKIES", "0")
os.environ.setdefault("ACCESSIBILITY_CONTACT_EMAIL", "accessibility@example.org")

from hiat_site.settings import *  # noqa: E402,F403
from hiat_site.settings import DATABASES, STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
DATABASES["default"]["CONN_MAX_AGE"] = 0
# A test database of this run's own, so two runs against one server never collide (a random
# name: process ids repeat across machines and containers sharing one server).
DATABASES["default"]["TEST"] = {"NAME": f"test_hiat_{uuid.uuid4().hex[:12]}"}
# Serve static files straight from the source folders (no collectstatic in tests; the
# production storage is tested through `make serve` in tests/test_production.py).
WHITENOISE_USE_FINDERS = True
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
# Report files are made unasked an hour after the last save here, so tests that run queued
# tasks run only what they queued; tests of the settling set it small (in a worker process
# of their own, through the environment: tests/conftest.py, report_worker).
REPORT_SETTLE_SECONDS = int(os.environ.get("TEST_REPORT_SETTLE_SECONDS", "3600"))
