"""Small helpers the tests share: what a person would type into each question, and what they see."""

import html
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, TypeVar, cast

from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import LAST_ACTIVITY
from accounts.models import User
from assessments.models import AnswerRevision
from toolkit_content.models import Question, Section

T = TypeVar("T")

if TYPE_CHECKING:
    # What the test client returns: a response that also carries its request (wsgi_request),
    # templates and context. django-stubs names it for type checking only.
    from django.test.client import _MonkeyPatchedWSGIResponse as ClientResponse
else:
    from django.http import HttpResponseBase as ClientResponse


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
    data: dict[str, object] = {
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


def author_name(revision: AnswerRevision) -> str:
    """The name of the person who wrote a revision (an account deleted since leaves none)."""
    assert revision.author is not None, f"revision {revision.version} has no author"
    return revision.author.display_name


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


def download_report(client: Client, url: str) -> ClientResponse:
    """Download a report file as a person does when it is not made yet: the link answers 303 to
    the "being prepared" page, the worker makes the file, and the link then serves it."""
    first = client.get(url)
    if first.status_code != 303:
        return first
    assert "/report/preparing/" in first["Location"], first["Location"]
    run_queued_tasks()
    return client.get(url)


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


def text_of(fragment: str) -> str:
    """What a person reads in a piece of HTML: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


@dataclass(frozen=True)
class SeenTask:
    title: str
    href: str
    hint: str
    status: str
    tag_class: str  # the status tag's classes; "" when the status is plain text


def task_list_row(page: str, row_id: str) -> SeenTask:
    """One row of the task list (ids as the template writes them: "details", "section-2", ...)."""
    link = re.search(rf'href="([^"]*)" aria-describedby="{row_id}-status[^"]*">(.*?)</a>', page, re.S)
    hint = re.search(rf'<div id="{row_id}-hint"[^>]*>(.*?)</div>', page, re.S)
    status = re.search(rf'<div class="govuk-task-list__status" id="{row_id}-status">(.*?)</div>', page, re.S)
    assert link and status, f"no task list row {row_id!r}"
    tag = re.search(r'<strong class="([^"]*)"', status[1])
    return SeenTask(
        title=text_of(link[2]),
        href=html.unescape(link[1]),
        hint=text_of(hint[1]) if hint else "",
        status=text_of(status[1]),
        tag_class=tag[1] if tag else "",
    )


def progress_sentence(page: str) -> str:
    """The task list's sentence on overall progress, e.g. "In progress. You have answered 1 of 26 ..."."""
    found = re.search(r'<p class="govuk-body app-progress">(.*?)</p>', page, re.S)
    assert found, "no progress sentence on the page"
    return text_of(found[1])


def assessment_list_row(page: str, title: str) -> dict[str, str]:
    """The "Your assessments" table row for the assessment titled title, cell by column heading."""
    head = re.search(r'<thead class="govuk-table__head">(.*?)</thead>', page, re.S)
    assert head, "no assessments table on the page"
    columns = [text_of(cell) for cell in re.findall(r"<th [^>]*>(.*?)</th>", head[1], re.S)]
    for row in re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', page, re.S):
        cells = [text_of(cell) for cell in re.findall(r"<t[hd] [^>]*>(.*?)</t[hd]>", row, re.S)]
        if cells and cells[0] == title and len(cells) == len(columns):
            hrefs = re.findall(r'href="([^"]*)"', row)
            return dict(zip(columns, cells, strict=True)) | {"href": html.unescape(hrefs[0])}
    raise AssertionError(f"no row for {title!r} in the assessments table")


@dataclass(frozen=True)
class SeenSummaryRow:
    key: str
    value: str
    action: str  # the first link's text a person sees, e.g. "Change question 1.2"
    href: str
    # Every link in the row's actions, (text, href), e.g. Change and then History.
    actions: tuple[tuple[str, str], ...] = ()


def summary_rows(page: str) -> list[SeenSummaryRow]:
    """The rows of the check-your-answers list, in order ("" action for a row without links)."""
    rows = []
    for row in re.findall(r'<div class="govuk-summary-list__row[^"]*">(.*?</dd>)\s*</div>', page, re.S):
        key = re.search(r'<dt class="govuk-summary-list__key">(.*?)</dt>', row, re.S)
        value = re.search(r'<dd class="govuk-summary-list__value">(.*?)</dd>', row, re.S)
        assert key and value, row
        box = re.search(r'<dd class="govuk-summary-list__actions">(.*)', row, re.S)
        links = re.findall(r'<a [^>]*href="([^"]*)">(.*?)</a>', box[1], re.S) if box else []
        actions = tuple((text_of(text), html.unescape(href)) for href, text in links)
        first = actions[0] if actions else ("", "")
        rows.append(SeenSummaryRow(text_of(key[1]), text_of(value[1]), first[0], first[1], actions))
    return rows


def hidden_inputs(page: str) -> dict[str, str]:
    """The hidden inputs of a page (name -> value), as a browser would send them back."""
    found = {}
    for tag in re.findall(r"<input\b[^>]*>", page):
        if 'type="hidden"' in tag:
            name = re.search(r'name="([^"]*)"', tag)
            value = re.search(r'value="([^"]*)"', tag)
            if name:
                found[html.unescape(name.group(1))] = html.unescape(value.group(1)) if value else ""
    return found


def section_page_data(client: Client, url: str) -> dict[str, object]:
    """What a browser would post back from the section page unchanged: its hidden inputs and answers."""
    page = client.get(url).content.decode()
    data: dict[str, object] = {k: v for k, v in hidden_inputs(page).items() if k != "csrfmiddlewaretoken"}
    for name, text in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S):
        data[name] = html.unescape(text.removeprefix("\n"))
    for tag in re.findall(r"<input\b[^>]*\bchecked\b[^>]*>", page):
        name_found = re.search(r'name="([^"]*)"', tag)
        value_found = re.search(r'value="([^"]*)"', tag)
        assert name_found and value_found, tag
        name = html.unescape(name_found.group(1))
        value = html.unescape(value_found.group(1))
        existing = data.get(name)
        data[name] = [*existing, value] if isinstance(existing, list) else ([existing, value] if existing else [value])
    return data


def make_content_editor(email: str = "cora@example.org") -> User:
    """A member of staff in the "Content editors" group (made by a migration; tests that flush
    the database, such as the browser tests, get it made again here with the same permissions)."""
    from django.contrib.auth.models import Group, Permission

    group, created = Group.objects.get_or_create(name="Content editors")
    if created:
        group.permissions.set(Permission.objects.filter(content_type__app_label="toolkit_content"))
    user = User.objects.create_user(email, "correct-horse-battery-staple", display_name="Cora Content", is_staff=True)
    user.groups.add(group)
    return user


def assert_access(response: ClientResponse, expected: object, *, secrets: list[str]) -> None:
    """Check one cell of an access matrix: "sign-in" (sent to the sign-in page), "ok" (the page,
    or a redirect onwards that is not to sign-in: 200, 302, 303) or exactly this status.

    A refusal (403, 404, 405) must show none of `secrets` (an assessment's title, a workshop's
    name and code): refused people learn nothing about what they asked for.
    """
    status = response.status_code
    if expected == "sign-in":
        assert status == 302 and response["Location"].startswith(reverse("login")), response
    elif expected == "ok":
        assert status in (200, 302, 303), status
        if status in (302, 303):
            assert not response["Location"].startswith(reverse("login"))
    else:
        assert status == expected, status
    if status in (403, 404, 405):
        page = response.content.decode()
        assert not [secret for secret in secrets if secret in page]


def at_once(count: int, work: Callable[[int], T]) -> list[T]:
    """Run `work(i)` in `count` threads released together, each with its own database
    connection (so the test needs `transaction=True`). If any raised, the first such
    exception is raised here, once every thread has finished."""
    barrier = threading.Barrier(count)
    results: list[T | BaseException] = [RuntimeError("did not finish")] * count

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = work(i)
        except Exception as error:  # noqa: BLE001 (raised below, in the test's thread)
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return cast(list[T], results)


def idle_too_long(client: Client) -> None:
    """Make the client's session look untouched for longer than the idle limit (30 minutes)."""
    session = client.session
    session[LAST_ACTIVITY] = (timezone.now() - timedelta(minutes=31)).isoformat()
    session.save()
