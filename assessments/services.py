"""Every write to an assessment goes through these functions.

Each runs in one transaction, saves only what changed, and bumps the assessment's
revision when something the report shows has changed (cached reports key on it).
"""

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import User
from assessments.access import Action, lock_and_require, require
from assessments.answer_types import AnswerValue, Stored, is_answered, rules_for
from assessments.models import Answer, AnswerRevision, AnswerSaveReceipt, Assessment, SectionCompletion
from assessments.progress import answers_by_question
from assessments.tasks import SETTLED_RENDER_STALE_AFTER, schedule_settled_render
from assessments.version_move import KeptBecause, SectionOutcome, move_plan, newer_version
from toolkit_content.models import Question, Section, ToolkitVersion

DEFAULT_TOOLKIT = "hiat"


class NoPublishedToolkit(Exception):
    """The toolkit content has not been loaded (run `manage.py load_toolkit`)."""


def latest_published_version(toolkit_slug: str = DEFAULT_TOOLKIT) -> ToolkitVersion:
    version = (
        ToolkitVersion.objects.filter(toolkit__slug=toolkit_slug, status=ToolkitVersion.Status.PUBLISHED)
        .order_by("-published_at", "-id")
        .first()
    )
    if version is None:
        raise NoPublishedToolkit(toolkit_slug)
    return version


# One statement: lock the row, read whether a settled render is already queued, bump the
# revision and mark one queued. FOR UPDATE in the CTE reads the row as last committed (the
# worker clears the mark under the same lock), so exactly one change queues the task.
_BUMP_REVISION_SQL = """
WITH before AS (
    SELECT settled_render_queued, updated_at FROM assessments_assessment WHERE id = %(id)s FOR UPDATE
)
UPDATE assessments_assessment AS a
SET revision = a.revision + 1, updated_at = %(now)s, settled_render_queued = true
FROM before
WHERE a.id = %(id)s
RETURNING a.revision, before.settled_render_queued AND before.updated_at > %(stale)s
"""


def _bump_revision(assessment: Assessment) -> None:
    """Count a change to what the report shows, and have the worker make its files once edits settle.

    The report task for a busy assessment is queued by its first change only: autosave
    sends a save every few seconds per person, and a task per save would keep the worker
    busy finding each superseded. A mark older than SETTLED_RENDER_STALE_AFTER is taken to
    be lost (a worker that died with the task) and the task is queued again.
    """
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_BUMP_REVISION_SQL, {"id": assessment.pk, "now": now, "stale": now - SETTLED_RENDER_STALE_AFTER})
        assessment.revision, already_queued = cursor.fetchone()
    assessment.updated_at = now
    if not already_queued:
        schedule_settled_render(assessment)


@transaction.atomic
def assessment_create(
    *,
    owner: User,
    details: dict[str, Any],
    creation_token: uuid.UUID | None = None,
    toolkit_version: ToolkitVersion | None = None,
) -> Assessment:
    """Start an assessment on the newest published toolkit version (or the one given: a
    workshop's), which it keeps for life.

    `creation_token` is the random token of the page that asked: the same page submitted
    again (a double click, a request retried) returns the assessment it made the first time.
    """
    if creation_token is not None:
        # The person's row lock: two submits of one page cannot both find no assessment.
        User.objects.select_for_update().filter(pk=owner.pk).values_list("pk", flat=True).get()
        existing = Assessment.objects.filter(owner=owner, creation_token=creation_token).first()
        if existing is not None:
            return existing
    return Assessment.objects.create(
        owner=owner,
        toolkit_version=toolkit_version or latest_published_version(),
        creation_token=creation_token,
        **details,
    )


@transaction.atomic
def assessment_copy(*, source: Assessment, owner: User, title: str) -> Assessment:
    """A new assessment for `owner` starting from `source`'s details and answers (a case study).

    The answers become `owner`'s first versions (version 1, each with its history entry),
    as _write would record a first save, in one revision. They are inserted in bulk: the
    copy is new, so no answer can exist or conflict yet, and a room of people joining a
    workshop each make one (three queries, not three per answer). Section completions and
    the summary are not copied: working those out is the exercise.
    """
    details = {field: getattr(source, field) for field in Assessment.DETAILS} | {"title": title[:200]}
    copy = Assessment.objects.create(owner=owner, toolkit_version=source.toolkit_version, **details)
    now = timezone.now()
    answered = [
        a
        for a in Answer.objects.filter(assessment=source).select_related("question")
        if rules_for(a.question).is_answered(a.text, a.selected)
    ]
    copied = Answer.objects.bulk_create(
        Answer(
            assessment=copy,
            question=a.question,
            text=a.text,
            selected=list(a.selected),
            version=1,
            updated_by=owner,
        )
        for a in answered
    )
    AnswerRevision.objects.bulk_create(
        AnswerRevision(
            answer=answer,
            version=1,
            kind=AnswerRevision.Kind.EDIT,
            text=answer.text,
            selected=answer.selected,
            author=owner,
            started_at=now,
            saved_at=now,
        )
        for answer in copied
    )
    if copied:
        _bump_revision(copy)
    return copy


def assessments_set_read_only(*, assessment_ids: list[uuid.UUID], read_only: bool) -> int:
    """Make these assessments read-only for everyone (or editable again); returns how many changed.

    Not a change to what the report shows, so the revision stays. Saves take the same row
    lock and read the flag under it (_lock_for_editing), so none lands after this commits.
    """
    return Assessment.objects.filter(pk__in=assessment_ids).exclude(read_only=read_only).update(read_only=read_only)


def value_digest(value: Any) -> str:
    """A fingerprint of a project detail as a page showed it (dates as ISO text)."""
    return hashlib.sha256(json.dumps(value, default=str, ensure_ascii=False).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class DetailsSave:
    changed: list[str]
    # Details someone else changed since the page was shown, with their newer values;
    # this person's values for them were not saved.
    conflicts: dict[str, Any]


@transaction.atomic
def assessment_update_details(
    *, assessment: Assessment, details: dict[str, Any], user: User, shown: Mapping[str, str] | None = None
) -> DetailsSave:
    """Save the project details this person changed.

    `shown` holds each detail's fingerprint (value_digest) as their page showed it: details
    they left alone are not written, and a detail they changed that someone else changed
    meanwhile is refused and returned in `conflicts`. Without `shown`, every differing
    detail is saved. Compares with the stored row, not `assessment`: a bound ModelForm has
    already copied the submitted values onto the instance it was given.
    """
    _lock_for_editing(assessment, user)
    stored = Assessment.objects.get(pk=assessment.pk)
    changed: dict[str, Any] = {}
    conflicts: dict[str, Any] = {}
    for field, value in details.items():
        current = getattr(stored, field)
        if current == value:
            continue
        before = (shown or {}).get(field)
        if before is None:
            changed[field] = value
        elif value_digest(value) == before:
            continue  # left as the page showed it: someone else's newer value stays
        elif value_digest(current) != before:
            conflicts[field] = current
        else:
            changed[field] = value
    if changed:
        for field, value in changed.items():
            setattr(stored, field, value)
        stored.save(update_fields=[*changed, "updated_at"])
        _bump_revision(stored)
    return DetailsSave(changed=list(changed), conflicts=conflicts)


def _missing_required(assessment: Assessment, section: Section) -> list[Question]:
    answers = answers_by_question(assessment, section)
    return [q for q in section.questions.all() if q.required and not is_answered(q, answers.get(q.id))]


# One person's saves to one answer within this time of the history entry's start are folded
# into that entry: autosave every few seconds would otherwise bury the history in keystrokes.
HISTORY_FOLD_WINDOW = timedelta(seconds=60)


@dataclass(frozen=True)
class Saved:
    """An answer as stored after a save (version 0: never answered)."""

    question: Question
    version: int
    saved_at: datetime
    changed: bool


@dataclass(frozen=True)
class Conflict:
    """A save refused because the answer changed since the version it started from."""

    question: Question
    version: int
    text: str
    selected: list[str]
    updated_by: User | None
    updated_at: datetime
    # What the refused save would have stored (to show beside the newer text).
    mine: Stored


class AnswerConflict(Exception):
    def __init__(self, conflict: Conflict) -> None:
        super().__init__(f"Answer to {conflict.question.key} changed since the version the save started from")
        self.conflict = conflict


def _lock_for_editing(assessment: Assessment, user: User) -> None:
    """Take the assessment's row lock, then check the person may still edit it.

    Every answer write locks its assessment first, so writes to one assessment run one at a
    time (no two first saves of a question can race to insert) and the role is checked as
    it is when the write happens, not when the page was loaded.
    """
    lock_and_require(user, assessment, Action.EDIT)


def _write(
    *,
    assessment: Assessment,
    question: Question,
    stored: Stored,
    base_version: int | None,
    user: User,
    now: datetime,
    kind: str = AnswerRevision.Kind.EDIT,
    restored_from: int | None = None,
) -> tuple[Saved | Conflict, Answer | None]:
    """Write one answer under the assessment's lock: the rule for versions in one place.

    Text equal to the stored text is no change, whatever version it started from. Other
    text is written only if it started from the stored version (`base_version` None: the
    sender did not say, and the save applies); otherwise nothing is written.
    """
    text, selected = stored
    answer = Answer.objects.filter(assessment=assessment, question=question).select_related("updated_by").first()
    if answer is None:
        if not rules_for(question).is_answered(text, selected):
            # No row for a blank answer to a question never answered: there is nothing to keep.
            return Saved(question=question, version=0, saved_at=now, changed=False), None
        answer = Answer.objects.create(
            assessment=assessment, question=question, text=text, selected=selected, version=1, updated_by=user
        )
    elif (answer.text, answer.selected) == (text, selected):
        return Saved(question=question, version=answer.version, saved_at=answer.updated_at, changed=False), answer
    elif base_version is not None and base_version != answer.version:
        conflict = Conflict(
            question=question,
            version=answer.version,
            text=answer.text,
            selected=answer.selected,
            updated_by=answer.updated_by,
            updated_at=answer.updated_at,
            mine=stored,
        )
        return conflict, answer
    else:
        answer.text, answer.selected, answer.updated_by = text, selected, user
        answer.version += 1
        answer.save(update_fields=["text", "selected", "version", "updated_by", "updated_at"])
    _record_history(answer, user=user, now=now, kind=kind, restored_from=restored_from)
    return Saved(question=question, version=answer.version, saved_at=answer.updated_at, changed=True), answer


def _record_history(answer: Answer, *, user: User, now: datetime, kind: str, restored_from: int | None) -> None:
    if kind == AnswerRevision.Kind.EDIT:
        # Fold into the newest entry (the previous version: every version has an entry) if
        # it is this person's edit begun within the window; one UPDATE both asks and writes.
        folded = AnswerRevision.objects.filter(
            answer=answer,
            version=answer.version - 1,
            kind=AnswerRevision.Kind.EDIT,
            author=user,
            started_at__gt=now - HISTORY_FOLD_WINDOW,
        ).update(version=answer.version, text=answer.text, selected=answer.selected, saved_at=now)
        if folded:
            return
    AnswerRevision.objects.create(
        answer=answer,
        version=answer.version,
        kind=kind,
        restored_from=restored_from,
        text=answer.text,
        selected=answer.selected,
        author=user,
        started_at=now,
        saved_at=now,
    )


def _after_changes(assessment: Assessment, sections: set[int], user: User) -> bool:
    """Reopen completed sections whose required answers are now blank, and bump the revision.

    Returns whether a section was reopened.
    """
    reopened = False
    # Only a section complete now can be reopened: asking that first spares the usual save
    # (to a section in progress) reading the section's questions and answers.
    complete = SectionCompletion.objects.current().filter(assessment=assessment, section=OuterRef("pk"))
    for section in Section.objects.filter(pk__in=sections).filter(Exists(complete)).prefetch_related("questions"):
        if _missing_required(assessment, section):
            reopened |= _reopen(assessment, section, user) > 0
    _bump_revision(assessment)
    return reopened


def _reopen(assessment: Assessment, section: Section, user: User) -> int:
    return (
        SectionCompletion.objects.current()
        .filter(assessment=assessment, section=section)
        .update(reopened_at=timezone.now(), reopened_by=user)
    )


@transaction.atomic
def answer_save(
    *,
    assessment: Assessment,
    question: Question,
    value: AnswerValue,
    base_version: int,
    user: User,
    client_id: str = "",
) -> Saved:
    """Save one answer (a cleaned value) that started from `base_version` (0: never answered).

    Raises AnswerConflict, writing nothing, when someone saved a newer version meanwhile.
    A save sent again with the same `client_id` is answered as the first time, not applied
    twice. Raises PermissionDenied if the person may not edit the assessment.
    """
    _lock_for_editing(assessment, user)
    if client_id:
        receipt = AnswerSaveReceipt.objects.filter(
            answer__assessment=assessment, answer__question=question, client_id=client_id
        ).first()
        if receipt is not None:
            return Saved(question=question, version=receipt.version, saved_at=receipt.saved_at, changed=False)
    outcome, answer = _write(
        assessment=assessment,
        question=question,
        stored=rules_for(question).stored(value),
        base_version=base_version,
        user=user,
        now=timezone.now(),
    )
    if isinstance(outcome, Conflict):
        raise AnswerConflict(outcome)
    if client_id and answer is not None:
        AnswerSaveReceipt.objects.create(
            answer=answer, client_id=client_id, version=outcome.version, saved_at=outcome.saved_at
        )
    if outcome.changed:
        _after_changes(assessment, {question.section_id}, user)
    return outcome


@transaction.atomic
def answer_restore(*, assessment: Assessment, question: Question, version: int, base_version: int, user: User) -> Saved:
    """Bring back the text of an earlier version, as a new version (history is never rewritten).

    Raises AnswerRevision.DoesNotExist for a version not in the history, and AnswerConflict
    when the answer changed since the history page was loaded.
    """
    _lock_for_editing(assessment, user)
    revision = AnswerRevision.objects.get(answer__assessment=assessment, answer__question=question, version=version)
    outcome, _answer = _write(
        assessment=assessment,
        question=question,
        stored=(revision.text, list(revision.selected)),
        base_version=base_version,
        user=user,
        now=timezone.now(),
        kind=AnswerRevision.Kind.RESTORE,
        restored_from=version,
    )
    if isinstance(outcome, Conflict):
        raise AnswerConflict(outcome)
    if outcome.changed:
        _after_changes(assessment, {question.section_id}, user)
    return outcome


@dataclass(frozen=True)
class SectionSave:
    saved: list[Saved]
    conflicts: list[Conflict]
    reopened: bool

    @property
    def changed(self) -> int:
        return sum(1 for s in self.saved if s.changed)


@transaction.atomic
def section_answers_save(
    *,
    assessment: Assessment,
    section: Section,
    values: Mapping[str, AnswerValue],
    user: User,
    base_versions: Mapping[str, int] | None = None,
) -> SectionSave:
    """Save answers to one section's questions (cleaned values keyed by question key).

    Each answer is saved against its version in `base_versions` (when given): answers
    changed by someone else meanwhile are refused and returned as conflicts, and the rest
    are saved. A completed section whose required answer is cleared goes back to "In progress".
    """
    _lock_for_editing(assessment, user)
    bases = base_versions or {}
    now = timezone.now()
    saved: list[Saved] = []
    conflicts: list[Conflict] = []
    for question in section.questions.all():
        if question.key not in values:
            continue
        outcome, _answer = _write(
            assessment=assessment,
            question=question,
            stored=rules_for(question).stored(values[question.key]),
            base_version=bases.get(question.key),
            user=user,
            now=now,
        )
        (conflicts if isinstance(outcome, Conflict) else saved).append(outcome)  # type: ignore[arg-type]
    reopened = False
    if any(s.changed for s in saved):
        reopened = _after_changes(assessment, {section.pk}, user)
    return SectionSave(saved=saved, conflicts=conflicts, reopened=reopened)


@transaction.atomic
def section_complete(*, assessment: Assessment, section: Section, user: User) -> list[Question]:
    """Mark a section complete. Returns the required questions still unanswered (and then does nothing)."""
    missing = _missing_required(assessment, section)
    if missing:
        return missing
    _lock_for_editing(assessment, user)
    if not SectionCompletion.objects.current().filter(assessment=assessment, section=section).exists():
        SectionCompletion.objects.create(assessment=assessment, section=section, completed_by=user)
        _bump_revision(assessment)
    return []


@transaction.atomic
def section_reopen(*, assessment: Assessment, section: Section, user: User) -> bool:
    """Mark a completed section as in progress again; returns whether it was complete."""
    _lock_for_editing(assessment, user)
    if not _reopen(assessment, section, user):
        return False
    _bump_revision(assessment)
    return True


class VersionMoveRefused(Exception):
    """The move to a newer toolkit version was not made; the message says why, for the owner."""


class AlreadyMoved(VersionMoveRefused):
    """The assessment is already on the version asked for (a second press of the button)."""


@dataclass(frozen=True)
class VersionMove:
    version: ToolkitVersion
    carried: int  # answered questions that carried over
    kept: int  # answers newly kept with questions no longer in the toolkit
    reopened: list[int]  # numbers of sections that were complete and are in progress again


@transaction.atomic
def assessment_move_version(
    *, assessment: Assessment, from_version_id: int | None, to_version_id: int | None, user: User
) -> VersionMove:
    """Move the assessment from the version its owner's page showed to the newer one it offered.

    The move is worked out again here, under the assessment's row lock, by the same
    `move_plan()` the preview showed: answers re-pointed at the new version's questions
    by key, answers with no question to fit kept with the question as asked, each change
    recorded in the answer's history. Nothing is deleted. Raises VersionMoveRefused when
    the assessment or the newest version changed since the page was shown (AlreadyMoved
    when it is already on the version asked for), and PermissionDenied for anyone but the
    owner.
    """
    # Only the assessment's row is locked (of=self), not the toolkit version rows it joins.
    stored = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("toolkit_version__toolkit")
        .get(pk=assessment.pk)
    )
    require(user, stored, Action.MOVE_VERSION)
    if from_version_id is None or to_version_id is None:
        raise VersionMoveRefused(
            "The page did not say which versions to move between, so nothing was moved. "
            "Check what moving changes, then press the button again."
        )
    if stored.toolkit_version_id != from_version_id:
        if stored.toolkit_version_id == to_version_id:
            raise AlreadyMoved(f"This assessment already uses version {stored.toolkit_version.label} of the toolkit.")
        raise VersionMoveRefused(
            "This assessment’s toolkit version changed after the page was opened, so nothing was moved. "
            "Check what moving it changes now, then move it again if you still want to."
        )
    target = newer_version(stored)
    if target is None:
        raise VersionMoveRefused(
            f"Version {stored.toolkit_version.label} is the newest version of the toolkit, so nothing was moved."
        )
    if target.pk != to_version_id:
        raise VersionMoveRefused(
            f"Version {target.label} of the toolkit was published after the page was opened, so nothing was moved. "
            "Check what moving to it changes, then move again if you still want to."
        )
    plan = move_plan(stored, target)
    now = timezone.now()
    changed: list[Answer] = []
    revisions: list[AnswerRevision] = []
    for item in plan.answers:
        answer = item.answer
        if item.target is not None:
            answer.question = item.target
            kind = AnswerRevision.Kind.MOVE
        elif item.kept_because is KeptBecause.ALREADY_KEPT:
            continue  # kept by an earlier move, and still no question to fit: nothing changes
        else:
            kind = AnswerRevision.Kind.KEPT
        # A new version of the answer, so the history has an entry for the move and a page
        # opened before it cannot save over the answer unseen (its base version is older).
        answer.version += 1
        changed.append(answer)
        revisions.append(
            AnswerRevision(
                answer=answer,
                version=answer.version,
                kind=kind,
                text=answer.text,
                selected=answer.selected,
                author=user,
                started_at=now,
                saved_at=now,
                toolkit_version=target,
            )
        )
    # updated_at and updated_by stay: they say who last wrote the answer's words.
    Answer.objects.bulk_update(changed, ["question", "version"])
    AnswerRevision.objects.bulk_create(revisions)
    _carry_completions(stored, plan.sections, target, user, now)
    stored.toolkit_version = target
    stored.save(update_fields=["toolkit_version", "updated_at"])
    _bump_revision(stored)
    assessment.toolkit_version = target
    assessment.revision = stored.revision
    return VersionMove(
        version=target,
        carried=len(plan.carried),
        kept=len(plan.newly_kept),
        reopened=[s.number for s in plan.reopened],
    )


def _carry_completions(
    assessment: Assessment, outcomes: list[SectionOutcome], target: ToolkitVersion, user: User, now: datetime
) -> None:
    """Close every completion of the old version's sections (rows are never deleted), and
    complete again the new sections that ask exactly the same, as completed by the same
    person at the same time: the completion is theirs, of the same questions."""
    before = {
        c.section.number: c
        for c in SectionCompletion.objects.current().filter(assessment=assessment).select_related("section")
    }
    SectionCompletion.objects.current().filter(assessment=assessment).update(reopened_at=now, reopened_by=user)
    sections = {s.number: s for s in Section.objects.filter(version=target)}
    for outcome in outcomes:
        old = before.get(outcome.number)
        if not outcome.stays_complete or old is None:
            continue
        carried = SectionCompletion.objects.create(
            assessment=assessment, section=sections[outcome.number], completed_by_id=old.completed_by_id
        )
        # completed_at is set on creation (auto_now_add); the carried completion keeps the original time.
        SectionCompletion.objects.filter(pk=carried.pk).update(completed_at=old.completed_at)


def save_receipts_prune(*, older_than_days: int) -> int:
    """Delete receipts of saves older than this: a browser retries a lost save within
    minutes, so after a few days a receipt can answer nothing."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted, _ = AnswerSaveReceipt.objects.filter(saved_at__lt=cutoff).delete()
    return deleted
