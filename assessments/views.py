"""Assessment pages. Each view starts with get_assessment_for(), naming its action; POSTs redirect."""

import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.http import AuthenticatedRequest
from accounts.keep_post import login_required_keeping_post, take_kept_post
from assessments import pdf, presenters, progress, services
from assessments.access import Action, assessments_visible_to, get_assessment_for, roles_of
from assessments.answer_types import rules_for
from assessments.export import assessment_export_data
from assessments.forms import AssessmentDetailsForm, SectionForm
from assessments.models import Answer, Assessment
from assessments.report import build_report
from toolkit_content.models import Section

logger = logging.getLogger(__name__)


def _get_section(assessment: Assessment, number: int) -> Section:
    """The section of the assessment's own toolkit version, with its questions in one query."""
    section = (
        Section.objects.filter(version_id=assessment.toolkit_version_id, number=number)
        .select_related("working_example")
        .prefetch_related("questions", "resources")
        .first()
    )
    if section is None:
        raise Http404("No such section.")
    return section


def _safe_return_url(request: HttpRequest) -> str:
    """A relative return_url from the query or form, or "" if it is missing or points elsewhere."""
    url = request.POST.get("return_url") or request.GET.get("return_url") or ""
    if url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None, require_https=False):
        return url
    return ""


def _kept_post(request: HttpRequest) -> QueryDict | None:
    """What this person posted to this page when their session had ended, now that they are
    signed in again (accounts/keep_post.py): the view handles it as a POST, on a GET."""
    return take_kept_post(request) if request.method == "GET" else None


def _kept_post_saved(request: HttpRequest) -> HttpResponse:
    """After saving kept text: the same page again, now showing what was saved."""
    messages.success(request, "Signed in again. What you typed has been saved.")
    return redirect(request.get_full_path())


@login_required
@require_safe
def assessment_list(request: AuthenticatedRequest) -> HttpResponse:
    assessments = list(assessments_visible_to(request.user).order_by("-updated_at")[:500])
    rows = presenters.assessment_list_rows(
        assessments, progress.summaries(assessments), roles_of(request.user, assessments)
    )
    return render(request, "assessments/list.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def assessment_new(request: AuthenticatedRequest) -> HttpResponse:
    form = AssessmentDetailsForm(request.POST if request.method == "POST" else None, submit_label="Create assessment")
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.assessment_create(owner=request.user, details=form.cleaned_data)
        except services.NoPublishedToolkit:
            messages.error(request, "The toolkit content is not available yet. Ask an administrator to load it.")
            return render(request, "assessments/new.html", {"form": form}, status=503)
        messages.success(request, f"Assessment “{assessment.title}” created.")
        return redirect("assessment_task_list", pk=assessment.pk)
    return render(request, "assessments/new.html", {"form": form})


@login_required
@require_safe
def assessment_task_list(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    assessment, role = get_assessment_for(request.user, pk, Action.VIEW)
    state = progress.assessment_progress(assessment)
    context = {
        "assessment": assessment,
        "role": role,
        "progress": state,
        "groups": presenters.task_list(assessment, state),
    }
    return render(request, "assessments/task_list.html", context)


@login_required
@require_safe
def assessment_introduction(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    assessment, _role = get_assessment_for(request.user, pk, Action.VIEW)
    version = assessment.toolkit_version
    context = {"assessment": assessment, "topics": version.introduction_topics.all(), "toolkit": version.toolkit}
    return render(request, "assessments/introduction.html", context)


@login_required_keeping_post
@require_http_methods(["GET", "HEAD", "POST"])
def assessment_details(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    assessment, _role = get_assessment_for(request.user, pk, Action.EDIT)
    kept = _kept_post(request)
    data = request.POST if request.method == "POST" else kept
    form = AssessmentDetailsForm(data, instance=assessment, submit_label="Save and continue")
    if data is not None and form.is_valid():
        details = {name: form.cleaned_data[name] for name in form.Meta.fields}
        changed = services.assessment_update_details(assessment=assessment, details=details)
        if kept is not None:
            return _kept_post_saved(request)
        if changed:
            messages.success(request, "Project details saved.")
        return redirect("assessment_task_list", pk=assessment.pk)
    context = {"assessment": assessment, "form": form, "guidance": assessment.toolkit_version.project_details_guidance}
    return render(request, "assessments/details.html", context)


def _initial_from_answers(section: Section, answers: dict[int, Answer]) -> dict[str, Any]:
    initial: dict[str, Any] = {}
    for question in section.questions.all():
        answer = answers.get(question.id)
        if answer is not None:
            initial[question.key] = rules_for(question).initial(answer)
    return initial


@login_required_keeping_post
@require_http_methods(["GET", "HEAD", "POST"])
def section_edit(request: AuthenticatedRequest, pk: str, number: int) -> HttpResponse:
    assessment, _role = get_assessment_for(request.user, pk, Action.EDIT)
    section = _get_section(assessment, number)
    questions = list(section.questions.all())
    return_url = _safe_return_url(request)
    kept = _kept_post(request)
    if request.method == "POST" or kept is not None:
        form = SectionForm(request.POST if kept is None else kept, questions=questions)
        if form.is_valid():
            result = services.section_answers_save(
                assessment=assessment, section=section, values=form.cleaned_data, user=request.user
            )
            if result.reopened:
                messages.info(
                    request, f"Section {section.number} is back in progress: a required question is now blank."
                )
            if kept is not None:
                return _kept_post_saved(request)
            if "later" in request.POST:
                messages.success(request, f"Your answers to section {section.number} have been saved.")
                return redirect("assessment_task_list", pk=assessment.pk)
            return redirect(return_url or reverse("section_check", args=[assessment.pk, section.number]))
    else:
        form = SectionForm(
            initial=_initial_from_answers(section, progress.answers_by_question(assessment, section)),
            questions=questions,
        )
    context = {
        "assessment": assessment,
        "section": section,
        "form": form,
        "return_url": return_url,
        "resources": section.resources.all(),
        "example": getattr(section, "working_example", None),
    }
    return render(request, "assessments/section.html", context)


def _check_context(assessment: Assessment, section: Section, missing: list | None = None) -> dict[str, Any]:
    check_url = reverse("section_check", args=[assessment.pk, section.number])
    rows = presenters.section_summary_rows(
        assessment, section, progress.answers_by_question(assessment, section), check_url
    )
    completed = assessment.completions.filter(section=section).exists()
    missing_keys = {q.key for q in missing or []}
    return {
        "assessment": assessment,
        "section": section,
        "rows": rows,
        "completed": completed,
        "missing_rows": [r for r in rows if r.key in missing_keys],
    }


@login_required
@require_safe
def section_check(request: AuthenticatedRequest, pk: str, number: int) -> HttpResponse:
    assessment, _role = get_assessment_for(request.user, pk, Action.VIEW)
    section = _get_section(assessment, number)
    return render(request, "assessments/check.html", _check_context(assessment, section))


@login_required
@require_POST
def section_complete(request: AuthenticatedRequest, pk: str, number: int) -> HttpResponse:
    assessment, _role = get_assessment_for(request.user, pk, Action.EDIT)
    section = _get_section(assessment, number)
    missing = services.section_complete(assessment=assessment, section=section, user=request.user)
    if missing:
        return render(request, "assessments/check.html", _check_context(assessment, section, missing), status=200)
    messages.success(request, f"Section {section.number} marked as complete.")
    return redirect("assessment_task_list", pk=assessment.pk)


@login_required
@require_safe
def assessment_export(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    assessment, _role = get_assessment_for(request.user, pk, Action.VIEW)
    data = assessment_export_data(assessment)
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="hiat-assessment-{assessment.pk}-{stamp}.json"'
    return response


@login_required
@require_safe
def assessment_report(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    assessment, _role = get_assessment_for(request.user, pk, Action.VIEW)
    return render(request, "report/preview.html", {"assessment": assessment, "report": build_report(assessment)})


@login_required
@require_safe
def assessment_report_pdf(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    assessment, _role = get_assessment_for(request.user, pk, Action.VIEW)
    etag = pdf.report_etag(assessment)
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        return not_modified
    try:
        report = pdf.report_pdf(assessment)
    except pdf.ReportTooLong as too_long:
        # 422: nothing failed, but this assessment cannot be made into a PDF as it stands.
        context = {"assessment": assessment, "too_long": too_long, "budget": pdf.REPORT_PAGE_BUDGET}
        return render(request, "report/too_long.html", context, status=422)
    except Exception:  # the renderer failing must not look like the assessment is lost
        logger.exception("Report PDF for assessment %s failed to render", assessment.pk)
        return render(request, "report/failed.html", {"assessment": assessment}, status=503)
    response = HttpResponse(report.pdf, content_type="application/pdf")
    filename = pdf.report_filename(assessment, timezone.localdate())
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["ETag"] = etag
    response["X-Report-Cache"] = "hit" if report.from_cache else "miss"
    # Private: the report is one person's data; revalidate so an edit shows at once.
    patch_cache_control(response, private=True, no_cache=True)
    return response
