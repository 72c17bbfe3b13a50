"""Production configuration and serving, as an operator meets them: `manage.py check --deploy`,
refusals with one clear line, and `make serve` answering real HTTP with compressed static files."""

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from tests.test_worker import _test_database_url

BASE_DIR = Path(settings.BASE_DIR)


def production_env(**overrides: str) -> dict[str, str]:
    """The environment of a production host: only what the README's Configuration table lists."""
    env = {
        "PATH": os.environ["PATH"],
        "HIAT_IGNORE_DOTENV": "1",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": "postgres://hiat:secret@db.internal:5432/hiat",
        "ALLOWED_HOSTS": "hiat.example.org",
        "CSRF_TRUSTED_ORIGINS": "https://hiat.example.org",
        "EMAIL_HOST": "smtp.example.org",
        "ACCESSIBILITY_CONTACT_EMAIL": "accessibility@trust.nhs.example",
    }
    env.update(overrides)
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


# Everything `make serve` runs (gunicorn with the site, the task worker, a report render),
# imported with production settings; the modules only the local run or checks use are left out.
_PRODUCTION_IMPORTS = """
import importlib, json, pkgutil, sys
from importlib import metadata
import django
django.setup()
LEFT_OUT = {"hiat_site.settings_test", "hiat_site.settings_typecheck", "hiat_site.localdb"}
for package in ("hiat_site", "accounts", "assessments", "toolkit_content", "workshops"):
    for module in pkgutil.walk_packages([package], prefix=package + "."):
        if module.name not in LEFT_OUT:
            importlib.import_module(module.name)
for name in ("gunicorn.app.wsgiapp", "gunicorn.workers.gthread", "honcho.manager", "whitenoise.storage",
             "django_tasks_db.management.commands.db_worker", "hiat_site.wsgi"):
    importlib.import_module(name)
from assessments import docx, pdf
pdf.pdf_from_html("<h1>Report</h1>")
docx.Document()
providers = metadata.packages_distributions()
used = {dist for module in list(sys.modules) for dist in providers.get(module.split(".")[0], [])}
print(json.dumps(sorted(used)))
"""


def _locked_names(lock: Path) -> set[str]:
    return {
        re.sub(r"[-_.]+", "-", line.split("==")[0]).lower()
        for line in lock.read_text().splitlines()
        if re.match(r"^[A-Za-z0-9]", line)
    }


def test_production_runs_on_the_production_lock_alone():
    """A production host installs requirements.lock only (make install-production): nothing the
    service imports may come from the development lock (test tools, the local run's server)."""
    result = subprocess.run(
        [sys.executable, "-c", _PRODUCTION_IMPORTS],
        cwd=BASE_DIR,
        env=production_env(DJANGO_SETTINGS_MODULE="hiat_site.settings", PYTHONPATH=str(BASE_DIR)),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    used = {re.sub(r"[-_.]+", "-", name).lower() for name in json.loads(result.stdout.splitlines()[-1])}
    production = _locked_names(BASE_DIR / "requirements.lock")
    development_only = _locked_names(BASE_DIR / "requirements-dev.lock") - production
    assert "weasyprint" in used and "gunicorn" in used  # the check saw the service at work
    assert used & development_only == set()
    # pip and setuptools come with every virtual environment (setuptools' start-up hook is
    # imported by any Python started in one).
    assert used - production - {"pip", "setuptools"} == set()


def test_deploy_checks_find_nothing_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("backend", ["console", "filebased", "locmem", "dummy"])
def test_production_refuses_an_email_backend_that_does_not_deliver(backend):
    env = production_env(EMAIL_BACKEND=f"django.core.mail.backends.{backend}.EmailBackend")
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "does not deliver email" in result.stderr and "Traceback" not in result.stderr
    env["EMAIL_ALLOW_UNDELIVERED"] = "1"
    assert manage("check", env=env).returncode == 0


@pytest.mark.parametrize(
    "missing,message",
    [
        ("SECRET_KEY", "Set the SECRET_KEY"),
        ("DATABASE_URL", "Set DATABASE_URL"),
        ("ACCESSIBILITY_CONTACT_EMAIL", "Set the ACCESSIBILITY_CONTACT_EMAIL"),
    ],
)
def test_a_missing_setting_is_one_clear_line_not_a_traceback(missing, message):
    env = production_env()
    del env[missing]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"SESSION_IDLE_MINUTES": "0"}, "SESSION_IDLE_MINUTES must be at least 1."),
        ({"SESSION_IDLE_MINUTES": "half an hour"}, "SESSION_IDLE_MINUTES must be a whole number"),
        ({"SESSION_WARNING_MINUTES": "0"}, "SESSION_WARNING_MINUTES must be at least 1."),
        ({"SESSION_IDLE_MINUTES": "5", "SESSION_WARNING_MINUTES": "5"}, "must be less than SESSION_IDLE_MINUTES"),
    ],
)
def test_session_timings_are_checked_at_start_up(overrides, message):
    result = manage("check", env=production_env(**overrides))
    assert result.returncode != 0
    assert message in result.stderr and "Traceback" not in result.stderr
    assert manage("check", env=production_env(SESSION_IDLE_MINUTES="20", SESSION_WARNING_MINUTES="2")).returncode == 0


def test_sqlite_is_refused():
    result = manage("check", env=production_env(DATABASE_URL="sqlite:///db.sqlite3"))
    assert result.returncode != 0 and "PostgreSQL" in result.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers, method=headers.pop("method", "GET"))
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback only)
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def served(transactional_db, tmp_path):
    """`make serve` on a free loopback port, on the test database, until the test ends."""
    port = _free_port()
    env = production_env(
        DATABASE_URL=_test_database_url(),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_ALLOW_UNDELIVERED="1",
        EMAIL_FILE_PATH=str(tmp_path / "mail"),
        STATIC_ROOT=str(tmp_path / "static"),
        PORT=str(port),
    )
    process = subprocess.Popen(
        ["make", "--no-print-directory", "serve"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if _get(base + "/healthz")[0] == 200:
                break
        except OSError:
            time.sleep(0.3)
    yield base, process
    os.killpg(process.pid, signal.SIGTERM)
    output = process.communicate(timeout=30)[0].decode()
    # Two background workers: one can make a long report while the other sends emails.
    assert "worker.1" in output and "worker.2" in output and "Starting worker" in output, output[-3000:]


def test_make_serve_serves_pages_and_compressed_immutable_static_files(served):
    base, process = served
    assert process.poll() is None, "make serve exited early"
    status, headers, body = _get(base + "/")
    assert status == 200 and headers["Server"].startswith("gunicorn")
    assert "Content-Security-Policy" in headers

    status, headers, body = _get(base + "/", method="HEAD")
    assert status == 200 and body == b""

    page = _get(base + "/")[2].decode()
    stylesheets = re.findall(r'href="(/static/[^"]+\.css)"', page)
    assert stylesheets and all(re.search(r"\.[0-9a-f]{12}\.css$", url) for url in stylesheets), stylesheets
    for url in stylesheets:
        plain_status, plain_headers, plain = _get(base + url)
        status, headers, compressed = _get(base + url, **{"Accept-Encoding": "br, gzip"})
        assert status == plain_status == 200
        assert headers["Content-Encoding"] in {"br", "gzip"}
        assert len(compressed) < len(plain) / 2
        assert "immutable" in headers["Cache-Control"] and "max-age=315360000" in headers["Cache-Control"]

    status, headers, body = _get(base + "/favicon.ico")
    assert status == 200 and body[:4] == b"\x00\x00\x01\x00"
