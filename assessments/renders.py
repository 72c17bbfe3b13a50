"""Which rendered report is current, asking the worker for one, and what the web serves.

The web never renders: it looks up the ReportRender row of the assessment's current
revision, serves its file when it is ready, and otherwise makes sure the worker has been
asked for it (assessments/tasks.py). Nothing here imports WeasyPrint or python-docx; a test
holds the web process to that (tests/test_report_worker.py).
"""

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django_tasks_db.models import DBTaskResult

from assessments.models import Assessment, ReportRender

Kind = ReportRender.Kind
Status = ReportRender.Status

# Bump when the report template or stylesheet changes (templates/report/, static/css/
# report-pdf.css), so PDFs are made again; the Word copy's when assessments/docx.py changes.
REPORT_LAYOUT_VERSION = "10"
DOCX_LAYOUT_VERSION = "2"
LAYOUT_VERSIONS = {Kind.PDF: REPORT_LAYOUT_VERSION, Kind.DOCX: DOCX_LAYOUT_VERSION}
CONTENT_TYPES = {
    Kind.PDF: "application/pdf",
    Kind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
FINISHED = (Status.READY, Status.FAILED, Status.TOO_LONG)


@dataclass(frozen=True)
class RenderKey:
    """Names one file: the assessment's revision, in this layout, made on this day."""

    assessment_id: object
    kind: str
    revision: int
    layout_version: str
    made_on: date

    def lookup(self) -> dict[str, object]:
        return {
            "assessment_id": self.assessment_id,
            "kind": self.kind,
            "revision": self.revision,
            "layout_version": self.layout_version,
            "made_on": self.made_on,
        }


def current_key(assessment: Assessment, kind: str) -> RenderKey:
    """The file that shows the assessment as it is now.

    The day is part of it because the cover says when the report was made and the file is
    named by the date (docs/adr/0004): a report downloaded next week must not say last week.
    """
    return RenderKey(assessment.pk, kind, assessment.revision, LAYOUT_VERSIONS[Kind(kind)], timezone.localdate())


def etag(assessment: Assessment, kind: str) -> str:
    key = current_key(assessment, kind)
    parts = [key.assessment_id, kind, key.revision, assessment.toolkit_version_id, key.layout_version, key.made_on]
    raw = ":".join(map(str, parts))
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'


def filename(assessment: Assessment, kind: str, day: date) -> str:
    stem = slugify(assessment.title)[:80].strip("-") or "assessment"
    return f"{stem}-hiat-report-{day.isoformat()}.{kind}"


def _grace() -> timedelta:
    """How long a render may look busy before it counts as abandoned (its worker was stopped)."""
    return timedelta(seconds=settings.REPORT_RENDER_WALL_SECONDS + 60)


def _abandoned(render: ReportRender) -> bool:
    """True for a render nobody will finish: its worker stopped, or its task was lost."""
    now = timezone.now()
    if render.status == Status.RENDERING:
        return render.started_at is None or render.started_at < now - _grace()
    if render.status != Status.QUEUED:
        return False
    if not render.task_id:
        return True
    if render.queued_at > now - _grace():
        return False  # a long queue at a rush is normal; only an old one is worth a look
    task = DBTaskResult.objects.filter(pk=render.task_id).values("status", "started_at").first()
    if task is None or task["status"] in ("SUCCESSFUL", "FAILED"):
        return True
    return task["status"] == "RUNNING" and task["started_at"] is not None and task["started_at"] < now - _grace()


def _enqueue(render: ReportRender) -> None:
    from assessments.tasks import CLICKED_PRIORITY, render_report

    result = render_report.using(priority=CLICKED_PRIORITY).enqueue(render_id=render.pk)
    ReportRender.objects.filter(pk=render.pk).update(task_id=str(result.id))


def ensure_render(assessment: Assessment, kind: str, *, retry_failed: bool = False) -> ReportRender:
    """The current render of the assessment's report (without its file), asking the worker for it if needed.

    However many people ask at once, the unique constraint lets one request create the row
    and queue the task; the others find that row. A render that failed is tried again only
    when `retry_failed` (someone clicked to download again); one whose worker was stopped
    or whose task was lost is queued again.
    """
    key = current_key(assessment, kind)
    rows = ReportRender.objects.defer("content")
    render = rows.filter(**key.lookup()).first()
    if render is None:
        try:
            with transaction.atomic():
                render = ReportRender.objects.create(**key.lookup())
                _enqueue(render)
                return render
        except IntegrityError:  # someone else's request created it first
            return rows.get(**key.lookup())
    if (render.status == Status.FAILED and retry_failed) or _abandoned(render):
        with transaction.atomic():
            # Only the request whose update changes the row queues the task.
            if rows.filter(pk=render.pk, status=render.status, started_at=render.started_at).update(
                status=Status.QUEUED, queued_at=timezone.now(), started_at=None
            ):
                _enqueue(render)
        render = rows.get(pk=render.pk)
    return render


def content_of(render: ReportRender) -> bytes:
    return bytes(ReportRender.objects.filter(pk=render.pk).values_list("content", flat=True).get())
