"""Every write to a workshop goes through these functions.

Assessments are made and changed only through assessments' own services (assessment_create,
assessment_copy, team_add, assessments_set_read_only), never by writing their rows here.
"""

import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from accounts.security_log import client_ip
from assessments import services as assessment_services
from assessments import team
from assessments.models import Assessment, Membership, Role
from hiat_site.tasks import send_email
from workshops import codes
from workshops.models import JoinCodeFailure, Participant, Workshop, WorkshopGroup

logger = logging.getLogger("hiat.security")

# Accounts made by joining have an address nobody can receive mail at (.invalid is
# reserved for that, RFC 2606) until their owner gives a real one.
GUEST_EMAIL_DOMAIN = "guest.invalid"


# --- Creating ---------------------------------------------------------------------------


@transaction.atomic
def workshop_create(
    *, trainer: User, details: dict[str, Any], group_names: list[str], creation_token: uuid.UUID | None = None
) -> Workshop:
    """Open a workshop with a fresh join code (and its groups, in group mode).

    The same page submitted twice (same `creation_token`) returns the first workshop.
    `details` are a cleaned WorkshopForm's: the form has checked the case study is the
    trainer's own and on the chosen toolkit version.
    """
    if creation_token is not None:
        User.objects.select_for_update().filter(pk=trainer.pk).values_list("pk", flat=True).get()
        existing = Workshop.objects.filter(trainer=trainer, creation_token=creation_token).first()
        if existing is not None:
            return existing
    for _attempt in range(10):
        try:
            with transaction.atomic():
                workshop = Workshop.objects.create(
                    trainer=trainer, join_code=codes.new_code(), creation_token=creation_token, **details
                )
            break
        except IntegrityError:  # the code is taken (1 in ~10^9 per open workshop): draw another
            continue
    else:
        raise RuntimeError("Could not find an unused join code")
    if workshop.mode == Workshop.Mode.GROUPS:
        WorkshopGroup.objects.bulk_create(
            WorkshopGroup(workshop=workshop, name=name, position=n) for n, name in enumerate(group_names, 1)
        )
    return workshop


# --- Joining ------------------------------------------------------------------------------


def _failure_window() -> timedelta:
    return timedelta(minutes=settings.WORKSHOP_JOIN_FAILURE_WINDOW_MINUTES)


def join_throttled(request: HttpRequest) -> bool:
    """Whether this address has typed too many codes that match nothing lately."""
    since = timezone.now() - _failure_window()
    failures = JoinCodeFailure.objects.filter(ip_address=client_ip(request), created_at__gte=since)
    return failures.count() >= settings.WORKSHOP_JOIN_FAILURE_LIMIT


def join_failure_record(request: HttpRequest) -> None:
    """Count a code that matched no workshop (only failures are written: a right code costs nothing)."""
    now = timezone.now()
    JoinCodeFailure.objects.filter(created_at__lt=now - _failure_window()).delete()
    JoinCodeFailure.objects.create(ip_address=client_ip(request), created_at=now)
    if join_throttled(request):
        logger.warning("Join codes throttled for %s", client_ip(request))


def workshop_by_code(typed: str) -> Workshop | None:
    """The workshop with this join code, open or closed; None for a code that matches nothing."""
    code = codes.normalise(typed)
    if not code:
        return None
    return Workshop.objects.filter(join_code=code).select_related("trainer").first()


class JoinRefused(Exception):
    """Joining is not possible: the reason is a message for the person."""

    CLOSED = "This workshop has closed. Ask your trainer if you need to get back to your work."
    FULL = "This workshop is full. Ask your trainer to make room for you."
    TRAINER = "You run this workshop, so you cannot join it as a participant."
    GROUP = "Select the group you are working with"


def participant_of(workshop: Workshop, user: User) -> Participant | None:
    if not user.is_authenticated:
        return None
    return Participant.objects.filter(workshop=workshop, user=user).first()


def guest_create(*, display_name: str) -> User:
    """An account for someone who joined with only a name: no email, no usable password.

    They use it through the session of the browser they joined on (and its browser key),
    until they add an email and password (accounts.services.user_add_sign_in).
    """
    user = User(email=f"guest-{uuid.uuid4().hex}@{GUEST_EMAIL_DOMAIN}", display_name=display_name)
    user.set_unusable_password()
    user.save()
    return user


def _title(workshop: Workshop, name: str) -> str:
    return f"{workshop.name}: {name}"[:200]


def _new_assessment(workshop: Workshop, owner: User, name: str) -> Assessment:
    """The assessment a participant or group starts with: a copy of the case study, if there is one."""
    if workshop.case_study is not None:
        assessment = assessment_services.assessment_copy(
            source=workshop.case_study, owner=owner, title=_title(workshop, name)
        )
    else:
        assessment = assessment_services.assessment_create(
            owner=owner, details={"title": _title(workshop, name)}, toolkit_version=workshop.toolkit_version
        )
    # The trainer follows every workshop assessment on the dashboard and may open it,
    # read-only; their "Your assessments" stays theirs.
    team.team_add(assessment=assessment, user=workshop.trainer, role=Role.VIEWER, added_by=owner, listed=False)
    return assessment


# How long a join page's second submission still finds the place its first one made.
SAME_PAGE_JOIN_WINDOW = timedelta(minutes=10)


def _is_same_page_again(earlier: Participant) -> bool:
    """Whether a join page's token may still stand for the guest place it made: only a moment
    later, and only while the account is still a guest's (it signs in with no password)."""
    recent = earlier.joined_at >= timezone.now() - SAME_PAGE_JOIN_WINDOW
    return earlier.guest and recent and not earlier.user.has_usable_password()


def workshop_join(
    *,
    workshop: Workshop,
    user: User | None = None,
    guest_name: str = "",
    group_id: int | None = None,
    creation_token: uuid.UUID | None = None,
) -> Participant:
    """Add someone to the workshop, with the assessment they will work on; or return their
    place if they have joined already (a double submit, a second tab).

    `user` joins with their account; without one, a guest account named `guest_name` is
    made with the place (guest_create), so a refused join leaves no account behind; the
    join page submitted again (same `creation_token`) returns that guest's place. An
    account without a usable password is a guest's either way: deleted with the workshop
    unless its owner adds an email and password.

    Raises JoinRefused when the workshop has closed or is full, for the trainer, and in
    group mode for a missing or unknown group. Two short transactions, so a room joining at
    once waits on the workshop's row lock only for the capacity check and the participant
    row, not for making (or copying) assessments: first the place is taken under that lock;
    then the assessment is made, under the group's lock in group mode. A join that fails
    between the two is finished by the next attempt (the same person's participant row
    without an assessment).
    """
    with transaction.atomic():
        locked = Workshop.objects.select_for_update().get(pk=workshop.pk)
        participant = None
        earlier = None
        if user is not None:
            participant = Participant.objects.filter(workshop=locked, user=user).first()
        elif creation_token is not None:
            earlier = Participant.objects.filter(workshop=locked, creation_token=creation_token).first()
            participant = earlier if earlier is not None and _is_same_page_again(earlier) else None
        if participant is None:
            if locked.closed_at is not None:
                raise JoinRefused(JoinRefused.CLOSED)
            if user is not None and user.pk == locked.trainer_id:
                raise JoinRefused(JoinRefused.TRAINER)
            if Participant.objects.filter(workshop=locked).count() >= locked.capacity:
                raise JoinRefused(JoinRefused.FULL)
            group = None
            if locked.mode == Workshop.Mode.GROUPS:
                group = WorkshopGroup.objects.filter(workshop=locked, pk=group_id or 0).first()
                if group is None:
                    raise JoinRefused(JoinRefused.GROUP)
            # A page sent again too late joins anew, without its token (which stays with the first place).
            token = creation_token if user is None and earlier is None else None
            user = user or guest_create(display_name=guest_name)
            guest = not user.has_usable_password()
            participant = Participant.objects.create(
                workshop=locked, user=user, group=group, guest=guest, creation_token=token
            )
    if participant.assessment_id is None:
        _give_assessment(participant)
    return participant


@transaction.atomic
def _give_assessment(participant: Participant) -> None:
    """The participant's own new assessment, or their group's (made by its first member)."""
    # The participant's row lock: two submits of one join make one assessment.
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    if locked.assessment_id is not None:
        participant.assessment_id = locked.assessment_id
        return
    workshop = Workshop.objects.select_related("trainer", "case_study").get(pk=participant.workshop_id)
    user = participant.user
    if participant.group_id is None:
        assessment = _new_assessment(workshop, user, user.display_name)
    else:
        # One member at a time per group: the first makes the group's assessment.
        group = (
            WorkshopGroup.objects.select_for_update(of=("self",))
            .select_related("assessment")
            .get(pk=participant.group_id)
        )
        if group.assessment is None:
            group.assessment = _new_assessment(workshop, user, group.name)
            group.save(update_fields=["assessment"])
        else:
            team.team_add(assessment=group.assessment, user=user, role=Role.EDITOR, added_by=workshop.trainer)
        assessment = group.assessment
    Participant.objects.filter(pk=participant.pk).update(assessment=assessment)
    participant.assessment = assessment


BROWSER_KEY_COOKIE = "hiat_workshop_key"


def browser_key_issue(participant: Participant) -> str:
    """A new random key for a guest's browser: the cookie holds it, the database its hash."""
    key = secrets.token_urlsafe(32)
    participant.browser_key_hash = hashlib.sha256(key.encode()).hexdigest()
    participant.save(update_fields=["browser_key_hash"])
    return f"{participant.pk}:{key}"


def guest_return(*, cookie: str, workshop: Workshop | None = None) -> User | None:
    """The guest account this browser joined a workshop with (this one, or any), if its key
    matches.

    Only for accounts still without an email and password: anyone who added them signs in
    with them like everyone else.
    """
    participant_id, _, key = (cookie or "").partition(":")
    if not participant_id.isdigit() or len(participant_id) > 18 or not key:
        return None
    participants = Participant.objects.filter(pk=int(participant_id), guest=True)
    if workshop is not None:
        participants = participants.filter(workshop=workshop)
    participant = participants.select_related("user").first()
    if participant is None or not participant.browser_key_hash:
        return None
    if not secrets.compare_digest(participant.browser_key_hash, hashlib.sha256(key.encode()).hexdigest()):
        return None
    user = participant.user
    return user if user.is_active and not user.has_usable_password() else None


# --- Running the room ---------------------------------------------------------------------


@transaction.atomic
def answers_reveal(*, workshop: Workshop, question_key: str, revealed: bool) -> None:
    """Show (or hide again) everyone's answers to one question on the side-by-side page."""
    locked = Workshop.objects.select_for_update().get(pk=workshop.pk)
    keys = [k for k in locked.revealed if k != question_key] + ([question_key] if revealed else [])
    locked.revealed = keys
    locked.save(update_fields=["revealed"])
    workshop.revealed = keys


def names_show(*, workshop: Workshop, show: bool) -> None:
    """Whether the side-by-side page names who wrote each answer."""
    workshop.show_names = show
    workshop.save(update_fields=["show_names"])


def workshop_assessment_ids(workshop: Workshop) -> list[uuid.UUID]:
    """Every assessment made in the workshop (a participant's own, or a group's)."""
    ids = Participant.objects.filter(workshop=workshop, assessment__isnull=False).values_list(
        "assessment_id", flat=True
    )
    group_ids = WorkshopGroup.objects.filter(workshop=workshop, assessment__isnull=False).values_list(
        "assessment_id", flat=True
    )
    return sorted(set(ids) | set(group_ids), key=str)


@transaction.atomic
def workshop_close(*, workshop: Workshop, read_only: bool) -> None:
    """No more joins; the participants' assessments become read-only, or stay editable.

    Closing again changes the choice: a trainer who closed read-only can let people finish.
    """
    locked = Workshop.objects.select_for_update().get(pk=workshop.pk)
    locked.closed_at = locked.closed_at or timezone.now()
    locked.closed_read_only = read_only
    locked.save(update_fields=["closed_at", "closed_read_only"])
    assessment_services.assessments_set_read_only(assessment_ids=workshop_assessment_ids(locked), read_only=read_only)
    workshop.closed_at, workshop.closed_read_only = locked.closed_at, locked.closed_read_only


# --- Deleting -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedAssessment:
    assessment_id: uuid.UUID
    title: str
    people: str  # who works on it, for the confirmation page


@dataclass(frozen=True)
class Told:
    name: str
    email: str
    kept_titles: tuple[str, ...]


@dataclass(frozen=True)
class DeletionPlan:
    """What deleting a workshop deletes, keeps and tells: the confirmation page lists exactly this."""

    workshop: Workshop
    groups: int
    participations: int
    assessments_deleted: list[PlannedAssessment]
    assessments_kept: list[PlannedAssessment]
    guests_deleted: list[User]
    told: list[Told]
    # Kept assessments whose owner is a guest being deleted -> who owns them next.
    new_owners: dict[uuid.UUID, User] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        """A fingerprint of the plan as shown: deleting refuses if it changed meanwhile."""
        parts = [
            *(f"d:{a.assessment_id}" for a in self.assessments_deleted),
            *(f"k:{a.assessment_id}" for a in self.assessments_kept),
            *(f"g:{u.pk}" for u in self.guests_deleted),
            *(f"t:{t.email}" for t in self.told),
            f"p:{self.participations}",
        ]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def deletion_plan(workshop: Workshop) -> DeletionPlan:
    """Work out what deleting the workshop would do, without doing it.

    Deleted: the workshop, its groups and participations, the accounts made by joining that
    never got an email and password, and every workshop assessment nobody else keeps.
    Kept: a workshop assessment anyone with an account of their own works on (its owner
    passes to them if the owner was a guest), without the trainer's access to it. Told by
    email: the participants with an account of their own, that their work stays.
    """
    participants = list(
        Participant.objects.filter(workshop=workshop).select_related("user").order_by("joined_at", "pk")
    )
    guests = [p.user for p in participants if p.guest and not p.user.has_usable_password()]
    guest_ids = {u.pk for u in guests}
    # The workshop's assessments, then any others a guest started (deleted with their account).
    ids = workshop_assessment_ids(workshop)
    ids += sorted(
        Assessment.objects.filter(owner_id__in=guest_ids).exclude(pk__in=ids).values_list("pk", flat=True), key=str
    )
    assessments = {a.pk: a for a in Assessment.objects.filter(pk__in=ids).select_related("owner")}
    members: dict[uuid.UUID, list[User]] = {pk: [] for pk in assessments}
    for membership in (
        Membership.objects.filter(assessment_id__in=ids)
        .exclude(user=workshop.trainer)
        .select_related("user")
        .order_by("role", "added_at", "pk")  # editors before viewers
    ):
        members[membership.assessment_id].append(membership.user)
    deleted, kept, new_owners = [], [], {}
    kept_by: dict[int, list[str]] = {}
    for pk in ids:
        assessment = assessments.get(pk)
        if assessment is None:
            continue
        people = [assessment.owner, *members[pk]]
        keepers = [u for u in people if u.pk != workshop.trainer_id and u.pk not in guest_ids]
        planned = PlannedAssessment(pk, assessment.title, ", ".join(u.display_name for u in people))
        if not keepers:
            deleted.append(planned)
            continue
        kept.append(planned)
        if assessment.owner_id in guest_ids:
            new_owners[pk] = keepers[0]
        for keeper in keepers:
            kept_by.setdefault(keeper.pk, []).append(assessment.title)
    told = [
        Told(p.user.display_name, p.user.email, tuple(kept_by.get(p.user.pk, [])))
        for p in participants
        if p.user.pk not in guest_ids
    ]
    return DeletionPlan(
        workshop=workshop,
        groups=WorkshopGroup.objects.filter(workshop=workshop).count(),
        participations=len(participants),
        assessments_deleted=deleted,
        assessments_kept=kept,
        guests_deleted=guests,
        told=told,
        new_owners=new_owners,
    )


class PlanChanged(Exception):
    """Someone joined or changed something since the confirmation page was shown."""


@transaction.atomic
def workshop_delete(*, workshop: Workshop, shown_digest: str, site_url: str) -> DeletionPlan:
    """Delete exactly what deletion_plan lists, if it is still what the trainer was shown.

    Joins stop first (the workshop's row lock, which joining takes too). The emails are
    queued for the worker once the deletion has committed.
    """
    locked = Workshop.objects.select_for_update().select_related("trainer").get(pk=workshop.pk)
    plan = deletion_plan(locked)
    if plan.digest != shown_digest:
        raise PlanChanged
    for pk, new_owner in plan.new_owners.items():
        team.team_owner_replace(assessment=Assessment.objects.get(pk=pk), new_owner=new_owner)
    kept_ids = [a.assessment_id for a in plan.assessments_kept]
    # The trainer's read-only access ends with the workshop; what people keep is theirs.
    Membership.objects.filter(assessment_id__in=kept_ids, user=locked.trainer).delete()
    assessment_services.assessments_set_read_only(assessment_ids=kept_ids, read_only=False)
    Assessment.objects.filter(pk__in=[a.assessment_id for a in plan.assessments_deleted]).delete()
    locked.delete()
    # Still without a password (as planned, under the lock): an account that has one is never deleted here.
    User.objects.filter(
        pk__in=[u.pk for u in plan.guests_deleted], password__startswith=UNUSABLE_PASSWORD_PREFIX
    ).delete()
    context = {"workshop_name": locked.name, "trainer": locked.trainer.display_name, "site_url": site_url}
    for person in plan.told:
        body = render_to_string("workshops/email/deleted.txt", {**context, "person": person})
        subject = f"The workshop “{locked.name}” has been deleted"
        transaction.on_commit(partial(send_email.enqueue, subject=subject, body=body, to=[person.email]))
    return plan
