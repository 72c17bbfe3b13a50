"""An answer's history page, and restoring an earlier version from it.

GET  /assessments/<uuid>/answers/<question_key>/history/  anyone on the team
POST /assessments/<uuid>/answers/<question_key>/restore/  editors and the owner, with
     `version` (the one to bring back) and `base_version` (the current version the page
     showed); then back to the history page with a message saying what happened.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST, require_safe

from accounts.http import AuthenticatedRequest
from assessments import presenters, progress, services, version_move
from assessments.access import Action, get_assessment_for
from assessments.answer_types import rules_for
from assessments.models import Answer, AnswerRevision, Assessment
from assessments.views import safe_return_url
from toolkit_content.models import Question

# The newest versions a history page shows (each is compared with the one before it).
HISTORY_PAGE_SIZE = 50
# Versions are PostgreSQL integers; anything larger is not a version.
_MAX_VERSION = 2**31 - 1

CONFLICT_MESSAGE = (
    "Someone changed this answer while you were looking at its history. "
    "Check the newest version, then restore again if you still want to."
)


def _question(assessment: Assessment, key: str) -> Question:
    """The question of the assessment's own toolkit version with this key, or 404."""
    question = progress.question_by_key(assessment, key)
    if question is None:
        raise Http404("No such question.")
    return question


def _history_url(assessment: Assessment, question: Question, return_url: str) -> str:
    url = reverse("answer_history", args=[assessment.pk, question.key])
    return f"{url}?{urlencode({'return_url': return_url})}" if return_url else url


def _version(value: str | None, *, minimum: int) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if minimum <= number <= _MAX_VERSION else None


@login_required
@require_safe
def answer_history(request: AuthenticatedRequest, pk: str, question_key: str) -> HttpResponse:
    access = get_assessment_for(request.user, pk, Action.VIEW)
    assessment = access.assessment
    question = progress.question_by_key(assessment, question_key)
    kept = None
    if question is None:
        # An answer kept with a question no longer in the toolkit: its history is read-only,
        # as the answer is (there is no question of the assessment's version to save it to).
        kept = version_move.kept_answer_by_key(assessment, question_key)
        if kept is None:
            raise Http404("No such question.")
        question = kept.question
    section = question.section
    answer = kept or Answer.objects.filter(assessment=assessment, question=question).first()
    # One entry more than is shown: the oldest entry shown is compared with it.
    revisions = (
        list(answer.revisions.select_related("author", "toolkit_version")[: HISTORY_PAGE_SIZE + 1]) if answer else []
    )
    can_edit = access.allows(Action.EDIT) and kept is None
    return_url = safe_return_url(request)
    if kept is not None:
        back_url = reverse("assessment_task_list", args=[assessment.pk]) + "#kept-answers"
    elif can_edit:
        section_url = reverse("section", args=[assessment.pk, section.number])
        back_url = f"{section_url}#{rules_for(question).anchor(question)}"
    else:
        back_url = reverse("section_check", args=[assessment.pk, section.number])
    context = {
        "assessment": assessment,
        "section": section,
        "question": question,
        "history": presenters.answer_history(question, revisions, shown=HISTORY_PAGE_SIZE),
        "page_size": HISTORY_PAGE_SIZE,
        "current_version": answer.version if answer else 0,
        "can_edit": can_edit,
        "back_url": return_url or back_url,
        "return_url": return_url,
        "kept_version": section.version if kept is not None else None,
        "kept_heading": version_move.KEPT_HEADING,
    }
    return render(request, "assessments/history.html", context)


@login_required
@require_POST
def answer_restore(request: AuthenticatedRequest, pk: str, question_key: str) -> HttpResponse:
    assessment, _role = get_assessment_for(request.user, pk, Action.EDIT)
    question = _question(assessment, question_key)
    history_url = _history_url(assessment, question, safe_return_url(request))
    version = _version(request.POST.get("version"), minimum=1)
    base_version = _version(request.POST.get("base_version"), minimum=0)
    if version is None or base_version is None:
        messages.error(request, "Choose a version to restore from the list below.")
        return redirect(history_url)
    try:
        saved = services.answer_restore(
            assessment=assessment, question=question, version=version, base_version=base_version, user=request.user
        )
    except AnswerRevision.DoesNotExist:
        messages.error(request, f"This answer has no version {version} to restore. Choose one from the list below.")
    except services.AnswerConflict:
        messages.error(request, CONFLICT_MESSAGE)
    else:
        if saved.changed:
            messages.success(request, f"Version {version} restored. It is now version {saved.version}.")
        else:
            # Also what a second press of the same button meets: the first has restored it.
            messages.info(request, f"Version {version} is the same as the current version, so nothing was changed.")
    return redirect(history_url)
