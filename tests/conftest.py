"""The cast and the content every test can use.

alice owns assessments, charlie is an outsider with an account of his own. The shipped
HIAT content file is loaded once per test that asks for it, exactly as `make run` loads it.
"""

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any, TypedDict

import pytest
from django.conf import settings
from django.test import Client

from accounts.models import User
from assessments import pdf as report_pdf_module
from assessments import tasks as report_tasks
from assessments.models import Assessment
from assessments.sandbox import Limits, Usage, run_limited
from assessments.services import assessment_create
from tests.helpers import ClientResponse
from toolkit_content.loader import read_file, toolkit_load
from toolkit_content.models import ToolkitVersion
from workshops.models import Workshop

CONTENT_FILE = Path(settings.BASE_DIR) / "toolkit_content" / "data" / "hiat.yaml"
PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def toolkit_version(db: None) -> ToolkitVersion:
    return toolkit_load(content=read_file(CONTENT_FILE)).version


@pytest.fixture
def alice(db: None) -> User:
    return User.objects.create_user("alice@example.org", PASSWORD, display_name="Alice Owner")


@pytest.fixture
def charlie(db: None) -> User:
    return User.objects.create_user("charlie@example.org", PASSWORD, display_name="Charlie Outsider")


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def alice_client(alice: User) -> Client:
    return client_for(alice)


@pytest.fixture
def charlie_client(charlie: User) -> Client:
    return client_for(charlie)


class Details(TypedDict):
    """An assessment's project details, as assessment_create() takes them."""

    title: str
    organisation: str
    work_type: str
    work_type_other: str
    description: str
    population_and_place: str
    lead_and_team: str
    public_advisers: str
    start_date: date | None
    review_date: date | None


DETAILS: Details = {
    "title": "Welfare advice in GP practices",
    "organisation": "Eastborough Council and Eastborough Primary Care Network",
    "work_type": "service_change",
    "work_type_other": "",
    "description": "Welfare-rights advisers in four GP practices.",
    "population_and_place": "Adults in the most deprived wards of Eastborough.",
    "lead_and_team": "Sam Lee (lead), two advisers, two public advisers.",
    "public_advisers": "yes",
    "start_date": None,
    "review_date": None,
}


@pytest.fixture
def assessment(alice: User, toolkit_version: ToolkitVersion) -> Assessment:
    return assessment_create(owner=alice, details=dict(DETAILS))


class RenderCounter:
    renders = 0


@pytest.fixture
def counting_renders(monkeypatch: pytest.MonkeyPatch) -> RenderCounter:
    """Counts report layouts, in this process (render_report_pdf) and in the worker's render processes.

    WeasyPrint's write_pdf() lays the document out again through render(), so render()
    is what is counted. A render process is a fork of this one: its own count is lost with
    it, so the launch of each PDF render process is counted here instead.
    """
    counter = RenderCounter()

    class CountingHTML(report_pdf_module.HTML):
        def render(self, *args: Any, **kwargs: Any) -> Any:
            counter.renders += 1
            return super().render(*args, **kwargs)

    def counting_run_limited(fn: Callable[..., Any], *args: Any, limits: Limits) -> tuple[Any, Usage]:
        if fn is report_pdf_module.pdf_from_html:
            counter.renders += 1
        return run_limited(fn, *args, limits=limits)

    monkeypatch.setattr(report_pdf_module, "HTML", CountingHTML)
    monkeypatch.setattr(report_tasks, "run_limited", counting_run_limited)
    return counter


@contextlib.contextmanager
def worker_process(**settings_env: str) -> Iterator[subprocess.Popen[bytes]]:
    """A real `manage.py db_worker` process on the test database until the block ends, with
    these settings from its environment (REPORT_RENDER_MEMORY_MB="50", ...)."""
    from tests.processes import database_url_for_other_processes

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hiat_site.settings_test",
        "DATABASE_URL": database_url_for_other_processes(),
        # The settle time as this test set it before the worker started (render_settled
        # reads it in the worker).
        "TEST_REPORT_SETTLE_SECONDS": str(settings.REPORT_SETTLE_SECONDS),
        **settings_env,
    }
    process = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.2", "--no-startup-delay"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=60)[0].decode()
    assert process.returncode == 0, output[-3000:]


@pytest.fixture
def report_worker(transactional_db: None) -> Iterator[subprocess.Popen[bytes]]:
    """A real `manage.py db_worker` process on the test database, until the test ends."""
    with worker_process() as process:
        yield process


# --- Workshops: tara runs workshops, trevor is another trainer -----------------------------


def make_trainer(email: str, name: str) -> User:
    from django.contrib.auth.models import Group

    from workshops.models import TRAINERS_GROUP

    user = User.objects.create_user(email, PASSWORD, display_name=name)
    user.groups.add(Group.objects.get_or_create(name=TRAINERS_GROUP)[0])
    return user


@pytest.fixture
def tara(db: None) -> User:
    return make_trainer("tara@example.org", "Tara Trainer")


@pytest.fixture
def trevor(db: None) -> User:
    return make_trainer("trevor@example.org", "Trevor Othertrainer")


def make_workshop(
    trainer: User, toolkit_version: ToolkitVersion, *, group_names: list[str] | None = None, **overrides: object
) -> Workshop:
    from django.utils import timezone

    from workshops.services import workshop_create

    details = {
        "name": "HIAT in practice, Eastborough",
        "starts_at": timezone.now(),
        "description": "",
        "toolkit_version": toolkit_version,
        "mode": Workshop.Mode.INDIVIDUAL,
        "case_study": None,
        "capacity": 30,
        **overrides,
    }
    return workshop_create(trainer=trainer, details=details, group_names=list(group_names or []))


@pytest.fixture
def workshop(tara: User, toolkit_version: ToolkitVersion) -> Workshop:
    return make_workshop(tara, toolkit_version)


def join_as(
    workshop: Workshop, name: str, *, client: Client | None = None, group: object = None, ip: str = "127.0.0.1"
) -> tuple[Client, ClientResponse]:
    """Join through the join page as a person does; returns (the client now signed in, the response)."""
    from django.urls import reverse

    client = client or Client(REMOTE_ADDR=ip)
    data: dict[str, object] = {"display_name": name}
    if group is not None:
        data["group"] = group
    response = client.post(reverse("join_code", args=[workshop.join_code]), data)
    return client, response
