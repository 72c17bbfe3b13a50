"""Downloading the report as a PDF or a Word document, made by the worker (never here).

A file of the current revision that is ready is served at once. Otherwise the download
link answers 303 to a page that says the report is being prepared and checks back by
itself (static/js/report-preparing.js), or with a "Check again" link without JavaScript.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.views.decorators.http import require_safe

from accounts.http import AuthenticatedRequest
from assessments import renders
from assessments.access import Action, get_assessment_for
from assessments.models import Assessment, ReportRender
from assessments.report import build_report
from assessments.report_size import REPORT_PAGE_BUDGET, estimate_report_size

Kind = ReportRender.Kind
Status = ReportRender.Status
DOWNLOAD_URLS = {Kind.PDF: "assessment_report_pdf", Kind.DOCX: "assessment_report_docx"}
WAITING = (Status.QUEUED, Status.RENDERING)


def _kind(request: HttpRequest) -> str:
    return Kind.DOCX if request.GET.get("kind") == Kind.DOCX else Kind.PDF


def _preparing_url(assessment: Assessment, kind: str) -> str:
    url = reverse("assessment_report_preparing", args=[assessment.pk])
    return f"{url}?kind={kind}" if kind != Kind.PDF else url


def _see_other(url: str) -> HttpResponseRedirect:
    """303: the file is not here yet; look at the page about it (with GET, whatever was asked)."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _refusal(request: HttpRequest, assessment: Assessment, render_: ReportRender) -> HttpResponse:
    """The page for a file that cannot be made: too long, or over a limit of its render (422)."""
    longest = estimate_report_size(build_report(assessment)).longest
    context = {"assessment": assessment, "render": render_, "kind_label": render_.get_kind_display()}
    if render_.refused_by == "pages":
        context |= {"too_long": {"pages": render_.pages, "estimated": render_.pages_estimated, "longest": longest}}
        return render(request, "report/too_long.html", context | {"budget": REPORT_PAGE_BUDGET}, status=422)
    return render(request, "report_download/over_limits.html", context | {"longest": longest}, status=422)


def _failed(request: HttpRequest, assessment: Assessment) -> HttpResponse:
    return render(request, "report/failed.html", {"assessment": assessment}, status=503)


def _download(request: AuthenticatedRequest, pk: str, kind: str) -> HttpResponse:
    assessment, _role = get_assessment_for(request.user, pk, Action.VIEW)
    etag = renders.etag(assessment, kind)
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        return not_modified
    # A click on "Download" is a request to try again after a failure.
    render_ = renders.ensure_render(assessment, kind, retry_failed=True)
    if render_.status == Status.TOO_LONG:
        return _refusal(request, assessment, render_)
    if render_.status != Status.READY:
        return _see_other(_preparing_url(assessment, kind))
    response = HttpResponse(renders.content_of(render_), content_type=renders.CONTENT_TYPES[Kind(kind)])
    response["Content-Disposition"] = f'attachment; filename="{renders.filename(assessment, kind, render_.made_on)}"'
    response["ETag"] = etag
    # Private: the report is one person's data; revalidate so an edit shows at once.
    patch_cache_control(response, private=True, no_cache=True)
    return response


@login_required
@require_safe
def assessment_report_pdf(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    return _download(request, pk, Kind.PDF)


@login_required
@require_safe
def assessment_report_docx(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    return _download(request, pk, Kind.DOCX)


@login_required
@require_safe
def assessment_report_preparing(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    assessment, _role = get_assessment_for(request.user, pk, Action.VIEW)
    kind = _kind(request)
    render_ = renders.ensure_render(assessment, kind)
    if render_.status == Status.READY:
        return redirect(DOWNLOAD_URLS[Kind(kind)], pk=assessment.pk)
    if render_.status == Status.TOO_LONG:
        return _refusal(request, assessment, render_)
    if render_.status == Status.FAILED:
        return _failed(request, assessment)
    context = {
        "assessment": assessment,
        "kind": kind,
        "kind_label": render_.get_kind_display(),
        "download_url": reverse(DOWNLOAD_URLS[Kind(kind)], args=[assessment.pk]),
        "status_url": reverse("assessment_report_status", args=[assessment.pk]) + f"?kind={kind}",
    }
    return render(request, "report_download/preparing.html", context)


@login_required
@require_safe
def assessment_report_status(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    """Where the current file stands, for the preparing page's script (JSON)."""
    assessment, _role = get_assessment_for(request.user, pk, Action.VIEW)
    kind = _kind(request)
    render_ = renders.ensure_render(assessment, kind)
    return JsonResponse({"status": render_.status, "waiting": render_.status in WAITING})
