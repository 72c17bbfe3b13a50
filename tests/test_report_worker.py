"""Report files are made by the worker, once per revision, before anyone clicks if edits have
settled; the web serves them, from any app process, and never renders."""

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import TypeVar, cast
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from pytest_django import Settings

from accounts.models import User
from accounts.tasks import send_password_reset
from assessments import renders
from assessments.models import Assessment, ReportRender
from assessments.services import section_answers_save
from assessments.tasks import CLICKED_PRIORITY, SETTLED_PRIORITY, render_settled
from tests.conftest import client_for
from tests.helpers import download_report, run_queued_tasks
from tests.report_helpers import pdf_text
from tests.test_production import _free_port, _get, production_env
from tests.test_report_size import save_every_long_answer
from tests.test_worker import _test_database_url

RENDER_TASK = "assessments.tasks.render_report"
SETTLED_TASK = "assessments.tasks.render_settled"


T = TypeVar("T")


def wait_for(condition: Callable[[], T], timeout: float = 120.0, what: str = "the worker") -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def ready(assessment: Assessment, kind: str = "pdf") -> ReportRender | None:
    return ReportRender.objects.defer("content").filter(assessment=assessment, kind=kind, status="ready").first()


def save_one_answer(assessment: Assessment, user: User, text: str) -> None:
    section = assessment.toolkit_version.sections.get(number=1)
    question = section.questions.filter(answer_type="long_text").first()
    assert question is not None
    section_answers_save(assessment=assessment, section=section, values={question.key: text}, user=user)
    assessment.refresh_from_db()


# --- The web process never renders -------------------------------------------------------

WEB_PROCESS = """
import json, os, sys
import django
django.setup()
from django.test import Client
from django.urls import reverse
from assessments.models import Assessment
from accounts.models import User
assessment = Assessment.objects.get()
client = Client()
client.force_login(User.objects.get(email="alice@example.org"))
statuses = {}
for name in ["assessment_task_list", "assessment_report", "assessment_report_pdf", "assessment_report_docx",
             "assessment_report_preparing", "assessment_report_status", "assessment_export"]:
    statuses[name] = client.get(reverse(name, args=[assessment.pk])).status_code
client.post(reverse("section", args=[assessment.pk, 1]), {"s1_problem": "Saved from the web.", "later": ""})
loaded = sorted(m for m in sys.modules if m.split(".")[0] in {"weasyprint", "docx", "pydyf", "cairocffi", "pango"})
print(json.dumps({"statuses": statuses, "loaded": loaded, "pdf": "assessments.pdf" in sys.modules}))
"""


def test_the_web_process_never_loads_a_renderer(transactional_db, assessment, alice):
    """A fresh process serves every report URL and a save: WeasyPrint and python-docx are never imported."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hiat_site.settings_test", "DATABASE_URL": _test_database_url()}
    result = subprocess.run(
        [sys.executable, "-c", WEB_PROCESS],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["statuses"]["assessment_report_pdf"] == 303  # queued for the worker, not rendered
    assert seen["statuses"]["assessment_report_docx"] == 303
    assert all(status in (200, 303) for status in seen["statuses"].values()), seen
    assert seen["loaded"] == [] and seen["pdf"] is False, seen
    assert ReportRender.objects.filter(assessment=assessment, status="queued").count() == 2


# --- Rendered before anyone clicks -----------------------------------------------------


def test_every_change_asks_for_the_files_once_edits_settle_at_a_low_priority(assessment, alice, settings):
    settings.REPORT_SETTLE_SECONDS = 15
    before = timezone.now()
    save_one_answer(assessment, alice, "First words.")
    (settle,) = DBTaskResult.objects.filter(task_path=SETTLED_TASK)
    assert settle.priority == SETTLED_PRIORITY
    assert before + timedelta(seconds=15) <= settle.run_after <= timezone.now() + timedelta(seconds=15)
    assert settle.args_kwargs["kwargs"] == {"assessment_id": str(assessment.pk)}
    assert run_queued_tasks() == 0  # not before the settle time


def test_a_burst_of_changes_queues_one_settled_render(assessment, alice, settings):
    settings.REPORT_SETTLE_SECONDS = 15
    for words in ("One.", "Two.", "Three.", "Four."):
        save_one_answer(assessment, alice, words)
    assert DBTaskResult.objects.filter(task_path=SETTLED_TASK).count() == 1
    assert Assessment.objects.get(pk=assessment.pk).settled_render_queued


def test_the_settled_render_puts_itself_back_until_edits_settle(assessment, alice, settings):
    settings.REPORT_SETTLE_SECONDS = 15
    save_one_answer(assessment, alice, "Still typing.")
    outcome = render_settled.call(assessment_id=str(assessment.pk))
    assert outcome == "edits not settled: asked again"
    (again,) = DBTaskResult.objects.filter(task_path=SETTLED_TASK, status="READY").order_by("-enqueued_at")[:1]
    assessment.refresh_from_db()
    assert again.run_after == assessment.updated_at + timedelta(seconds=15)
    assert not ReportRender.objects.filter(assessment=assessment).exists()


def test_a_settled_render_clears_the_mark_so_the_next_change_queues_again(assessment, alice, settings):
    settings.REPORT_SETTLE_SECONDS = 0
    save_one_answer(assessment, alice, "First.")
    assert run_queued_tasks() == 1
    assert not Assessment.objects.get(pk=assessment.pk).settled_render_queued
    assert ready(assessment) and ready(assessment, "docx")
    save_one_answer(assessment, alice, "Second.")
    assert DBTaskResult.objects.filter(task_path=SETTLED_TASK, status="READY").count() == 1


def test_a_change_while_the_mark_is_cleared_is_not_missed(assessment, alice, settings):
    """A change that lands between the task reading the assessment and clearing the mark saw
    the mark set and queued nothing: the task must not clear it, and asks again instead."""
    settings.REPORT_SETTLE_SECONDS = 0
    save_one_answer(assessment, alice, "First.")
    calls: list[int] = []

    def settle_time_with_a_change_slipping_in() -> timedelta:
        # Called after the task has read the assessment and before it clears the mark.
        if not calls:
            save_one_answer(assessment, alice, "Slipped in.")
        calls.append(1)
        return timedelta(0)

    with mock.patch("assessments.tasks._settle_time", settle_time_with_a_change_slipping_in):
        outcome = render_settled.call(assessment_id=str(assessment.pk))
    assert outcome == "changed meanwhile: asked again"
    assert Assessment.objects.get(pk=assessment.pk).settled_render_queued
    assert run_queued_tasks() >= 1
    render = ready(assessment)
    assert render is not None
    assert "Slipped in." in pdf_text(bytes(render.content))


def test_a_mark_left_by_a_lost_task_is_not_trusted(assessment, alice, settings):
    settings.REPORT_SETTLE_SECONDS = 15
    Assessment.objects.filter(pk=assessment.pk).update(
        settled_render_queued=True, updated_at=timezone.now() - timedelta(minutes=11)
    )
    save_one_answer(assessment, alice, "After the worker stopped.")
    assert DBTaskResult.objects.filter(task_path=SETTLED_TASK).count() == 1
    save_one_answer(assessment, alice, "And again.")  # now the mark is fresh
    assert DBTaskResult.objects.filter(task_path=SETTLED_TASK).count() == 1


def test_clicks_and_emails_come_before_files_made_unasked(alice_client, assessment, alice, settings):
    settings.REPORT_SETTLE_SECONDS = 0
    save_one_answer(assessment, alice, "Words.")  # a settled render, due now
    alice_client.get(reverse("assessment_report_pdf", args=[assessment.pk]))  # a click
    send_password_reset.enqueue(email="alice@example.org", domain="testserver", use_https=True)
    order = [t.task_path for t in DBTaskResult.objects.ready()]  # the order the worker takes them in
    assert order == ["accounts.tasks.send_password_reset", RENDER_TASK, SETTLED_TASK]
    assert CLICKED_PRIORITY > SETTLED_PRIORITY


@pytest.fixture
def settle_in_one_second(settings: Settings) -> None:
    """Before report_worker, so that the worker process settles in one second too."""
    settings.REPORT_SETTLE_SECONDS = 1


@pytest.mark.django_db(transaction=True)
def test_a_save_then_the_settle_time_leaves_the_files_ready_and_a_click_is_served_at_once(
    assessment, alice, settle_in_one_second, report_worker
):
    for words in ("One.", "Two.", "Three."):  # quick edits: only the last revision is made
        save_one_answer(assessment, alice, words)
    made = wait_for(lambda: ready(assessment) and ready(assessment, "docx"), what="the settled files")
    assert made
    renders_made = ReportRender.objects.filter(assessment=assessment)
    assert sorted(renders_made.values_list("kind", "revision", "attempts")) == [
        ("docx", assessment.revision, 1),
        ("pdf", assessment.revision, 1),
    ]
    # What each settled-render task returned: a sentence saying what it did.
    settled = cast(
        list[str], list(DBTaskResult.objects.filter(task_path=SETTLED_TASK).values_list("return_value", flat=True))
    )
    # One task for the burst (two if it ran before the last edit had settled and put itself back).
    assert len(settled) <= 2 and sum("ready" in outcome for outcome in settled) == 1, settled

    client = client_for(alice)
    started = time.monotonic()
    response = client.get(reverse("assessment_report_pdf", args=[assessment.pk]))
    assert response.status_code == 200 and "Three." in pdf_text(response.content)
    assert time.monotonic() - started < 2
    assert not DBTaskResult.objects.filter(task_path=RENDER_TASK).exists()  # nothing was rendered for the click
    assert client.get(reverse("assessment_report_docx", args=[assessment.pk])).status_code == 200


# --- One render per revision, however long it takes --------------------------------------


@pytest.mark.django_db(transaction=True)
def test_clicks_on_the_largest_report_make_one_render_within_the_limits(assessment, alice, report_worker):
    """The slowest report the forms accept (417 pages, about 25 s of CPU): clicks at once, and
    clicks again all the while it renders (longer than the 20 s after which a waiting request
    used to render again), make one render, and it fits the child process's limits."""
    from assessments.models import ANSWER_MAX_LENGTH, ANSWER_MAX_LINES

    most_lines = "\n".join(["\N{GRINNING FACE}" * (ANSWER_MAX_LENGTH // ANSWER_MAX_LINES - 1)] * ANSWER_MAX_LINES)
    save_every_long_answer(assessment, alice, lambda q: most_lines)
    url = reverse("assessment_report_pdf", args=[assessment.pk])
    clients = [client_for(alice) for _ in range(3)]
    statuses: list[int] = []
    start = threading.Barrier(3)

    def click(client: Client) -> None:
        try:
            start.wait()
            statuses.append(client.get(url).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=[c]) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [303, 303, 303]

    clicked_at = time.monotonic()
    while not ready(assessment):
        assert clients[0].get(url).status_code in (200, 303)
        status = json.loads(clients[1].get(reverse("assessment_report_status", args=[assessment.pk])).content)
        assert status["status"] in ("queued", "rendering", "ready"), status
        assert time.monotonic() - clicked_at < settings.REPORT_RENDER_WALL_SECONDS, "not made in time"
        time.sleep(2)
    rendering_took = time.monotonic() - clicked_at

    (render,) = ReportRender.objects.filter(assessment=assessment, kind="pdf")
    assert render.attempts == 1 and DBTaskResult.objects.filter(task_path=RENDER_TASK).count() == 1
    assert render.pages is not None and render.cpu_seconds is not None and render.peak_memory_mb is not None
    assert 400 <= render.pages <= 600
    assert render.cpu_seconds < settings.REPORT_RENDER_CPU_SECONDS
    assert render.peak_memory_mb < settings.REPORT_RENDER_MEMORY_MB
    downloads = {client.get(url).content for client in clients}
    assert len(downloads) == 1 and next(iter(downloads)).startswith(b"%PDF")
    print(
        f"largest report: {render.pages} pages, {render.cpu_seconds} s CPU, {render.peak_memory_mb} MB, "
        f"{rendering_took:.0f} s from the click"
    )


def test_concurrent_clicks_create_one_render_and_queue_one_task(alice_client, assessment):
    """The unique constraint decides: a click that finds the row made by another queues nothing."""
    first = renders.ensure_render(assessment, "pdf")
    again = renders.ensure_render(assessment, "pdf")
    assert first.pk == again.pk
    assert DBTaskResult.objects.filter(task_path=RENDER_TASK).count() == 1


@pytest.mark.django_db(transaction=True)
def test_requests_racing_to_create_the_render_queue_one_task(assessment):
    barrier = threading.Barrier(8)
    made: list[int] = []

    def ask() -> None:
        try:
            barrier.wait()
            made.append(renders.ensure_render(Assessment.objects.get(pk=assessment.pk), "pdf").pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 8 and len(set(made)) == 1
    assert DBTaskResult.objects.filter(task_path=RENDER_TASK).count() == 1


# --- Lost, superseded, failed and pruned renders ---------------------------------------


def test_a_render_whose_worker_stopped_is_queued_again(alice_client, assessment, settings):
    url = reverse("assessment_report_pdf", args=[assessment.pk])
    alice_client.get(url)
    render = ReportRender.objects.get(assessment=assessment)
    # Its worker claimed it and was then stopped (a deploy, a crash).
    long_ago = timezone.now() - timedelta(seconds=settings.REPORT_RENDER_WALL_SECONDS + 120)
    ReportRender.objects.filter(pk=render.pk).update(status="rendering", started_at=long_ago)
    DBTaskResult.objects.filter(task_path=RENDER_TASK).update(status="RUNNING", started_at=long_ago)
    assert alice_client.get(url).status_code == 303
    assert ReportRender.objects.get(pk=render.pk).status == "queued"
    assert DBTaskResult.objects.filter(task_path=RENDER_TASK, status="READY").count() == 1
    assert download_report(alice_client, url).status_code == 200


def test_a_render_still_in_progress_is_left_alone(alice_client, assessment):
    url = reverse("assessment_report_pdf", args=[assessment.pk])
    alice_client.get(url)
    ReportRender.objects.filter(assessment=assessment).update(status="rendering", started_at=timezone.now())
    for _ in range(3):
        assert alice_client.get(url).status_code == 303
    assert DBTaskResult.objects.filter(task_path=RENDER_TASK).count() == 1


def test_a_render_whose_task_was_lost_is_queued_again(alice_client, assessment, settings):
    url = reverse("assessment_report_pdf", args=[assessment.pk])
    alice_client.get(url)
    DBTaskResult.objects.all().delete()  # e.g. pruned by hand
    assert alice_client.get(url).status_code == 303
    assert not DBTaskResult.objects.exists(), "a queue is not looked into while it is young"
    long_ago = timezone.now() - timedelta(seconds=settings.REPORT_RENDER_WALL_SECONDS + 120)
    ReportRender.objects.filter(assessment=assessment).update(queued_at=long_ago)
    assert alice_client.get(url).status_code == 303
    assert DBTaskResult.objects.filter(task_path=RENDER_TASK).count() == 1
    assert download_report(alice_client, url).status_code == 200


def test_a_revision_that_moved_on_before_the_worker_got_to_it_is_not_made(alice_client, assessment, alice):
    url = reverse("assessment_report_pdf", args=[assessment.pk])
    alice_client.get(url)
    old = ReportRender.objects.get(assessment=assessment)
    save_one_answer(assessment, alice, "Newer words.")
    run_queued_tasks()
    assert not ReportRender.objects.filter(pk=old.pk).exists()  # nothing named for the old revision
    response = download_report(alice_client, url)
    assert response.status_code == 200 and "Newer words." in pdf_text(response.content)


def test_only_the_newest_file_of_each_kind_is_kept(alice_client, assessment, alice):
    for words in ("First.", "Second."):
        save_one_answer(assessment, alice, words)
        for name in ("assessment_report_pdf", "assessment_report_docx"):
            assert download_report(alice_client, reverse(name, args=[assessment.pk])).status_code == 200
    kept = ReportRender.objects.filter(assessment=assessment)
    assert sorted(kept.values_list("kind", "revision", "status")) == [
        ("docx", assessment.revision, "ready"),
        ("pdf", assessment.revision, "ready"),
    ]


# --- The page that says the report is being prepared ------------------------------------


def test_the_preparing_page_checks_back_by_itself_or_with_a_link(alice_client, assessment):
    url = reverse("assessment_report_pdf", args=[assessment.pk])
    response = alice_client.get(url)
    assert response.status_code == 303
    page = alice_client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1" in html and "Your report is being prepared" in html
    assert 'role="status"' in html  # announced politely when it changes
    assert f'data-status-url="{reverse("assessment_report_status", args=[assessment.pk])}?kind=pdf"' in html
    assert f'<a class="govuk-link" id="report-check-again" href="{url}">Check again</a>' in html
    assert "js/report-preparing.js" in html and "<script>" not in html
    assert json.loads(alice_client.get(reverse("assessment_report_status", args=[assessment.pk])).content) == {
        "status": "queued",
        "waiting": True,
    }
    run_queued_tasks()
    assert json.loads(alice_client.get(reverse("assessment_report_status", args=[assessment.pk])).content) == {
        "status": "ready",
        "waiting": False,
    }
    # Opened again once the file is ready, the page hands over to the download.
    assert alice_client.get(response["Location"])["Location"] == url


def test_the_preparing_page_of_the_word_copy(alice_client, assessment):
    response = alice_client.get(reverse("assessment_report_docx", args=[assessment.pk]))
    assert response["Location"] == reverse("assessment_report_preparing", args=[assessment.pk]) + "?kind=docx"
    html = alice_client.get(response["Location"]).content.decode()
    assert "We are making your report (Word document)" in html
    assert f'href="{reverse("assessment_report_docx", args=[assessment.pk])}">Check again</a>' in html


# --- Two app processes, one database ---------------------------------------------------


@pytest.fixture
def two_app_servers(transactional_db, tmp_path):
    """Two gunicorn processes on different ports, on the test database, as two app hosts would be."""
    env = production_env(
        DATABASE_URL=_test_database_url(),
        SECRET_KEY=settings.SECRET_KEY,  # the test's sessions are signed with it
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        EMAIL_ALLOW_UNDELIVERED="1",
        STATIC_ROOT=str(tmp_path / "static"),
        WEB_CONCURRENCY="1",
    )
    servers = []
    for _ in range(2):
        port = _free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "python:hiat_site.gunicorn_conf", "hiat_site.wsgi"],
            cwd=settings.BASE_DIR,
            env={**env, "PORT": str(port)},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        servers.append((f"http://127.0.0.1:{port}", process))
    for base, _process in servers:
        wait_for(partial(_reachable, base + "/healthz"), timeout=60, what=f"gunicorn at {base}")
    yield [base for base, _ in servers]
    for _, process in servers:
        os.killpg(process.pid, signal.SIGTERM)
        process.communicate(timeout=30)


def _get_once(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    """A GET that does not follow redirects, as the first request of a browser's click."""
    parts = urllib.parse.urlsplit(url)
    assert parts.hostname is not None
    connection_ = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection_.request("GET", parts.path, headers=headers)
        response = connection_.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection_.close()


def _reachable(url: str) -> bool:
    try:
        return _get(url)[0] == 200
    except OSError:
        return False


def test_a_pdf_asked_for_through_one_app_process_is_served_by_the_other(two_app_servers, assessment, alice):
    first, second = two_app_servers
    client = client_for(alice)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    path = reverse("assessment_report_pdf", args=[assessment.pk])

    status, headers, _ = _get_once(first + path, Cookie=cookie)
    assert status == 303 and headers["Location"].endswith(reverse("assessment_report_preparing", args=[assessment.pk]))
    assert run_queued_tasks() == 1  # the worker makes it

    status, headers, body = _get_once(second + path, Cookie=cookie)
    assert status == 200 and headers["Content-Type"] == "application/pdf" and body.startswith(b"%PDF")
    again = _get_once(first + path, Cookie=cookie)
    assert again[0] == 200 and again[2] == body and again[1]["ETag"] == headers["ETag"]
    assert _get_once(second + path, Cookie=cookie, **{"If-None-Match": headers["ETag"]})[0] == 304
    assert ReportRender.objects.get(assessment=assessment, kind="pdf").attempts == 1
