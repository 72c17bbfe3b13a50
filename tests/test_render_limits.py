"""A render runs in a child process held to hard limits; a report over any limit gets a page
that says why, and keeps its preview and data export."""

import os
import signal
import subprocess
import sys
import time

import psutil
import pytest
from django.conf import settings
from django.urls import reverse

from assessments.models import Assessment, ReportRender
from assessments.sandbox import ChildFailed, Limits, OverLimit, Refused, run_limited
from tests.conftest import worker_process
from tests.helpers import download_report
from tests.test_report_size import save_every_long_answer

GENEROUS = Limits(cpu_seconds=30, memory_bytes=512 * 1024 * 1024, wall_seconds=30)


def spin() -> None:
    while True:
        pass


def allocate() -> list[bytes]:
    hoard = []
    while True:
        hoard.append(b"x" * (16 * 1024 * 1024))


def test_the_child_returns_its_result_and_what_it_used():
    result, usage = run_limited(lambda a, b: a + b, 2, 3, limits=GENEROUS)
    assert result == 5
    assert 0 <= usage.cpu_seconds < 5 and usage.peak_memory_bytes > 1024 * 1024 and usage.wall_seconds < 10


def test_a_render_that_spins_is_killed_at_the_cpu_limit():
    started = time.monotonic()
    with pytest.raises(OverLimit) as stopped:
        run_limited(spin, limits=Limits(cpu_seconds=1, memory_bytes=512 * 1024 * 1024, wall_seconds=60))
    assert stopped.value.limit == "cpu"
    assert stopped.value.usage.cpu_seconds >= 0.5  # the kernel's accounting is coarse
    assert time.monotonic() - started < 30


def test_a_render_that_allocates_without_end_is_stopped_at_the_memory_limit():
    with pytest.raises(OverLimit) as stopped:
        run_limited(allocate, limits=Limits(cpu_seconds=30, memory_bytes=200 * 1024 * 1024, wall_seconds=60))
    assert stopped.value.limit == "memory"
    assert stopped.value.usage.peak_memory_bytes < 600 * 1024 * 1024


def test_a_render_that_waits_forever_is_killed_at_the_time_limit():
    started = time.monotonic()
    with pytest.raises(OverLimit) as stopped:
        run_limited(time.sleep, 3600, limits=Limits(cpu_seconds=30, memory_bytes=512 * 1024 * 1024, wall_seconds=1))
    assert stopped.value.limit == "time"
    assert time.monotonic() - started < 10


def test_a_child_that_raises_or_crashes_is_a_failure_not_a_limit():
    def boom() -> None:
        raise ValueError("Pango fell over")

    with pytest.raises(ChildFailed, match="Pango fell over"):
        run_limited(boom, limits=GENEROUS)
    with pytest.raises(ChildFailed, match="SIGABRT"):
        run_limited(os.abort, limits=GENEROUS)
    with pytest.raises(ChildFailed, match="SIGSEGV"):
        run_limited(lambda: os.kill(os.getpid(), signal.SIGSEGV), limits=GENEROUS)


def test_a_crash_at_the_memory_limit_is_the_memory_limit():
    """C libraries crash, rather than raise, when an allocation fails."""

    def fill_then_crash() -> None:
        hoard = []
        try:
            while True:
                hoard.append(b"x" * (4 * 1024 * 1024))
        except MemoryError:
            os.kill(os.getpid(), signal.SIGSEGV)

    with pytest.raises(OverLimit) as stopped:
        run_limited(fill_then_crash, limits=Limits(cpu_seconds=30, memory_bytes=100 * 1024 * 1024, wall_seconds=60))
    assert stopped.value.limit == "memory"


class TooMuch(Refused):
    pass


def test_a_refusal_reaches_the_parent_as_it_was_raised():
    def refuse() -> None:
        raise TooMuch(42)

    with pytest.raises(TooMuch) as refused:
        run_limited(refuse, limits=GENEROUS)
    assert refused.value.args == (42,)


def test_the_child_runs_at_a_lower_cpu_priority_than_the_web():
    niceness, _ = run_limited(os.nice, 0, limits=GENEROUS)
    assert niceness >= os.nice(0) + 10


# A worker that renders a report that never ends, telling the test its render child's pid.
_WORKER_MID_RENDER = """
import os, sys
from assessments.sandbox import Limits, run_limited

def render_for_ever(pid_file):
    with open(pid_file, "w") as out:
        out.write(str(os.getpid()))
    while True:
        pass

run_limited(render_for_ever, sys.argv[1], limits=Limits(cpu_seconds=60, memory_bytes=2**29, wall_seconds=60))
"""


def test_a_render_never_outlives_its_worker(tmp_path):
    pid_file = tmp_path / "render.pid"
    worker = subprocess.Popen([sys.executable, "-c", _WORKER_MID_RENDER, str(pid_file)], cwd=settings.BASE_DIR)
    try:
        deadline = time.monotonic() + 30
        while not (pid_file.exists() and pid_file.read_text()):
            assert time.monotonic() < deadline and worker.poll() is None, "the render did not start"
            time.sleep(0.05)
        render = psutil.Process(int(pid_file.read_text()))
        assert render.is_running()
    finally:
        worker.kill()  # stopped mid-render, as a supervisor may stop it
        worker.wait()
    # The render ends with it (and is reaped by init), instead of running on to its limits.
    gone, _alive = psutil.wait_procs([render], timeout=5)
    assert gone, "the render outlived its worker"


def test_the_child_leaves_the_parents_database_connection_working(assessment):
    run_limited(lambda: Assessment.objects.count(), limits=GENEROUS)  # even one that queries
    run_limited(lambda: None, limits=GENEROUS)
    assert Assessment.objects.filter(pk=assessment.pk).exists()


# A report long enough to take several seconds of CPU: 40 lines of just-too-wide text an answer.
WIDE = "\n".join(["W" * 49] * 40)


@pytest.mark.parametrize(
    "limit, setting, value, words",
    [
        ("cpu", "REPORT_RENDER_CPU_SECONDS", 1, "more time than we allow"),
        # The memory case is tested with a worker process of its own (below): the limit is
        # address space added to the forked parent's, and after other tests have rendered
        # PDFs in this process a child reuses the parent's freed memory.
        ("time", "REPORT_RENDER_WALL_SECONDS", 0.5, "more time than we allow"),
    ],
)
def test_a_report_over_a_render_limit_gets_a_page_that_says_why(
    alice_client, assessment, alice, settings, limit, setting, value, words
):
    save_every_long_answer(assessment, alice, lambda q: WIDE)
    setattr(settings, setting, value)
    url = reverse("assessment_report_pdf", args=[assessment.pk])
    response = download_report(alice_client, url)
    render = ReportRender.objects.get(assessment=assessment, kind="pdf")
    assert (render.status, render.refused_by) == ("too_long", limit)
    assert response.status_code == 422
    page = response.content.decode()
    assert "Your report is too big to make into a PDF" in page and words in page
    assert "Your answers are saved and safe" in page
    first = assessment.toolkit_version.sections.get(number=1).questions.filter(answer_type="long_text").first()
    assert f'href="{reverse("section", args=[assessment.pk, 1])}#id_{first.key}"' in page
    assert f'href="{reverse("assessment_report", args=[assessment.pk])}"' in page
    assert f'href="{reverse("assessment_export", args=[assessment.pk])}"' in page
    # The refusal is kept for the revision: asking again does not render again.
    assert alice_client.get(url).status_code == 422
    assert ReportRender.objects.get(pk=render.pk).attempts == 1
    # The preview and the data export still work.
    assert alice_client.get(reverse("assessment_report", args=[assessment.pk])).status_code == 200
    assert alice_client.get(reverse("assessment_export", args=[assessment.pk])).status_code == 200


def test_a_word_copy_over_a_limit_gets_the_same_page(alice_client, assessment, alice, settings):
    save_every_long_answer(assessment, alice, lambda q: WIDE)
    settings.REPORT_RENDER_WALL_SECONDS = 0.01
    response = download_report(alice_client, reverse("assessment_report_docx", args=[assessment.pk]))
    assert response.status_code == 422
    assert "Your report is too big to make into a Word document" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_report_over_the_memory_limit_gets_the_page_that_says_why(alice_client, assessment, alice):
    save_every_long_answer(assessment, alice, lambda q: WIDE)
    url = reverse("assessment_report_pdf", args=[assessment.pk])
    assert alice_client.get(url).status_code == 303  # queued for the worker
    # A worker started afresh, as in production, allowed 50 MB more than it holds itself:
    # the report needs over 100 MB. (Not much less: under about 30 MB, fontconfig's first
    # allocations fail and it crashes far below the limit, which reads as a failure.)
    with worker_process(REPORT_RENDER_MEMORY_MB="50"):
        deadline = time.monotonic() + 120
        while ReportRender.objects.filter(assessment=assessment, kind="pdf", status__in=["queued", "rendering"]):
            assert time.monotonic() < deadline, "the worker did not finish the render"
            time.sleep(0.2)
    render = ReportRender.objects.get(assessment=assessment, kind="pdf")
    assert (render.status, render.refused_by) == ("too_long", "memory")
    response = alice_client.get(url)
    assert response.status_code == 422
    page = response.content.decode()
    assert "Your report is too big to make into a PDF" in page and "more memory than we allow" in page
    assert "Your answers are saved and safe" in page
