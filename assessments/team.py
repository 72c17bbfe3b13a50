"""The team of an assessment: invitations, roles, leaving and handing over ownership.

The owner is `Assessment.owner`; everyone else on the team has a `Membership` (editor or
viewer). Every change goes through these functions, which the views call after the access
policy has checked the person may manage the team. Emails are sent by the worker.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from assessments.models import Assessment, Invitation, Membership, Role
from hiat_site.tasks import send_email

INVITATION_VALID_FOR = timedelta(days=14)
MEMBER_ROLES = (Role.EDITOR, Role.VIEWER)


@dataclass(frozen=True)
class TeamRow:
    user: User
    role: Role


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def team_members(assessment: Assessment) -> list[TeamRow]:
    """The owner first, then members by name."""
    members = Membership.objects.filter(assessment=assessment).select_related("user").order_by("user__display_name")
    return [TeamRow(assessment.owner, Role.OWNER)] + [TeamRow(m.user, Role(m.role)) for m in members]


def pending_invitations(assessment: Assessment) -> list[Invitation]:
    return list(
        assessment.invitations.filter(accepted_at=None, revoked_at=None, expires_at__gt=timezone.now()).order_by(
            "email"
        )
    )


def _notify(*, to: str, subject: str, template: str, context: dict[str, object]) -> None:
    send_email.enqueue(subject=subject, body=render_to_string(template, context), to=[to])


def team_invite(*, assessment: Assessment, email: str, role: Role, invited_by: User, site_url: str) -> str:
    """Add someone to the team by email address; returns what happened, for the message shown.

    An address with an account joins at once and is told by email. Any other address gets a
    single-use link that expires; following it (and signing up, if need be) joins the team.
    Signing up with the address alone does not: nobody has proved they read that mailbox.
    """
    email = email.strip().lower()
    if role not in MEMBER_ROLES:
        raise ValidationError({"role": "Choose editor or viewer"})
    if email == assessment.owner.email:
        raise ValidationError({"email": "That is the owner's email address"})
    user = User.objects.filter(email__iexact=email).first()
    context = {"assessment": assessment, "invited_by": invited_by, "role": role.label.lower(), "site_url": site_url}
    if user is not None:
        if Membership.objects.filter(assessment=assessment, user=user).exists():
            raise ValidationError({"email": f"{user.display_name} is already on the team"})
        try:
            with transaction.atomic():
                Membership.objects.create(assessment=assessment, user=user, role=role, added_by=invited_by)
        except IntegrityError:  # added by a simultaneous request: the outcome is the same
            pass
        _notify(
            to=email,
            subject=f"You have been added to “{assessment.title}”",
            template="assessments/email/added.txt",
            context={**context, "link": site_url + reverse("assessment_task_list", args=[assessment.pk])},
        )
        return f"{user.display_name} has been added to the team as {role.label.lower()}."
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        # A new invitation replaces any earlier one to the same address.
        assessment.invitations.filter(email=email, accepted_at=None, revoked_at=None).update(revoked_at=timezone.now())
        Invitation.objects.create(
            assessment=assessment,
            email=email,
            role=role,
            token_hash=token_hash(token),
            invited_by=invited_by,
            expires_at=timezone.now() + INVITATION_VALID_FOR,
        )
    _notify(
        to=email,
        subject=f"Join “{assessment.title}” on HIAT Assessments",
        template="assessments/email/invited.txt",
        context={
            **context,
            "link": site_url + reverse("invitation_accept", args=[token]),
            "days": INVITATION_VALID_FOR.days,
        },
    )
    return f"An invitation has been sent to {email}. It works for {INVITATION_VALID_FOR.days} days."


def team_add(*, assessment: Assessment, user: User, role: Role, added_by: User | None, listed: bool = True) -> None:
    """Put someone on the team directly, without an email (a workshop group or its trainer).

    Nothing changes for the owner or for someone already on the team: joining twice (a
    double submit, a second browser) is the same as joining once. `listed`: whether it
    appears in their "Your assessments" (Membership.listed).
    """
    if role not in MEMBER_ROLES:
        raise ValidationError("Choose editor or viewer")
    if user.pk == assessment.owner_id:
        return
    Membership.objects.get_or_create(
        assessment=assessment, user=user, defaults={"role": role, "added_by": added_by, "listed": listed}
    )


def team_owner_replace(*, assessment: Assessment, new_owner: User) -> None:
    """Make a team member the owner when the owner's account is about to be deleted.

    Unlike team_transfer, the old owner does not stay on the team: their account is going.
    """
    with transaction.atomic():
        Membership.objects.filter(assessment=assessment, user=new_owner).delete()
        Assessment.objects.filter(pk=assessment.pk).update(owner=new_owner)
    assessment.owner = new_owner


def _join(invitation: Invitation, user: User) -> Assessment:
    """Accept an open invitation for `user`, inside the caller's transaction."""
    assessment = invitation.assessment
    if user.pk != assessment.owner_id:
        Membership.objects.get_or_create(
            assessment=assessment, user=user, defaults={"role": invitation.role, "added_by": invitation.invited_by}
        )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return assessment


class InvitationInvalid(Exception):
    """The link was used already, has expired, was withdrawn, or never existed."""


def invitation_accept(*, token: str, user: User) -> Assessment:
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("assessment")
            .filter(token_hash=token_hash(token))
            .first()
        )
        if invitation is None or not invitation.is_open:
            raise InvitationInvalid
        return _join(invitation, user)


def invitation_revoke(*, assessment: Assessment, invitation_id: int) -> None:
    assessment.invitations.filter(pk=invitation_id, accepted_at=None).update(revoked_at=timezone.now())


def _membership(assessment: Assessment, user_id: int) -> Membership:
    membership = Membership.objects.filter(assessment=assessment, user_id=user_id).select_related("user").first()
    if membership is None:
        raise ValidationError("That person is not on the team")
    return membership


def team_change_role(*, assessment: Assessment, user_id: int, role: Role) -> Membership:
    if role not in MEMBER_ROLES:
        raise ValidationError("Choose editor or viewer")
    membership = _membership(assessment, user_id)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


def team_remove(*, assessment: Assessment, user_id: int) -> User:
    membership = _membership(assessment, user_id)
    membership.delete()
    return membership.user


def team_leave(*, assessment: Assessment, user: User) -> None:
    if user.pk == assessment.owner_id:
        raise ValidationError("The owner cannot leave: hand the assessment to someone else first")
    Membership.objects.filter(assessment=assessment, user=user).delete()


def team_transfer(*, assessment: Assessment, to_user_id: int, by: User) -> User:
    """Make a team member the owner; the old owner stays on the team as an editor."""
    with transaction.atomic():
        locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
        if locked.owner_id != by.pk:
            raise ValidationError("Only the owner can hand the assessment over")
        membership = _membership(locked, to_user_id)
        new_owner = membership.user
        membership.delete()
        Membership.objects.create(assessment=locked, user=by, role=Role.EDITOR, added_by=new_owner)
        locked.owner = new_owner
        locked.save(update_fields=["owner", "updated_at"])
    assessment.owner = new_owner
    return new_owner
