"""Moving an assessment to a newer version of the toolkit: the preview, and the move.

GET  /assessments/<uuid>/toolkit-version/  the owner: what moving to the newest published
     version would carry over, what is new, and what is kept with questions no longer in
     the toolkit (or that the assessment already uses the newest version)
POST /assessments/<uuid>/toolkit-version/  the owner, with `from_version` and `to_version`
     as the preview showed them; then the task list, or the preview again with a message
     saying why nothing was moved
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedRequest
from assessments import presenters, services
from assessments.access import Action, get_assessment_for
from assessments.version_move import KEPT_HEADING, move_plan, newer_version

# Toolkit version ids are PostgreSQL integers; anything else is not one.
_MAX_ID = 2**63 - 1


def _version_id(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if 1 <= number <= _MAX_ID else None


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def assessment_toolkit_version(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    assessment, _role = get_assessment_for(request.user, pk, Action.MOVE_VERSION)
    if request.method == "POST":
        try:
            moved = services.assessment_move_version(
                assessment=assessment,
                from_version_id=_version_id(request.POST.get("from_version")),
                to_version_id=_version_id(request.POST.get("to_version")),
                user=request.user,
            )
        except services.AlreadyMoved as already:
            # A second press of the button, or a second tab: the first one moved it.
            messages.info(request, str(already))
            return redirect("assessment_task_list", pk=assessment.pk)
        except services.VersionMoveRefused as refused:
            messages.error(request, str(refused))
            return redirect("assessment_toolkit_version", pk=assessment.pk)
        messages.success(request, presenters.version_moved_message(moved))
        return redirect("assessment_task_list", pk=assessment.pk)
    target = newer_version(assessment)
    context = {
        "assessment": assessment,
        "plan": presenters.move_preview(move_plan(assessment, target)) if target else None,
        "kept_heading": KEPT_HEADING,
    }
    return render(request, "assessments/toolkit_version.html", context)
