"""What is done and what is left, worked out from answer and completion rows.

The task list, "Your assessments" and the report all read progress from here, so they
can never disagree.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models
from django.db.models import Count, F

from assessments.answer_types import ANSWERED
from assessments.models import SUMMARY_FIELDS, Answer, Assessment, SectionCompletion
from toolkit_content.models import Question, Section, ToolkitVersion


class Status(models.TextChoices):
    """Where a part of an assessment has got to.

    Data (the export, anything a program reads) carries the value, which never changes;
    people see the label, which may be reworded.
    """

    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"


DETAIL_FIELDS_FOR_COMPLETE = (
    "title",
    "organisation",
    "work_type",
    "description",
    "population_and_place",
    "lead_and_team",
    "public_advisers",
)


def details_status(assessment: Assessment) -> Status:
    filled = all(getattr(assessment, field) for field in DETAIL_FIELDS_FOR_COMPLETE)
    return Status.COMPLETED if filled else Status.IN_PROGRESS


def summary_status(assessment: Assessment) -> Status:
    """ "Summarise your findings": completed once all three short answers are written."""
    written = sum(1 for field in SUMMARY_FIELDS if getattr(assessment, field).strip())
    if written == len(SUMMARY_FIELDS):
        return Status.COMPLETED
    return Status.IN_PROGRESS if written else Status.NOT_STARTED


@dataclass(frozen=True)
class SectionProgress:
    section: Section
    answered: int
    total: int
    completed: bool

    @property
    def status(self) -> Status:
        if self.completed:
            return Status.COMPLETED
        return Status.IN_PROGRESS if self.answered else Status.NOT_STARTED


@dataclass(frozen=True)
class AssessmentProgress:
    details_status: Status
    sections: list[SectionProgress]
    summary_status: Status

    @property
    def answered(self) -> int:
        return sum(s.answered for s in self.sections)

    @property
    def total(self) -> int:
        return sum(s.total for s in self.sections)

    @property
    def percent(self) -> int:
        return percent(self.answered, self.total)

    @property
    def sections_completed(self) -> int:
        return sum(1 for s in self.sections if s.completed)

    @property
    def status(self) -> Status:
        return overall_status(
            answered=self.answered,
            sections_completed=self.sections_completed,
            sections_total=len(self.sections),
            details_complete=self.details_status == Status.COMPLETED,
        )


def percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def overall_status(*, answered: int, sections_completed: int, sections_total: int, details_complete: bool) -> Status:
    if sections_total and sections_completed == sections_total and details_complete:
        return Status.COMPLETED
    if answered or sections_completed:
        return Status.IN_PROGRESS
    return Status.NOT_STARTED


def answers_by_question(assessment: Assessment, section: Section | None = None) -> dict[int, Answer]:
    """The assessment's answers (optionally one section's), keyed by question id, in one query."""
    answers = Answer.objects.filter(assessment=assessment).select_related("updated_by")
    if section is not None:
        answers = answers.filter(question__section=section)
    return {a.question_id: a for a in answers}


def sections_with_questions(version: ToolkitVersion) -> list[Section]:
    return list(version.sections.prefetch_related("questions"))


def assessment_progress(assessment: Assessment, sections: list[Section] | None = None) -> AssessmentProgress:
    """Progress of one assessment in a fixed number of queries."""
    if sections is None:
        sections = sections_with_questions(assessment.toolkit_version)
    answered_by_section = dict(
        Answer.objects.filter(ANSWERED, assessment=assessment)
        .values_list("question__section_id")
        .annotate(n=Count("id"))
    )
    completed = set(
        SectionCompletion.objects.current().filter(assessment=assessment).values_list("section_id", flat=True)
    )
    return AssessmentProgress(
        details_status=details_status(assessment),
        summary_status=summary_status(assessment),
        sections=[
            SectionProgress(
                section=s,
                answered=answered_by_section.get(s.id, 0),
                total=len(s.questions.all()),
                completed=s.id in completed,
            )
            for s in sections
        ],
    )


@dataclass(frozen=True)
class Summary:
    percent: int
    status: Status


def summaries(assessments: Iterable[Assessment]) -> dict[uuid.UUID, Summary]:
    """Progress for many assessments at once (the "Your assessments" list), in three queries."""
    assessments = list(assessments)
    ids = [a.pk for a in assessments]
    # Only answers to each assessment's own version: one moved to a newer version may keep
    # answers to questions no longer in the toolkit (assessments/version_move.py).
    answered = dict(
        Answer.objects.filter(
            ANSWERED, assessment_id__in=ids, question__section__version_id=F("assessment__toolkit_version_id")
        )
        .values_list("assessment_id")
        .annotate(n=Count("id"))
    )
    completed = dict(
        SectionCompletion.objects.current()
        .filter(assessment_id__in=ids)
        .values_list("assessment_id")
        .annotate(n=Count("id"))
    )
    version_ids = {a.toolkit_version_id for a in assessments}
    totals = {
        row["section__version_id"]: row
        for row in Question.objects.filter(section__version_id__in=version_ids)
        .values("section__version_id")
        .annotate(questions=Count("id"), sections=Count("section_id", distinct=True))
    }
    result: dict[uuid.UUID, Summary] = {}
    for a in assessments:
        total = totals.get(a.toolkit_version_id, {"questions": 0, "sections": 0})
        n_answered = answered.get(a.pk, 0)
        result[a.pk] = Summary(
            percent=percent(n_answered, total["questions"]),
            status=overall_status(
                answered=n_answered,
                sections_completed=completed.get(a.pk, 0),
                sections_total=total["sections"],
                details_complete=details_status(a) == Status.COMPLETED,
            ),
        )
    return result


def question_by_key(assessment: Assessment, key: str) -> Question | None:
    """The question of the assessment's own toolkit version with this key (None if it has none)."""
    return question_in_version(assessment.toolkit_version_id, key)


def question_in_version(version_id: int, key: str) -> Question | None:
    """The question of this toolkit version with this key (None if it has none)."""
    return Question.objects.filter(section__version_id=version_id, key=key).select_related("section").first()
