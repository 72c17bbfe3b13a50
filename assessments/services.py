"""Every write to an assessment goes through these functions.

Each runs in one transaction, saves only what changed, and bumps the assessment's
revision when something the report shows has changed (cached reports key on it).
"""

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from assessments.answer_types import AnswerValue, is_answered, rules_for
from assessments.models import Answer, Assessment, SectionCompletion
from assessments.progress import answers_by_question
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


def _bump_revision(assessment: Assessment) -> None:
    # F() so two saves at once each count; updated_at is set by hand because update() skips auto_now.
    Assessment.objects.filter(pk=assessment.pk).update(revision=F("revision") + 1, updated_at=timezone.now())
    assessment.refresh_from_db(fields=["revision", "updated_at"])


@transaction.atomic
def assessment_create(*, owner: User, details: dict[str, Any]) -> Assessment:
    """Start an assessment on the newest published toolkit version, which it keeps for life."""
    return Assessment.objects.create(owner=owner, toolkit_version=latest_published_version(), **details)


@transaction.atomic
def assessment_update_details(*, assessment: Assessment, details: dict[str, Any]) -> bool:
    """Save changed project details; returns whether anything changed.

    Compares with the stored row, not `assessment`: a bound ModelForm has already copied
    the submitted values onto the instance it was given.
    """
    stored = Assessment.objects.select_for_update().get(pk=assessment.pk)
    changed = {field: value for field, value in details.items() if getattr(stored, field) != value}
    if not changed:
        return False
    for field, value in changed.items():
        setattr(stored, field, value)
    stored.save(update_fields=[*changed, "updated_at"])
    _bump_revision(stored)
    return True


def _missing_required(assessment: Assessment, section: Section) -> list[Question]:
    answers = answers_by_question(assessment, section)
    return [q for q in section.questions.all() if q.required and not is_answered(q, answers.get(q.id))]


@dataclass(frozen=True)
class SaveResult:
    changed: int
    reopened: bool


@transaction.atomic
def section_answers_save(
    *, assessment: Assessment, section: Section, values: dict[str, AnswerValue], user: User
) -> SaveResult:
    """Save the answers to one section's questions (keyed by question key), changing only what differs.

    A completed section whose required answer is cleared goes back to "In progress".
    """
    existing = answers_by_question(assessment, section)
    to_create: list[Answer] = []
    to_update: list[Answer] = []
    for question in section.questions.all():
        if question.key not in values:
            continue
        rules = rules_for(question)
        text, selected = rules.stored(values[question.key])
        answer = existing.get(question.id)
        if answer is None:
            # No row for a blank answer to a question never answered: there is nothing to keep.
            if rules.is_answered(text, selected):
                to_create.append(
                    Answer(assessment=assessment, question=question, text=text, selected=selected, updated_by=user)
                )
        elif answer.text != text or answer.selected != selected:
            answer.text, answer.selected, answer.updated_by = text, selected, user
            answer.updated_at = timezone.now()
            to_update.append(answer)
    if not to_create and not to_update:
        return SaveResult(changed=0, reopened=False)
    Answer.objects.bulk_create(to_create)
    Answer.objects.bulk_update(to_update, ["text", "selected", "updated_by", "updated_at"])
    reopened = False
    if _missing_required(assessment, section):
        reopened = SectionCompletion.objects.filter(assessment=assessment, section=section).delete()[0] > 0
    _bump_revision(assessment)
    return SaveResult(changed=len(to_create) + len(to_update), reopened=reopened)


@transaction.atomic
def section_complete(*, assessment: Assessment, section: Section, user: User) -> list[Question]:
    """Mark a section complete. Returns the required questions still unanswered (and then does nothing)."""
    missing = _missing_required(assessment, section)
    if missing:
        return missing
    _, created = SectionCompletion.objects.get_or_create(
        assessment=assessment, section=section, defaults={"completed_by": user}
    )
    if created:
        _bump_revision(assessment)
    return []
