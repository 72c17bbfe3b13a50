"""The team page and its actions, and following an invitation link.

Every view starts with the access policy, naming its action: anyone on the team may see
who else is on it and may leave; only the owner manages it.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.http import AuthenticatedRequest
from assessments import team
from assessments.access import Action, get_assessment_for
from assessments.forms import InviteForm
from assessments.models import Assessment, Invitation, Role


def _team_page(request: AuthenticatedRequest, assessment: Assessment, role: Role, form: InviteForm) -> HttpResponse:
    form.helper.form_action = reverse("assessment_team_invite", args=[assessment.pk])
    context = {
        "assessment": assessment,
        "role": role,
        "is_owner": role == Role.OWNER,
        "members": team.team_members(assessment),
        "invitations": team.pending_invitations(assessment) if role == Role.OWNER else [],
        "form": form,
        "member_roles": team.MEMBER_ROLES,
    }
    return render(request, "assessments/team.html", context)


@login_required
@require_safe
def team_page(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    assessment, role = get_assessment_for(request.user, pk, Action.VIEW)
    return _team_page(request, assessment, role, InviteForm())


def _back(assessment: Assessment) -> HttpResponse:
    return redirect("assessment_team", pk=assessment.pk)


@login_required
@require_POST
def team_invite(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    assessment, role = get_assessment_for(request.user, pk, Action.MANAGE_TEAM)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            outcome = team.team_invite(
                assessment=assessment,
                email=form.cleaned_data["email"],
                role=Role(form.cleaned_data["role"]),
                invited_by=request.user,
                site_url=request.build_absolute_uri("/").rstrip("/"),
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            messages.success(request, outcome)
            return _back(assessment)
    return _team_page(request, assessment, role, form)


def _member_id(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("member", ""))
    except ValueError:
        return 0


@login_required
@require_POST
def team_change_role(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    assessment, _role = get_assessment_for(request.user, pk, Action.MANAGE_TEAM)
    try:
        membership = team.team_change_role(
            assessment=assessment, user_id=_member_id(request), role=Role(request.POST.get("role", ""))
        )
    except (ValidationError, ValueError):
        messages.error(request, "Choose a person on the team and a role: editor or viewer.")
    else:
        messages.success(request, f"{membership.user.display_name} is now {Role(membership.role).label.lower()}.")
    return _back(assessment)


@login_required
@require_POST
def team_remove(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    assessment, _role = get_assessment_for(request.user, pk, Action.MANAGE_TEAM)
    try:
        removed = team.team_remove(assessment=assessment, user_id=_member_id(request))
    except ValidationError:
        messages.error(request, "That person is not on the team.")
    else:
        messages.success(request, f"{removed.display_name} has been removed from the team.")
    return _back(assessment)


@login_required
@require_POST
def team_transfer(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    assessment, _role = get_assessment_for(request.user, pk, Action.MANAGE_TEAM)
    try:
        new_owner = team.team_transfer(assessment=assessment, to_user_id=_member_id(request), by=request.user)
    except ValidationError:
        messages.error(request, "Choose a person on the team to hand the assessment to.")
        return _back(assessment)
    messages.success(request, f"{new_owner.display_name} now owns this assessment. You are an editor.")
    return redirect("assessment_task_list", pk=assessment.pk)


@login_required
@require_POST
def team_revoke(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    assessment, _role = get_assessment_for(request.user, pk, Action.MANAGE_TEAM)
    team.invitation_revoke(assessment=assessment, invitation_id=_member_id(request))
    messages.success(request, "The invitation has been withdrawn.")
    return _back(assessment)


@login_required
@require_POST
def team_leave(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    assessment, _role = get_assessment_for(request.user, pk, Action.VIEW)
    try:
        team.team_leave(assessment=assessment, user=request.user)
    except ValidationError:
        messages.error(request, "You own this assessment. Hand it to someone on the team before you leave.")
        return _back(assessment)
    messages.success(request, f"You have left “{assessment.title}”.")
    return redirect("assessment_list")


@require_http_methods(["GET", "HEAD", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link. Anyone holding it may see what it is for; joining needs an account
    and a POST (a link preview or a mail scanner following it must not use it up)."""
    invitation = (
        Invitation.objects.select_related("assessment", "invited_by").filter(token_hash=team.token_hash(token)).first()
    )
    if invitation is None or not invitation.is_open:
        return render(request, "assessments/invitation_invalid.html", status=410 if invitation else 404)
    if request.method == "POST" and request.user.is_authenticated:
        try:
            assessment = team.invitation_accept(token=token, user=request.user)
        except team.InvitationInvalid:
            return render(request, "assessments/invitation_invalid.html", status=410)
        messages.success(request, f"You have joined “{assessment.title}”.")
        return redirect("assessment_task_list", pk=assessment.pk)
    here = reverse("invitation_accept", args=[token])
    context = {"invitation": invitation, "role": Role(invitation.role).label.lower(), "next": here}
    return render(request, "assessments/invitation.html", context)
