"""Small helpers the tests share: what a person would type into each question, and what they see."""

import html
import re

from django.test import Client
from django.urls import reverse

from toolkit_content.models import Question, Section


def answer_for(question: Question) -> str | list[str]:
    """A recognisable answer for any question: text naming its key, or real choice values."""
    if question.answer_type == Question.AnswerType.LONG_TEXT:
        return f"Answer to {question.key}.\n\nSecond paragraph for {question.number}."
    if question.answer_type == Question.AnswerType.SINGLE_CHOICE:
        return question.choices[0]["value"]
    return [c["value"] for c in question.choices[:2]]


def section_post_data(section: Section, *, button: str = "continue") -> dict[str, object]:
    data: dict[str, object] = {question.key: answer_for(question) for question in section.questions.all()}
    data[button] = ""
    return data


def details_post_data(**overrides: object) -> dict[str, object]:
    data = {
        "title": "Falls prevention in Eastborough",
        "organisation": "Eastborough Council",
        "work_type": "implementation",
        "work_type_other": "",
        "description": "Strength and balance classes in community centres.",
        "population_and_place": "People over 65 in Eastborough.",
        "lead_and_team": "Priya Shah (lead)",
        "public_advisers": "planned",
        "start_date_0": "1",
        "start_date_1": "4",
        "start_date_2": "2027",
        "review_date_0": "1",
        "review_date_1": "10",
        "review_date_2": "2027",
    }
    data.update(overrides)
    return data


def run_queued_tasks() -> int:
    """Run every queued background task with the worker's own loop, in this process; return how many.

    tests/test_worker.py proves the same tasks run in a separate `manage.py db_worker`
    process; this keeps the other tests fast and inside their transaction.
    """
    from unittest import mock

    from django_tasks_db.management.commands import db_worker
    from django_tasks_db.models import DBTaskResult

    # Counted by finished tasks: a task may queue another (e.g. a deletion for later).
    finished = DBTaskResult.objects.exclude(status__in=["READY", "RUNNING"])
    before = finished.count()
    # The worker closes stale connections between tasks, as a long-running process should;
    # here that would close the test's own transaction.
    with mock.patch.object(db_worker, "close_old_connections", lambda: None):
        _run_worker_batch(db_worker.Worker)
    return finished.count() - before


def _run_worker_batch(worker_class: type) -> None:
    worker_class(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()


def sign_in(client: Client, email: str, password: str) -> bool:
    """Sign in through the sign-in page, as a person does; True if it worked.

    Client.login() calls authenticate() without a request, which the sign-in throttle
    (django-axes) refuses: every real sign-in has a request to count against.
    """
    response = client.post(reverse("login"), {"username": email, "password": password})
    return response.status_code == 302


def error_summary(page: str) -> list[str]:
    """The messages in the page's "There is a problem" box, as a person reads them, in order."""
    box = re.search(r'<ul class="govuk-list govuk-error-summary__list">(.*?)</ul>', page, re.S)
    if box is None:
        return []
    return [html.unescape(re.sub(r"<[^>]+>", "", item)).strip() for item in re.findall(r"<li>(.*?)</li>", box[1], re.S)]
