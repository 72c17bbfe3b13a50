"""The demo account of `make run` and the example assessment it starts with."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from accounts.models import User
from assessments.example import SECTION_1_ANSWERS
from assessments.management.commands.create_demo import DEMO_EMAIL, DEMO_PASSWORD
from tests.helpers import sign_in, task_list_row


def run_create_demo() -> str:
    out = io.StringIO()
    call_command("create_demo", stdout=out)
    return out.getvalue()


def test_create_demo_makes_an_account_with_the_example_assessment(toolkit_version):
    output = run_create_demo()
    assert DEMO_EMAIL in output and DEMO_PASSWORD in output and "example assessment" in output
    client = Client()
    assert sign_in(client, DEMO_EMAIL, DEMO_PASSWORD)
    (example,) = User.objects.get(email=DEMO_EMAIL).assessments.all()
    assert [c.section.number for c in example.completions.all()] == [1]
    task_list = client.get(reverse("assessment_task_list", args=[example.pk])).content.decode()
    assert task_list_row(task_list, "section-1").status == "Completed"
    assert task_list_row(task_list, "section-2").status == "Not started"
    preview = client.get(reverse("assessment_report", args=[example.pk])).content.decode()
    causes = SECTION_1_ANSWERS["s1_causes"]
    assert isinstance(causes, str)
    assert causes in preview


def test_create_demo_again_resets_the_password_and_keeps_the_demo_work(toolkit_version):
    run_create_demo()
    user = User.objects.get(email=DEMO_EMAIL)
    user.set_password("changed-by-someone-2026")
    user.save()
    user.assessments.update(title="Renamed by the demo user")
    output = run_create_demo()
    assert "example assessment" not in output
    assert sign_in(Client(), DEMO_EMAIL, DEMO_PASSWORD)
    assert [a.title for a in user.assessments.all()] == ["Renamed by the demo user"]


@pytest.mark.django_db
def test_create_demo_before_the_toolkit_is_loaded_says_what_to_do():
    with pytest.raises(CommandError, match="load_toolkit"):
        run_create_demo()
