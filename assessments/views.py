"""Assessment pages. Each view starts with get_assessment_for(), naming its action; POSTs redirect."""

import logging
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.http import AuthenticatedRequest
from accounts.keep_post import login_required_keeping_post, take_kept_post
from assessments import presenters, progress, services, version_move
from assessments.access import (
    Action,
    assessments_visible_to,
    get_assessment_for,
    get_section_for_preview,
    roles_of,
    unlisted_count,
)
from assessments.answer_types import digest, rules_for
from assessments.export import assessment_export_data
from assessments.forms import AssessmentDetailsForm, SectionForm, Starting, SummaryForm, shown_name
from assessments.models import Answer, Assessment
from assessments.report import build_report
from hiat_site.forms import creation_token_of
from toolkit_content.models import Section

logger = logging.getLogger(__name__)

# The most completions of one section whose record the check page shows (the newest).
COMPLETION_RECORD_SIZE = 100


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


def safe_return_url(request: HttpRequest) -> str:
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
    assessments = list(assessments_visible_to(request.user, listed=True).order_by("-updated_at")[:500])
    rows = presenters.assessment_list_rows(
        assessments, progress.summaries(assessments), roles_of(request.user, assessments)
    )
    context = {"rows": rows, "unlisted": unlisted_count(request.user)}
    return render(request, "assessments/list.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def assessment_new(request: AuthenticatedRequest) -> HttpResponse:
    form = AssessmentDetailsForm(request.POST if request.method == "POST" else None, submit_label="Create assessment")
    # A random token per page: submitting the same page twice makes one assessment.
    token = creation_token_of(request)
    context = {"form": form, "creation_token": token or uuid.uuid4()}
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.assessment_create(owner=request.user, details=form.cleaned_data, creation_token=token)
        except services.NoPublishedToolkit:
            messages.error(request, "The toolkit content is not available yet. Ask an administrator to load it.")
            return render(request, "assessments/new.html", context, status=503)
        messages.success(request, f"Assessment “{assessment.title}” created.")
        return redirect("assessment_task_list", pk=assessment.pk)
    return render(request, "assessments/new.html", context)


@login_required
@require_safe
def assessment_task_list(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    access = get_assessment_for(request.user, pk, Action.VIEW)
    assessment, role = access
    state = progress.assessment_progress(assessment)
    context = {
        "assessment": assessment,
        "role": role,
        "progress": state,
        "groups": presenters.task_list(assessment, state),
        "kept_answers": presenters.kept_answer_rows(assessment),
        "kept_heading": version_move.KEPT_HEADING,
        # Offered only to those who may move the assessment (its owner).
        "newer_version": version_move.newer_version(assessment) if access.allows(Action.MOVE_VERSION) else None,
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
    page = _save_assessment_fields(request, assessment, AssessmentDetailsForm)
    if page.form is None:
        if page.kept:
            return _kept_post_saved(request)
        if page.changed:
            messages.success(request, "Project details saved.")
        return redirect("assessment_task_list", pk=assessment.pk)
    guidance = assessment.toolkit_version.project_details_guidance
    context = {"assessment": assessment, "form": page.form, "guidance": guidance}
    return render(request, "assessments/details.html", context, status=page.status)


@login_required_keeping_post
@require_http_methods(["GET", "HEAD", "POST"])
def assessment_summary(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    assessment, _role = get_assessment_for(request.user, pk, Action.EDIT)
    page = _save_assessment_fields(request, assessment, SummaryForm)
    if page.form is None:
        if page.kept:
            return _kept_post_saved(request)
        if page.changed:
            messages.success(request, "Summary of findings saved.")
        return redirect("assessment_task_list", pk=assessment.pk)
    return render(
        request, "assessments/summary.html", {"assessment": assessment, "form": page.form}, status=page.status
    )


AssessmentFieldsForm = AssessmentDetailsForm | SummaryForm


@dataclass(frozen=True)
class _FieldsPage:
    form: AssessmentFieldsForm | None  # None once saved: the view redirects
    status: int = 200
    changed: bool = False
    kept: bool = False  # saved what was posted after the idle limit (accounts/keep_post.py)


def _save_assessment_fields(
    request: AuthenticatedRequest, assessment: Assessment, form_class: type[AssessmentFieldsForm]
) -> _FieldsPage:
    """Show or save a form of the assessment's own fields (the project details, the summary).

    Saved through services.assessment_update_details with the fingerprints the page was
    shown, so only what this person changed is written. A field someone else changed
    meanwhile comes back marked, with status 409.
    """
    kept = _kept_post(request)
    data = request.POST if request.method == "POST" else kept
    form = form_class(data, instance=assessment)
    if data is None or not form.is_valid():
        return _FieldsPage(form)
    values = {name: form.cleaned_data[name] for name in form.Meta.fields}
    result = services.assessment_update_details(
        assessment=assessment, details=values, user=request.user, shown=form.shown()
    )
    if result.conflicts:
        return _FieldsPage(_conflict_fields_form(form_class, assessment, data, result.conflicts), 409)
    return _FieldsPage(None, changed=bool(result.changed), kept=kept is not None)


def _conflict_fields_form(
    form_class: type[AssessmentFieldsForm], assessment: Assessment, posted: QueryDict, conflicts: dict[str, Any]
) -> AssessmentFieldsForm:
    """The form again, keeping what the person typed, with each field someone else changed
    meanwhile marked and its newer value quoted. Saving again keeps this person's values,
    on purpose: the page now counts as having shown the newer ones."""
    data = posted.copy()
    for name, newer in conflicts.items():
        data[shown_name(name)] = services.value_digest(newer)
    again = form_class(data, instance=assessment)
    again.is_valid()
    for name, newer in conflicts.items():
        again.add_error(
            name,
            f"Someone else changed this while you were editing, to: “{_detail_text(again, name, newer)}”. "
            "What you typed is below: save again to keep yours, or change it.",
        )
    return again


def _detail_text(form: AssessmentFieldsForm, name: str, value: Any) -> str:
    if value in (None, ""):
        return "(blank)"
    choices = dict(getattr(form.fields[name], "choices", []) or [])
    if value in choices:
        return str(choices[value])
    if isinstance(value, date):
        return f"{value.day} {value:%B %Y}"
    return str(value)


def _initial_from_answers(section: Section, answers: dict[int, Answer]) -> dict[str, Any]:
    initial: dict[str, Any] = {}
    for question in section.questions.all():
        answer = answers.get(question.id)
        if answer is not None:
            initial[question.key] = rules_for(question).initial(answer)
    return initial


# What a question never answered stores, for every answer type.
BLANK_DIGEST = digest(("", []))


def _starting(section: Section, answers: dict[int, Answer]) -> dict[str, Starting]:
    """Each answer's version and fingerprint as the page shows it (0 and blank if never answered)."""
    return {
        question.key: Starting(answer.version, digest((answer.text, answer.selected)))
        if (answer := answers.get(question.id)) is not None
        else Starting(0, BLANK_DIGEST)
        for question in section.questions.all()
    }


def _conflict_form(
    assessment: Assessment, section: Section, form: SectionForm, conflicts: list[services.Conflict]
) -> SectionForm:
    """The section form again after some answers could not be saved because they had changed.

    It shows the stored answers, except where this person's answer was refused: there it
    shows theirs, with the newer answer above it and the choice of which to keep. Saving
    again then starts from the newer version, so it is a decision, not an accident.
    """
    answers = progress.answers_by_question(assessment, section)
    initial = _initial_from_answers(section, answers)
    starting = _starting(section, answers)
    newer: dict[str, Any] = {}
    for conflict in conflicts:
        key = conflict.question.key
        initial[key] = form.cleaned_data[key]
        starting[key] = Starting(conflict.version, "")  # blank fingerprint: counts as changed
        newer[key] = presenters.newer_answer(conflict.question, answers[conflict.question.id])
    return SectionForm(initial=initial, questions=form.questions, starting=starting, conflicts=newer)


@login_required_keeping_post
@require_http_methods(["GET", "HEAD", "POST"])
def section_edit(request: AuthenticatedRequest, pk: str, number: int) -> HttpResponse:
    assessment, _role = get_assessment_for(request.user, pk, Action.EDIT)
    section = _get_section(assessment, number)
    questions = list(section.questions.all())
    return_url = safe_return_url(request)
    status = 200
    saved_others = 0
    kept = _kept_post(request)
    if request.method == "POST" or kept is not None:
        form = SectionForm(request.POST if kept is None else kept, questions=questions)
        if form.is_valid():
            values, bases = form.changes()
            result = services.section_answers_save(
                assessment=assessment, section=section, values=values, base_versions=bases, user=request.user
            )
            if result.reopened:
                messages.info(
                    request, f"Section {section.number} is back in progress: a required question is now blank."
                )
            if result.conflicts:
                form = _conflict_form(assessment, section, form, result.conflicts)
                status, saved_others = 409, result.changed
            elif kept is not None:
                return _kept_post_saved(request)
            elif "later" in request.POST:
                messages.success(request, f"Your answers to section {section.number} have been saved.")
                return redirect("assessment_task_list", pk=assessment.pk)
            else:
                return redirect(return_url or reverse("section_check", args=[assessment.pk, section.number]))
        elif form.conflicts:
            # Still deciding between versions: show the newer answers again beside the errors.
            answers = progress.answers_by_question(assessment, section)
            by_key = {q.key: q for q in questions}
            for key in form.conflicts:
                form.conflicts[key] = presenters.newer_answer(by_key[key], answers[by_key[key].id])
    else:
        answers = progress.answers_by_question(assessment, section)
        form = SectionForm(
            initial=_initial_from_answers(section, answers), questions=questions, starting=_starting(section, answers)
        )
    context = {
        "assessment": assessment,
        "section": section,
        "form": form,
        "return_url": return_url,
        "saved_others": saved_others,
        "resources": section.resources.all(),
        "example": getattr(section, "working_example", None),
    }
    return render(request, "assessments/section.html", context, status=status)


def _check_context(
    assessment: Assessment, section: Section, can_edit: bool, missing: list | None = None
) -> dict[str, Any]:
    check_url = reverse("section_check", args=[assessment.pk, section.number])
    rows = presenters.section_summary_rows(
        assessment, section, progress.answers_by_question(assessment, section), check_url
    )
    # The section's completions (each perhaps reopened since), newest first: its record.
    completions = list(
        assessment.completions.filter(section=section)
        .select_related("completed_by", "reopened_by")
        .order_by("-completed_at", "-pk")[:COMPLETION_RECORD_SIZE]
    )
    record = presenters.completion_record(completions)
    missing_keys = {q.key for q in missing or []}
    return {
        "assessment": assessment,
        "section": section,
        "rows": rows,
        "completed": any(c.reopened_at is None for c in completions),
        "record": record,
        "can_edit": can_edit,
        "missing_rows": [r for r in rows if r.key in missing_keys],
    }


@login_required
@require_safe
def section_check(request: AuthenticatedRequest, pk: str, number: int) -> HttpResponse:
    access = get_assessment_for(request.user, pk, Action.VIEW)
    section = _get_section(access.assessment, number)
    context = _check_context(access.assessment, section, access.allows(Action.EDIT))
    return render(request, "assessments/check.html", context)


@login_required
@require_POST
def section_complete(request: AuthenticatedRequest, pk: str, number: int) -> HttpResponse:
    assessment, _role = get_assessment_for(request.user, pk, Action.EDIT)
    section = _get_section(assessment, number)
    missing = services.section_complete(assessment=assessment, section=section, user=request.user)
    if missing:
        return render(request, "assessments/check.html", _check_context(assessment, section, True, missing), status=200)
    messages.success(request, f"Section {section.number} marked as complete.")
    return redirect("assessment_task_list", pk=assessment.pk)


@login_required
@require_POST
def section_reopen(request: AuthenticatedRequest, pk: str, number: int) -> HttpResponse:
    assessment, _role = get_assessment_for(request.user, pk, Action.EDIT)
    section = _get_section(assessment, number)
    if services.section_reopen(assessment=assessment, section=section, user=request.user):
        messages.success(request, f"Section {section.number} is in progress again.")
    return redirect("section_check", pk=assessment.pk, number=section.number)


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
def section_preview(request: AuthenticatedRequest, section_pk: int) -> HttpResponse:
    """A toolkit section as an assessor sees it, for content editors (the admin's "View on site")."""
    section = get_section_for_preview(request.user, section_pk)
    context = {
        "section": section,
        "version": section.version,
        "form": SectionForm(questions=list(section.questions.all())),
        "resources": section.resources.all(),
        "example": getattr(section, "working_example", None),
        "admin_url": reverse("admin:toolkit_content_section_change", args=[section.pk]),
    }
    return render(request, "assessments/section_preview.html", context)
