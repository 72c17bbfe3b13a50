"""The background worker is a real process: `manage.py db_worker` picks up what the web queued."""

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from django.conf import settings
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from tests.conftest import PASSWORD
from tests.helpers import sign_in
from tests.processes import database_url_for_other_processes

_test_database_url = database_url_for_other_processes


@pytest.fixture
def worker(transactional_db, tmp_path):
    """A `manage.py db_worker` process on the test database, writing emails to files."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hiat_site.settings",
        "DATABASE_URL": _test_database_url(),
        "DEBUG": "0",
        "SECRET_KEY": settings.SECRET_KEY,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_ALLOW_UNDELIVERED": "1",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
    }
    process = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.2", "--no-startup-delay"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    yield tmp_path / "mail"
    process.send_signal(signal.SIGTERM)
    output = process.communicate(timeout=20)[0].decode()
    assert process.returncode == 0, output


T = TypeVar("T")


def _wait_for(condition: Callable[[], T], timeout: float = 20.0) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.1)
    raise AssertionError("timed out waiting for the worker")


def _sent_emails(folder: Path) -> list[str]:
    return [path.read_text() for path in folder.glob("*.log")] if folder.exists() else []


def test_password_reset_email_is_sent_by_the_worker_process(worker, client, alice):
    response = client.post(reverse("password_reset"), {"email": "alice@example.org"})
    assert response["Location"] == reverse("password_reset_done")

    (email,) = _wait_for(lambda: _sent_emails(worker))
    assert "To: alice@example.org" in email
    _wait_for(lambda: DBTaskResult.objects.filter(status="SUCCESSFUL").exists())

    found = re.search(r"http://testserver(/accounts/reset/\S+)", email)
    assert found is not None
    link = found.group(1)
    form_url = client.get(link)["Location"]
    new_password = PASSWORD + "-changed"
    response = client.post(form_url, {"new_password1": new_password, "new_password2": new_password})
    assert response["Location"] == reverse("password_reset_complete")
    assert sign_in(client, "alice@example.org", new_password)
