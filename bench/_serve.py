"""What every server benchmark shares: its own database, `make serve` on it, and the figures.

A benchmark runs against `make serve` exactly as production runs (gunicorn, the task worker,
production settings, collected static files) on a free loopback port, with a database of its
own on the PostgreSQL server in DATABASE_URL, dropped afterwards:

    with bench_database("bench_autosave") as db:
        env = server_env(db.url, port)
        manage(env, "migrate", "--noinput", "-v", "0")
        ...                                     # the benchmark's own set-up
        with make_serve(env, log) as server:
            ...                                 # the load
"""

import contextlib
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import psycopg2

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 120.0  # seconds for `make serve` to answer /healthz
STOP_TIMEOUT = 60.0  # seconds for it to stop after SIGTERM before it is killed


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class BenchDatabase:
    name: str
    url: str  # DATABASE_URL for the server under test
    admin: Any  # an autocommit connection to the server's maintenance database
    postgres_version: str


@contextlib.contextmanager
def bench_database(prefix: str, keep: bool = False) -> Iterator[BenchDatabase]:
    """A new database `<prefix>_<pid>` on the server in DATABASE_URL, dropped on the way out
    (even when the benchmark fails or is stopped) unless `keep`."""
    server_url = os.environ["DATABASE_URL"]
    name = f"{prefix}_{os.getpid()}"
    admin = psycopg2.connect(server_url)
    admin.autocommit = True
    cursor = admin.cursor()
    cursor.execute("SHOW server_version")
    row = cursor.fetchone()
    assert row is not None
    version = str(row[0]).split()[0]
    cursor.execute(f'CREATE DATABASE "{name}"')
    url = urllib.parse.urlunsplit(urllib.parse.urlsplit(server_url)._replace(path="/" + name))
    try:
        yield BenchDatabase(name=name, url=url, admin=admin, postgres_version=version)
    finally:
        if keep:
            print(f"database kept: {url}")
        else:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def server_env(database_url: str, port: int, *, access_log: bool = False, **more: str) -> dict[str, str]:
    """Production settings for `make serve` on this database and port (and nothing from a .env).

    `access_log` puts gunicorn's own request time (microseconds in a worker thread) and the
    worker's process id in each access log line, to tell time in the server from queueing.
    `more` adds or replaces variables (WEB_CONCURRENCY, WORKER_PROCESSES, ...).
    """
    env = {
        "PATH": os.environ["PATH"],
        "HIAT_IGNORE_DOTENV": "1",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": database_url,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "EMAIL_ALLOW_UNDELIVERED": "1",
        "STATIC_ROOT": tempfile.mkdtemp(prefix="hiat-static-"),
        "PORT": str(port),
        "LOG_LEVEL": "WARNING",
        "ACCESSIBILITY_CONTACT_EMAIL": "accessibility@example.org",
        "DJANGO_SETTINGS_MODULE": "hiat_site.settings",
    }
    if access_log:
        env["GUNICORN_CMD_ARGS"] = "--access-logformat 'ACCESS %(s)s %(D)s %(p)s %(m)s %(U)s'"
    extra_args = more.pop("GUNICORN_CMD_ARGS", "")
    env["GUNICORN_CMD_ARGS"] = f"{env.get('GUNICORN_CMD_ARGS', '')} {extra_args}".strip()
    return env | more


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise SystemExit(result.stdout + result.stderr)
    return result.stdout


def run_phase(script: Path, env: dict[str, str], args: list[str], stdin: str = "") -> dict[str, Any]:
    """Run part of a benchmark in a process of its own (Django set up on the bench database);
    its last line of output is JSON."""
    result = subprocess.run(
        [sys.executable, str(script), *args], cwd=ROOT, env=env, input=stdin, capture_output=True, text=True
    )
    if result.returncode:
        raise SystemExit(f"{script.name} {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    parsed: dict[str, Any] = json.loads(result.stdout.splitlines()[-1])
    return parsed


def gunicorn_size(env: dict[str, str]) -> str:
    """The workers and threads hiat_site/gunicorn_conf.py gives gunicorn in this environment."""
    code = (
        "import hiat_site.gunicorn_conf as c; "
        "print(f'{c.workers} workers x {c.threads} threads, max_requests {c.max_requests}')"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


def _healthy(port: int) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/healthz")
        ok = connection.getresponse().status == 200
        connection.close()
        return ok
    except OSError:
        return False


@contextlib.contextmanager
def make_serve(env: dict[str, str], log: Path | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """`make serve` in a process group of its own, answering /healthz on env["PORT"]; stopped
    (the whole group: gunicorn, its workers, the task worker) on the way out.

    Its output goes to `log`, or nowhere. The static files it collected go with it.
    """
    with contextlib.ExitStack() as stack:
        output = stack.enter_context(log.open("wb")) if log else subprocess.DEVNULL
        server = subprocess.Popen(
            ["make", "--no-print-directory", "serve"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while not _healthy(int(env["PORT"])):
                if time.monotonic() > deadline or server.poll() is not None:
                    tail = f"; its log:\n{log.read_text()[-3000:]}" if log else ""
                    raise SystemExit(f"make serve did not start{tail}")
                time.sleep(0.3)
            yield server
        finally:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)
                try:
                    server.wait(timeout=STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    os.killpg(server.pid, signal.SIGKILL)
                    server.wait()
            shutil.rmtree(env["STATIC_ROOT"], ignore_errors=True)


class PeakMemory:
    """Samples the summed resident memory of the server's process tree."""

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)
        self.peak = 0
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self) -> None:
        while self.running:
            try:
                processes = [self.root, *self.root.children(recursive=True)]
                self.peak = max(self.peak, sum(p.memory_info().rss for p in processes if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(0.05)

    def stop(self) -> int:
        self.running = False
        self.thread.join()
        return self.peak
