"""What tests need to start other processes (a worker, servers) on the test database."""

from urllib.parse import quote, urlencode

from django.db import connection


def database_url_for_other_processes() -> str:
    """The test database as a DATABASE_URL for another process, password and options included."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = quote(db["HOST"] or "", safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    options = urlencode({k: v for k, v in (db.get("OPTIONS") or {}).items() if isinstance(v, str | int)})
    return f"postgres://{credentials}@{host}{port}/{db['NAME']}" + (f"?{options}" if options else "")
