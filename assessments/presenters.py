"""View-models: exactly what the templates show, built from models and progress."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.urls import reverse
from django.utils.http import urlencode

from accounts.models import User
from assessments import answer_types
from assessments.models import Answer, Assessment, Role
from assessments.progress import AssessmentProgress, Status, Summary
from toolkit_content.models import Question, Section

# GOV.UK tag colours per status; "Completed" is plain text in the task list pattern.
_TAG_CLASSES = {
    Status.NOT_STARTED: "govuk-tag govuk-tag--blue",
    Status.IN_PROGRESS: "govuk-tag govuk-tag--light-blue",
    Status.COMPLETED: "",
}


@dataclass(frozen=True)
class StatusTag:
    label: str
    css_class: str = "govuk-tag govuk-tag--grey"


def status_tag(status: Status) -> StatusTag:
    return StatusTag(status.label, _TAG_CLASSES[status])


@dataclass(frozen=True)
class TaskRow:
    title: str
    href: str
    status: StatusTag
    hint: str = ""
    id: str = ""


@dataclass(frozen=True)
class TaskGroup:
    heading: str
    rows: list[TaskRow]


def task_list(assessment: Assessment, progress: AssessmentProgress) -> list[TaskGroup]:
    pk = assessment.pk
    prepare = [
        TaskRow(
            title="Read the introduction",
            href=reverse("assessment_introduction", args=[pk]),
            status=StatusTag("Optional"),
            hint="Why health inequalities matter and how to use the toolkit.",
            id="introduction",
        ),
        TaskRow(
            title="Project details",
            href=reverse("assessment_details", args=[pk]),
            status=status_tag(progress.details_status),
            id="details",
        ),
    ]
    sections = [
        TaskRow(
            title=f"{s.section.number}. {s.section.title}",
            href=reverse("section_check" if s.completed else "section", args=[pk, s.section.number]),
            status=status_tag(s.status),
            hint=f"{s.answered} of {s.total} questions answered",
            id=f"section-{s.section.number}",
        )
        for s in progress.sections
    ]
    finish = [
        TaskRow(
            title="Summarise your findings",
            href=reverse("assessment_summary", args=[pk]),
            status=status_tag(progress.summary_status),
            hint="Three short answers, printed first in your report.",
            id="summary",
        ),
        TaskRow(
            title="Review and download your report",
            href=reverse("assessment_report", args=[pk]),
            status=StatusTag("Available"),
            hint="An inequalities impact report (PDF) to attach to a funding bid, business case or board paper.",
            id="report",
        ),
        TaskRow(
            title="Download your answers (JSON)",
            href=reverse("assessment_export", args=[pk]),
            status=StatusTag("Available"),
            hint="Everything you have entered, as a file you can keep.",
            id="export",
        ),
    ]
    return [
        TaskGroup("Prepare", prepare),
        TaskGroup("Work through the toolkit", sections),
        TaskGroup("Finish", finish),
    ]


@dataclass(frozen=True)
class AssessmentListRow:
    title: str
    organisation: str
    href: str
    report_href: str
    status: StatusTag
    percent: int
    updated_at: datetime
    role: str


def assessment_list_rows(
    assessments: list[Assessment], summaries: dict[uuid.UUID, Summary], roles: dict[uuid.UUID, Role]
) -> list[AssessmentListRow]:
    return [
        AssessmentListRow(
            role=roles[a.pk].label,
            title=a.title,
            organisation=a.organisation,
            href=reverse("assessment_task_list", args=[a.pk]),
            report_href=reverse("assessment_report", args=[a.pk]),
            status=status_tag(summaries[a.pk].status),
            percent=summaries[a.pk].percent,
            updated_at=a.updated_at,
        )
        for a in assessments
    ]


@dataclass(frozen=True)
class SummaryRow:
    key: str
    number: str
    question: str
    value_lines: list[str] = field(default_factory=list)
    text: str = ""
    change_href: str = ""
    required: bool = False
    answered: bool = False


def section_summary_rows(
    assessment: Assessment, section: Section, answers: dict[int, Answer], return_url: str
) -> list[SummaryRow]:
    edit_url = reverse("section", args=[assessment.pk, section.number])
    rows = []
    for question in section.questions.all():
        answer = answers.get(question.id)
        text, lines = answer_types.display(question, answer)
        anchor = answer_types.rules_for(question).anchor(question)
        rows.append(
            SummaryRow(
                key=question.key,
                number=question.number,
                question=question.text,
                text=text,
                value_lines=lines,
                change_href=f"{edit_url}?{urlencode({'return_url': return_url})}#{anchor}",
                required=question.required,
                answered=answer_types.is_answered(question, answer),
            )
        )
    return rows


@dataclass(frozen=True)
class NewerAnswer:
    """An answer someone else saved while this person was editing it (the conflict panel)."""

    number: str
    text: str
    labels: list[str]
    version: int
    by: str
    at: datetime


def person_name(user: User | None) -> str:
    """How a page names the person who made a change, including someone whose account is gone."""
    return user.display_name if user is not None else "Someone who no longer has an account"


def newer_answer(question: Question, answer: Answer) -> NewerAnswer:
    text, labels = answer_types.display(question, answer)
    return NewerAnswer(
        number=question.number,
        text=text,
        labels=labels,
        version=answer.version,
        by=person_name(answer.updated_by),
        at=answer.updated_at,
    )
