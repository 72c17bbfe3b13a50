"""Report files made by the background worker: a PDF and a Word copy of each revision.

Two ways in, one way to render:
- render_report: someone asked for a file that is not made yet (assessments/renders.py
  queued it, at CLICKED_PRIORITY).
- render_settled: queued by every change to an assessment (schedule_settled_render, from
  assessments/services.py), REPORT_SETTLE_SECONDS later and at SETTLED_PRIORITY, so the
  files are usually made before anyone clicks. Each save queues one; all but the one for
  the latest revision find the revision has moved on and stop at once.

Emails keep django-tasks' default priority, 0, above both: a rush of reports never holds
up a sign-in link. A render runs in a forked child process held to the limits in
settings (assessments/sandbox.py; docs/adr/0012-report-rendering-in-the-worker.md).
Heavy libraries (WeasyPrint, python-docx) are imported inside the functions, because
the web process imports this module to queue tasks and must never load them.
"""

import logging
from datetime import timedelta

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


def schedule_settled_render(assessment: Assessment) -> None:
    """Ask the worker to make this revision's files once edits have settled."""
    run_after = timezone.now() + timedelta(seconds=settings.REPORT_SETTLE_SECONDS)
    render_settled.using(run_after=run_after).enqueue(assessment_id=str(assessment.pk), revision=assessment.revision)


@task(priority=CLICKED_PRIORITY)
def render_report(*, render_id: int) -> str:
    claimed = ReportRender.objects.filter(pk=render_id, status=Status.QUEUED).update(
        status=Status.RENDERING, started_at=timezone.now(), attempts=F("attempts") + 1
    )
    if not claimed:
        return "made by another task"  # e.g. render_settled got to it first
    return make_render(render_id)


@task(priority=SETTLED_PRIORITY)
def render_settled(*, assessment_id: str, revision: int) -> str:
    assessment = Assessment.objects.filter(pk=assessment_id).first()
    if assessment is None or assessment.revision != revision:
        return "superseded"  # a later save queued its own
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
