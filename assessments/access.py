"""The one place that decides who may do what with an assessment.

Every view that touches an assessment starts with `get_assessment_for(user, pk, action)`,
naming what it is about to do. People with no role on the assessment get a 404, the same as
for an id that does not exist, so ids cannot be probed; people whose role does not allow the
action get a 403. Every list of assessments comes from `assessments_visible_to(user)`.
"""

import enum
import uuid
from typing import NamedTuple

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from accounts.models import User
from assessments.models import Assessment, Membership, Role
from toolkit_content.models import Section

# Who may preview toolkit content as assessors see it, drafts included: the people who edit it.
CONTENT_PREVIEW_PERMISSION = "toolkit_content.view_section"


class Action(enum.Enum):
    """What a view is about to do with an assessment."""

    VIEW = "view"  # read every page, preview and download the report, export the data
    EDIT = "edit"  # change the details and answers, complete and reopen sections
    MANAGE_TEAM = "manage_team"  # invite, change roles, remove members, transfer ownership
    # Move to a newer toolkit version: it changes the questions everyone on the team answers
    # and which sections count as complete, so it is the owner's decision, like the team's.
    MOVE_VERSION = "move_version"


# What each role may do. Viewers read and download, never change.
PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.OWNER: frozenset({Action.VIEW, Action.EDIT, Action.MANAGE_TEAM, Action.MOVE_VERSION}),
    Role.EDITOR: frozenset({Action.VIEW, Action.EDIT}),
    Role.VIEWER: frozenset({Action.VIEW}),
}


# What nobody may do to a read-only assessment (Assessment.read_only: a closed workshop's).
LOCKED_BY_READ_ONLY = frozenset({Action.EDIT, Action.MOVE_VERSION})


def allowed(role: Role, action: Action, *, read_only: bool) -> bool:
    """The one rule: the role's permissions, less editing while the assessment is read-only."""
    return action in PERMISSIONS[role] and not (read_only and action in LOCKED_BY_READ_ONLY)


class Access(NamedTuple):
    """The assessment and the person's role on it: `assessment, role = get_assessment_for(...)`."""

    assessment: Assessment
    role: Role

    def allows(self, action: Action) -> bool:
        return allowed(self.role, action, read_only=self.assessment.read_only)


def assessments_visible_to(user: User | AnonymousUser, *, listed: bool = False) -> QuerySet[Assessment]:
    """Every assessment the person has a role on: the only source of lists of assessments.

    `listed`: only those they list as their own work ("Your assessments"), leaving out the
    workshop assessments a trainer may read (Membership.listed).
    """
    if not user.is_authenticated:
        return Assessment.objects.none()
    member = Membership.objects.filter(assessment=OuterRef("pk"), user=user)
    if listed:
        member = member.filter(listed=True)
    return Assessment.objects.filter(Q(owner=user) | Q(Exists(member)))


def unlisted_count(user: User) -> int:
    """How many assessments the person may read but does not list (a trainer's workshops')."""
    return Membership.objects.filter(user=user, listed=False).count()


def role_of(user: User, assessment: Assessment) -> Role | None:
    if assessment.owner_id == user.pk:
        return Role.OWNER
    membership = Membership.objects.filter(assessment=assessment, user=user).values_list("role", flat=True).first()
    return Role(membership) if membership else None


def _member_role(user: User) -> Subquery:
    """The person's team role on the assessment of the outer query, read in that same query."""
    return Subquery(Membership.objects.filter(assessment=OuterRef("pk"), user=user).values("role")[:1])


def _role(user: User, owner_id: int, member_role: str | None) -> Role | None:
    if owner_id == user.pk:
        return Role.OWNER
    return Role(member_role) if member_role else None


def roles_of(user: User, assessments: list[Assessment]) -> dict[uuid.UUID, Role]:
    """The person's role on each of these assessments, in one query (for lists)."""
    roles = {a.pk: Role.OWNER for a in assessments if a.owner_id == user.pk}
    others = [a.pk for a in assessments if a.pk not in roles]
    for assessment_id, role in Membership.objects.filter(user=user, assessment_id__in=others).values_list(
        "assessment_id", "role"
    ):
        roles[assessment_id] = Role(role)
    return roles


def get_assessment_for(user: User | AnonymousUser, pk: uuid.UUID | str, action: Action) -> Access:
    """The assessment and the person's role on it, if the role allows `action`.

    Raises Http404 when the person has no role on it (or it does not exist), and
    PermissionDenied (403) when their role does not allow the action.
    """
    if not user.is_authenticated:
        raise Http404("No assessment found.")
    try:
        assessment = (
            assessments_visible_to(user)
            .select_related("toolkit_version__toolkit", "owner")
            .annotate(member_role=_member_role(user))
            .get(pk=pk)
        )
    except (Assessment.DoesNotExist, ValueError, TypeError):
        raise Http404("No assessment found.") from None
    role = _role(user, assessment.owner_id, assessment.member_role)
    if role is None:
        raise Http404("No assessment found.")
    access = Access(assessment=assessment, role=role)
    if not access.allows(action):
        if assessment.read_only and action in LOCKED_BY_READ_ONLY:
            raise PermissionDenied("This assessment is read-only: nobody can change it now.")
        raise PermissionDenied(f"A {role.label.lower()} cannot do that.")
    return access


def require(user: User, assessment: Assessment, action: Action, *, read_only: bool | None = None) -> Role:
    """For services: the person's role now, if it allows `action`; else PermissionDenied.

    A service checks again inside its transaction, so someone removed from the team after
    loading a page cannot still save from it. `read_only` is the flag as read under the
    service's row lock (else the one on `assessment`), so a workshop closed while a page was
    open stops its saves too.
    """
    return _allowed(role_of(user, assessment), action, assessment.read_only if read_only is None else read_only)


def lock_and_require(user: User, assessment: Assessment, action: Action) -> Role:
    """For services: take the assessment's row lock for this transaction, and then `require`.

    One query: the lock, and the role and read-only flag as they are once the lock is held,
    so writes to one assessment run one at a time and each is checked as it happens (a
    workshop closed while a page was open stops that page's saves too).
    """
    owner_id, member_role, read_only = (
        Assessment.objects.select_for_update()
        .filter(pk=assessment.pk)
        .annotate(member_role=_member_role(user))
        .values_list("owner_id", "member_role", "read_only")
        .get()
    )
    return _allowed(_role(user, owner_id, member_role), action, read_only)


def _allowed(role: Role | None, action: Action, read_only: bool) -> Role:
    if role is None or not allowed(role, action, read_only=read_only):
        raise PermissionDenied("You cannot do that to this assessment.")
    return role


def get_section_for_preview(user: User | AnonymousUser, section_pk: int) -> Section:
    """A toolkit section (of any version, drafts included) for its preview page.

    Only staff who may view toolkit content in the admin (content editors, administrators)
    preview content; everyone else gets a 404, as for a section that does not exist, so
    drafts cannot be probed. Previews show no one's answers.
    """
    if not (user.is_authenticated and user.is_active and user.is_staff and user.has_perm(CONTENT_PREVIEW_PERMISSION)):
        raise Http404("No section found.")
    section = (
        Section.objects.filter(pk=section_pk)
        .select_related("version__toolkit", "working_example")
        .prefetch_related("questions", "resources")
        .first()
    )
    if section is None:
        raise Http404("No section found.")
    return section
