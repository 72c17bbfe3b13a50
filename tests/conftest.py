"""The cast and the content every test can use.

alice owns assessments, charlie is an outsider with an account of his own. The shipped
HIAT content file is loaded once per test that asks for it, exactly as `make run` loads it.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from accounts.models import User
from assessments import pdf as report_pdf_module
from assessments.models import Assessment
from assessments.services import assessment_create
from toolkit_content.loader import read_file, toolkit_load
from toolkit_content.models import ToolkitVersion

CONTENT_FILE = Path(settings.BASE_DIR) / "toolkit_content" / "data" / "hiat.yaml"
PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def toolkit_version(db) -> ToolkitVersion:
    return toolkit_load(content=read_file(CONTENT_FILE)).version


@pytest.fixture
def alice(db) -> User:
    return User.objects.create_user("alice@example.org", PASSWORD, display_name="Alice Owner")


@pytest.fixture
def charlie(db) -> User:
    return User.objects.create_user("charlie@example.org", PASSWORD, display_name="Charlie Outsider")


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def alice_client(alice) -> Client:
    return client_for(alice)


@pytest.fixture
def charlie_client(charlie) -> Client:
    return client_for(charlie)


DETAILS = {
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
def assessment(alice, toolkit_version) -> Assessment:
    return assessment_create(owner=alice, details=dict(DETAILS))


class CountingHTML(report_pdf_module.HTML):
    """Counts layouts: WeasyPrint's write_pdf() lays the document out again through render()."""

    renders = 0

    def render(self, *args, **kwargs):
        type(self).renders += 1
        return super().render(*args, **kwargs)


@pytest.fixture
def counting_renders(monkeypatch):
    CountingHTML.renders = 0
    monkeypatch.setattr(report_pdf_module, "HTML", CountingHTML)
    return CountingHTML
