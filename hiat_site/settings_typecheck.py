"""Settings for mypy's Django plugin: the production settings with placeholder values.

The plugin imports settings to learn the models; production settings refuse to load without
a secret key, a database URL and an accessibility contact. Nothing here connects anywhere.
"""

import os

os.environ.setdefault("SECRET_KEY", "type-check-only-not-a-real-secret-key")
os.environ.setdefault("DATABASE_URL", "postgres://type-check@localhost/none")
os.environ.setdefault("ACCESSIBILITY_CONTACT_EMAIL", "type-check@example.org")
os.environ["HIAT_IGNORE_DOTENV"] = "1"
os.environ.pop("DEBUG", None)  # DEBUG would start the embedded database

from hiat_site.settings import *  # noqa: E402,F403
