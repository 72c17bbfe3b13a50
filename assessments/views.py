"""Assessment pages. Each view starts with get_assessment_for(), naming its action; POSTs redirect."""

import logging
import uuid
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
from assessments import presenters, progress, services
from assessments.access import Action, assessments_visible_to, get_assessment_for, roles_of
from assessments.answer_types import digest, rules_for
from assessments.export import assessment_export_data
from assessments.forms import AssessmentDetailsForm, SectionForm, Starting, shown_name
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
    # A random token per page: submitting the same page twice makes one assessment.
    token = _creation_token(request.POST.get("creation_token")) if request.method == "POST" else None
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


def _creation_token(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value or "")
    except ValueError:
        return None


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


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def assessment_details(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    assessment, _role = get_assessment_for(request.user, pk, Action.EDIT)
    form = AssessmentDetailsForm(
        request.POST if request.method == "POST" else None, instance=assessment, submit_label="Save and continue"
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        details = {name: form.cleaned_data[name] for name in form.Meta.fields}
        result = services.assessment_update_details(
            assessment=assessment, details=details, user=request.user, shown=form.shown()
        )
        if not result.conflicts:
            if result.changed:
                messages.success(request, "Project details saved.")
            return redirect("assessment_task_list", pk=assessment.pk)
        form, status = _details_conflict_form(assessment, request.POST, result.conflicts), 409
    context = {"assessment": assessment, "form": form, "guidance": assessment.toolkit_version.project_details_guidance}
    return render(request, "assessments/details.html", context, status=status)


def _details_conflict_form(
    assessment: Assessment, posted: QueryDict, conflicts: dict[str, Any]
) -> AssessmentDetailsForm:
    """The details form again, keeping what the person typed, with each detail someone else
    changed meanwhile marked and its newer value quoted. Saving again keeps this person's
    values, on purpose: the page now counts as having shown the newer ones."""
    data = posted.copy()
    for name, newer in conflicts.items():
        data[shown_name(name)] = services.value_digest(newer)
    again = AssessmentDetailsForm(data, instance=assessment, submit_label="Save and continue")
    again.is_valid()
    for name, newer in conflicts.items():
        again.add_error(
            name,
            f"Someone else changed this while you were editing, to: “{_detail_text(again, name, newer)}”. "
            "What you typed is below: save again to keep yours, or change it.",
        )
    return again


def _detail_text(form: AssessmentDetailsForm, name: str, value: Any) -> str:
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


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def section_edit(request: AuthenticatedRequest, pk: str, number: int) -> HttpResponse:
    assessment, _role = get_assessment_for(request.user, pk, Action.EDIT)
    section = _get_section(assessment, number)
    questions = list(section.questions.all())
    return_url = _safe_return_url(request)
    status = 200
    saved_others = 0
    if request.method == "POST":
        form = SectionForm(request.POST, questions=questions)
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
    completed = assessment.completions.current().filter(section=section).exists()
    missing_keys = {q.key for q in missing or []}
    return {
        "assessment": assessment,
        "section": section,
        "rows": rows,
        "completed": completed,
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
