"""Report files made by the background worker: a PDF and a Word copy of each revision.

Two ways in, one way to render:
- render_report: someone asked for a file that is not made yet (assessments/renders.py
  queued it, at CLICKED_PRIORITY).
- render_settled: queued by the first change to an assessment that has none queued
  (schedule_settled_render, from assessments/services.py), REPORT_SETTLE_SECONDS later and
  at SETTLED_PRIORITY, so the files are usually made before anyone clicks. While edits go
  on, the one task puts itself back until they have settled, then makes the files of the
  revision it finds: one task per burst of edits, not one per autosave.

Emails keep django-tasks' default priority, 0, above both: a rush of reports never holds
up a sign-in link. A render runs in a forked child process held to the limits in
settings (assessments/sandbox.py; docs/adr/0012-report-rendering-in-the-worker.md).
Heavy libraries (WeasyPrint, python-docx) are imported inside the functions, because
the web process imports this module to queue tasks and must never load them.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task

from assessments import renders
from assessments.models import Assessment, ReportRender
from assessments.report import ReportData, build_report
from assessments.report_size import REPORT_PAGE_BUDGET, estimate_report_size
from assessments.sandbox import ChildFailed, Limits, OverLimit, Usage, run_limited

CLICKED_PRIORITY = -10
SETTLED_PRIORITY = -50

Status = ReportRender.Status
Kind = ReportRender.Kind
logger = logging.getLogger(__name__)


def render_limits() -> Limits:
    return Limits(
        cpu_seconds=settings.REPORT_RENDER_CPU_SECONDS,
        memory_bytes=settings.REPORT_RENDER_MEMORY_MB * 1024 * 1024,
        wall_seconds=settings.REPORT_RENDER_WALL_SECONDS,
    )


# A "settled render queued" mark on an assessment last changed longer ago than this is
# taken to be lost (a worker stopped with the task) and another task is queued. A spare
# task is harmless: whichever runs second finds the mark cleared and stops.
SETTLED_RENDER_STALE_AFTER = timedelta(minutes=10)


def _settle_time() -> timedelta:
    return timedelta(seconds=settings.REPORT_SETTLE_SECONDS)


def schedule_settled_render(assessment: Assessment) -> None:
    """Ask the worker to make the assessment's files once edits have settled.

    Called by the change that set the assessment's settled_render_queued mark.
    """
    render_settled.using(run_after=timezone.now() + _settle_time()).enqueue(assessment_id=str(assessment.pk))


@task(priority=CLICKED_PRIORITY)
def render_report(*, render_id: int) -> str:
    claimed = ReportRender.objects.filter(pk=render_id, status=Status.QUEUED).update(
        status=Status.RENDERING, started_at=timezone.now(), attempts=F("attempts") + 1
    )
    if not claimed:
        return "made by another task"  # e.g. render_settled got to it first
    return make_render(render_id)


def _ask_again(assessment_id: str, at: datetime) -> None:
    render_settled.using(run_after=at).enqueue(assessment_id=assessment_id)


@task(priority=SETTLED_PRIORITY)
def render_settled(*, assessment_id: str, revision: int | None = None) -> str:
    """Make the files of an assessment whose edits have settled (`revision`: ignored, kept
    so tasks queued by earlier releases still run)."""
    assessment = Assessment.objects.filter(pk=assessment_id).first()
    if assessment is None:
        return "gone"
    if not assessment.settled_render_queued:
        return "made by another task"  # a spare task (see SETTLED_RENDER_STALE_AFTER)
    settles_at = assessment.updated_at + _settle_time()
    if settles_at > timezone.now():
        _ask_again(assessment_id, settles_at)
        return "edits not settled: asked again"
    # Cleared for the revision read: a change from now on queues a task of its own. If one
    # came in between, it saw the mark still set and queued nothing, so ask again for it.
    cleared = Assessment.objects.filter(
        pk=assessment_id, revision=assessment.revision, settled_render_queued=True
    ).update(settled_render_queued=False)
    if not cleared:
        _ask_again(assessment_id, timezone.now() + _settle_time())
        return "changed meanwhile: asked again"
    outcomes = []
    for kind in (Kind.PDF, Kind.DOCX):
        key = renders.current_key(assessment, kind)
        render, created = ReportRender.objects.defer("content").get_or_create(
            **key.lookup(), defaults={"status": Status.RENDERING, "started_at": timezone.now(), "attempts": 1}
        )
        claimed = created or ReportRender.objects.filter(pk=render.pk, status=Status.QUEUED).update(
            status=Status.RENDERING, started_at=timezone.now(), attempts=F("attempts") + 1
        )
        outcomes.append(f"{kind}: {make_render(render.pk) if claimed else render.status}")
    return "; ".join(outcomes)


def _snapshot(render_id: int) -> tuple[ReportRender, Assessment, ReportData] | None:
    render = ReportRender.objects.defer("content").get(pk=render_id)
    assessment = Assessment.objects.select_related("toolkit_version__toolkit", "owner").get(pk=render.assessment_id)
    if assessment.revision != render.revision or render.made_on != timezone.localdate():
        return None
    return render, assessment, build_report(assessment)


def _read_snapshot(render_id: int) -> tuple[ReportRender, Assessment, ReportData] | None:
    """The render and its assessment's report as of one moment, or None if it was superseded.

    One REPEATABLE READ transaction, so a save that lands while the report is read cannot
    put a newer answer into a file named for the older revision.
    """
    if connection.in_atomic_block:  # inside a test's transaction, which sees one moment already
        return _snapshot(render_id)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        return _snapshot(render_id)


def _finish(render_id: int, status: str, usage: Usage | None = None, **fields: object) -> int:
    if usage is not None:
        fields["cpu_seconds"] = round(usage.cpu_seconds, 2)
        fields["peak_memory_mb"] = round(usage.peak_memory_bytes / 1024 / 1024)
    return ReportRender.objects.filter(pk=render_id, status=Status.RENDERING).update(
        status=status, finished_at=timezone.now(), **fields
    )


def _prune(render: ReportRender) -> None:
    """Keep the newest file of each kind per assessment: older revisions, days and layouts go."""
    ReportRender.objects.filter(assessment_id=render.assessment_id, kind=render.kind).filter(
        Q(revision__lt=render.revision)
        | (Q(revision=render.revision) & (Q(made_on__lt=render.made_on) | ~Q(layout_version=render.layout_version)))
    ).delete()


def make_render(render_id: int) -> str:
    """Make the file of a render this task has claimed (status RENDERING), and store it."""
    try:
        snapshot = _read_snapshot(render_id)
    except (ReportRender.DoesNotExist, Assessment.DoesNotExist):
        return "gone"
    if snapshot is None:
        # The assessment changed (or the day ended) after it was asked for: whoever is
        # waiting asks for the current revision next time they look.
        ReportRender.objects.filter(pk=render_id).delete()
        return "superseded"
    render, assessment, report = snapshot
    try:
        if render.kind == Kind.PDF:
            estimate = estimate_report_size(report)
            if estimate.pages > REPORT_PAGE_BUDGET:
                _finish(render_id, Status.TOO_LONG, pages=estimate.pages, pages_estimated=True, refused_by="pages")
                return "too long (estimated)"
            from assessments import pdf

            html = pdf.report_html(assessment, report)
            (content, pages), usage = run_limited(pdf.pdf_from_html, html, limits=render_limits())
        else:
            from assessments import docx

            content, usage = run_limited(docx.report_docx, report, limits=render_limits())
            pages = None
    except OverLimit as over:
        logger.warning("Report %s of %s stopped at the %s limit", render.kind, assessment.pk, over.limit)
        _finish(render_id, Status.TOO_LONG, over.usage, refused_by=over.limit)
        return f"over the {over.limit} limit"
    except ChildFailed as failed:
        logger.error("Report %s of %s failed to render:\n%s", render.kind, assessment.pk, failed)
        _finish(render_id, Status.FAILED, failed.usage)
        return "failed"
    except Exception as refused:
        from assessments.pdf import LaidOutTooLong

        if not isinstance(refused, LaidOutTooLong):
            _finish(render_id, Status.FAILED)
            raise
        _finish(render_id, Status.TOO_LONG, pages=refused.pages, refused_by="pages")
        return "too long (laid out)"
    if _finish(render_id, Status.READY, usage, content=content, size=len(content), pages=pages):
        _prune(render)
    return "ready"
