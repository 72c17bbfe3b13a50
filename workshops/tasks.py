"""Workshop work done by the background worker: the ZIP of every assessment's PDF report.

The ZIP is put together from the reports the worker has already made (assessments/renders.py
and tasks.py make each revision's PDF once edits settle). A report not made yet is asked
for like any download, at the priority of a click; the ZIP task then checks back a few
seconds later instead of holding a worker while it waits. Nothing is rendered here.
"""

import hashlib
import io
import zipfile
from datetime import timedelta

from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django_tasks import task

from assessments import renders
from assessments.models import Assessment, ReportRender
from workshops.models import ReportsZip, Workshop
from workshops.services import workshop_assessment_ids

# Below the renders it waits for (assessments.tasks.CLICKED_PRIORITY is -10).
ZIP_PRIORITY = -20
CHECK_AGAIN_SECONDS = 3
# A ZIP still waiting after this long is given up (a render that never finishes).
GIVE_UP_AFTER = timedelta(minutes=30)
FINISHED = (ReportRender.Status.READY, ReportRender.Status.FAILED, ReportRender.Status.TOO_LONG)


def reports_fingerprint(workshop: Workshop) -> str:
    """What the ZIP would show now: the workshop's assessments and their revisions (one query)."""
    ids = workshop_assessment_ids(workshop)
    rows = sorted(Assessment.objects.filter(pk__in=ids).values_list("pk", "revision"), key=lambda r: str(r[0]))
    return hashlib.sha256(repr([(str(pk), rev) for pk, rev in rows]).encode()).hexdigest()[:32]


def reports_zip_request(workshop: Workshop) -> ReportsZip:
    """The ZIP of the workshop as it is now: the one already made or being made, else a new one.

    Older ZIPs of the workshop are deleted: only the newest is ever served.
    """
    fingerprint = reports_fingerprint(workshop)
    latest = ReportsZip.objects.defer("content").filter(workshop=workshop).order_by("-created_at").first()
    if latest is not None and latest.fingerprint == fingerprint and latest.status != ReportsZip.Status.FAILED:
        return latest
    ReportsZip.objects.filter(workshop=workshop).delete()
    made = ReportsZip.objects.create(workshop=workshop, fingerprint=fingerprint)
    build_reports_zip.enqueue(zip_id=str(made.pk))
    return made


def _name(n: int, assessment: Assessment, day: object) -> str:
    stem = slugify(assessment.title)[:60].strip("-") or "assessment"
    return f"{n:03d}-{stem}-hiat-report-{day}.pdf"


@task(priority=ZIP_PRIORITY)
def build_reports_zip(*, zip_id: str) -> str:
    made = ReportsZip.objects.defer("content").select_related("workshop").filter(pk=zip_id).first()
    if made is None or made.status != ReportsZip.Status.WAITING:
        return "gone"
    assessments = list(
        Assessment.objects.filter(pk__in=workshop_assessment_ids(made.workshop))
        .select_related("toolkit_version__toolkit", "owner")
        .order_by("title", "pk")
    )
    # Asks the worker for any report not made yet (at a click's priority); finds the others.
    current = [(a, renders.ensure_render(a, ReportRender.Kind.PDF)) for a in assessments]
    done = sum(1 for _a, r in current if r.status in FINISHED)
    ReportsZip.objects.filter(pk=made.pk).update(total=len(current), done=done)
    if done < len(current):
        if timezone.now() - made.created_at > GIVE_UP_AFTER:
            ReportsZip.objects.filter(pk=made.pk).update(status=ReportsZip.Status.FAILED, finished_at=timezone.now())
            return "gave up"
        build_reports_zip.using(run_after=timezone.now() + timedelta(seconds=CHECK_AGAIN_SECONDS)).enqueue(
            zip_id=zip_id
        )
        return f"waiting: {done} of {len(current)}"
    buffer = io.BytesIO()
    missing = []
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for n, (assessment, render) in enumerate(current, 1):
            if render.status == ReportRender.Status.READY:
                archive.writestr(_name(n, assessment, render.made_on), renders.content_of(render))
            else:
                missing.append(f"- {assessment.title}: {render.get_status_display().lower()}")
        if missing:
            note = "These reports could not be made into a PDF; open them in HIAT Assessments:\n" + "\n".join(missing)
            archive.writestr("reports-not-included.txt", note + "\n")
    content = buffer.getvalue()
    ReportsZip.objects.filter(pk=made.pk).update(
        status=ReportsZip.Status.READY, content=content, size=len(content), finished_at=timezone.now(), done=F("total")
    )
    return "ready"
