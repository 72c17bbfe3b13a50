"""The embedded PostgreSQL that `make run` and `make test` use when no server is configured."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dj_database_url
import psycopg2
import pytest
from django.conf import settings

from hiat_site.localdb import APP_DATABASE

# A process that joins the local server in PGDATA, says its URL, and waits to be stopped.
JOIN = """
import sys, time
from pathlib import Path
from hiat_site.localdb import start_local
print(start_local(Path(sys.argv[1])), flush=True)
while True:
    time.sleep(0.1)
"""


def _join(pgdata: Path) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-c", JOIN, str(pgdata)],
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(settings.BASE_DIR)},
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


@pytest.fixture
def pgdata(tmp_path):
    """A data folder for a local server; a server left running by a failing test is stopped."""
    folder = tmp_path / "pg"
    yield folder
    pid_file = folder / "postmaster.pid"
    if pid_file.exists():
        os.kill(int(pid_file.read_text().split()[0]), signal.SIGQUIT)


def _server_running(pgdata: Path) -> bool:
    return (pgdata / "postmaster.pid").exists()


def _stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)


def test_embedded_server_is_shared_and_stops_with_its_last_user(pgdata):
    web, url = _join(pgdata)
    worker, same_url = _join(pgdata)
    assert url == same_url and url.endswith(f"/{APP_DATABASE}")

    params = dj_database_url.parse(url)
    connection = psycopg2.connect(host=params["HOST"], user="postgres", dbname=APP_DATABASE)
    with connection, connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        row = cursor.fetchone()
        assert row is not None
        assert int(row[0].split(".")[0]) >= 18
    connection.close()

    _stop(web)
    assert _server_running(pgdata), "the worker still uses the server"
    _stop(worker)
    deadline = time.monotonic() + 20
    while _server_running(pgdata) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _server_running(pgdata), "the server outlived the last process using it"


def test_a_user_killed_outright_does_not_keep_the_server_running(pgdata):
    crashed, _ = _join(pgdata)
    crashed.kill()
    crashed.wait()
    survivor, _ = _join(pgdata)
    _stop(survivor)
    deadline = time.monotonic() + 20
    while _server_running(pgdata) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _server_running(pgdata)


def test_test_runs_have_a_database_of_their_own():
    # Two `make test` runs against one server must not fight over one test database name.
    code = "import hiat_site.settings_test as s; print(s.DATABASES['default']['TEST']['NAME'])"
    env = {**os.environ, "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://x@localhost/x")}
    names = {
        subprocess.run(
            [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
        ).stdout.strip()
        for _ in range(2)
    }
    assert len(names) == 2 and all(name.startswith("test_hiat_") for name in names), names
    assert settings.DATABASES["default"]["TEST"]["NAME"] not in names


def test_processes_starting_together_on_a_fresh_folder_all_get_the_database(pgdata):
    # `make run` starts the web server and the worker at the same moment on a fresh clone.
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", JOIN, str(pgdata)],
            cwd=settings.BASE_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(settings.BASE_DIR)},
        )
        for _ in range(4)
    ]
    urls = [process.stdout.readline().strip() for process in processes]  # type: ignore[union-attr]
    for process in processes:
        _stop(process)
    errors = [process.stderr.read() for process in processes]  # type: ignore[union-attr]
    assert all(url.endswith(f"/{APP_DATABASE}") for url in urls), (urls, errors)
    assert not any("Traceback" in error for error in errors), errors
