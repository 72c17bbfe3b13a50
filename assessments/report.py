"""What the inequalities impact report shows, built once for the HTML preview and the PDF."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import models
from django.utils import timezone
from django.utils.text import capfirst

from assessments import answer_types
from assessments.models import SUMMARY_FIELDS, Answer, Assessment
from assessments.progress import AssessmentProgress, Status, answers_by_question, assessment_progress
from assessments.version_move import KEPT_HEADING, KeptAnswer, kept_answers
from toolkit_content.models import Question, Resource, Section

LONG_WORD = 40
# Where a question's first sentence ends and a second begins ("...address? Describe it...").
_FIRST_QUESTION = re.compile(r"^(.+?\?)\s+(?=[A-Z(])(.+)$", re.DOTALL)


@dataclass(frozen=True)
class ReportAnswer:
    key: str
    number: str
    question: str
    group: str
    text: str
    choices: list[str]
    answered: bool
    # Public involvement answers are printed where they were asked, and listed together
    # under "Public involvement across the work".
    in_public_involvement: bool = False

    @property
    def anchor(self) -> str:
        return f"question-{self.key}"

    @property
    def question_parts(self) -> tuple[str, str]:
        """The question's first sentence, for its heading, and the sentences after it.

        A heading of several sentences reads as a paragraph to a screen reader's list of
        headings; the first question is what a person looks for.
        """
        match = _FIRST_QUESTION.match(self.question)
        return (match.group(1), match.group(2)) if match else (self.question, "")

    @property
    def has_long_words(self) -> bool:
        """True when a word could overflow the line (a pasted link, a string of characters).

        Only such answers get `overflow-wrap`, which makes WeasyPrint's line breaking
        markedly slower when applied to every paragraph.
        """
        return any(len(word) > LONG_WORD for word in self.text.split())


@dataclass(frozen=True)
class ReportSection:
    number: int
    title: str
    purpose: str
    status: str
    answered: int
    total: int
    answers: list[ReportAnswer]


@dataclass(frozen=True)
class DimensionRow:
    group: str
    considered: list[str]
    not_considered: list[str]


@dataclass(frozen=True)
class PublicInvolvementRow:
    section_number: int
    section_title: str
    answer: ReportAnswer


@dataclass(frozen=True)
class FindingsItem:
    """One of the team's three short answers in "Summarise your findings"."""

    label: str
    text: str


@dataclass(frozen=True)
class ReportData:
    title: str
    organisation: str
    work_type: str
    description: str
    population_and_place: str
    lead_and_team: str
    public_advisers: str
    owner_name: str
    # Everyone else on the assessment's team, "Name (editor)", so a reader knows who wrote it.
    team: list[str]
    start_date: date | None
    review_date: date | None
    generated_at: datetime
    toolkit_name: str
    toolkit_short_name: str
    toolkit_version: str
    attribution: str
    attribution_url: str
    status: str
    percent: int
    answered: int
    total: int
    # A report is a draft until the assessment is complete: every section marked complete.
    is_draft: bool
    sections_completed: int
    findings: list[FindingsItem]
    sections: list[ReportSection]
    dimensions: list[DimensionRow]
    dimensions_answered: bool
    public_involvement: list[PublicInvolvementRow]
    resources: list[Resource] = field(default_factory=list)
    # Answers kept, with their questions as asked, when the assessment moved to a newer
    # toolkit version without a question for them (assessments/version_move.py).
    kept_answers: list[KeptAnswer] = field(default_factory=list)
    kept_heading: str = KEPT_HEADING

    @property
    def draft_label(self) -> str:
        """The draft marking on the cover and in the running header ("" once complete)."""
        return f"Draft: {self.percent}% complete" if self.is_draft else ""


def _report_answer(question: Question, answer: Answer | None) -> ReportAnswer:
    text, choices = answer_types.display(question, answer)
    return ReportAnswer(
        key=question.key,
        number=question.number,
        question=question.text,
        group=question.group,
        text=text,
        choices=choices,
        answered=answer_types.is_answered(question, answer),
        in_public_involvement=question.role == Question.Role.PUBLIC_INVOLVEMENT,
    )


def _dimension_rows(question: Question, answer: Answer | None) -> list[DimensionRow]:
    """Group a dimensions checklist by the label prefix editors write ("Socio-economic: housing")."""
    chosen = set(answer.selected) if answer else set()
    groups: dict[str, DimensionRow] = {}
    for choice in question.choices:
        group, _, name = choice["label"].partition(": ")
        if not name:
            group, name = "Other", choice["label"]
        row = groups.setdefault(group, DimensionRow(group=group, considered=[], not_considered=[]))
        (row.considered if choice["value"] in chosen else row.not_considered).append(name)
    return list(groups.values())


def _unique_resources(sections: list[Section]) -> list[Resource]:
    """Every section's resources, each once: several sections point to the same key reading."""
    seen: set[str] = set()
    unique = []
    for section in sections:
        for resource in section.resources.all():
            key = resource.url.strip().rstrip("/").lower()
            if key not in seen:
                seen.add(key)
                unique.append(resource)
    return unique


def _label(field_name: str) -> str:
    """An assessment field's name as people read it ("Main inequalities found")."""
    model_field = Assessment._meta.get_field(field_name)
    assert isinstance(model_field, models.Field)
    return capfirst(str(model_field.verbose_name))


def build_report(assessment: Assessment) -> ReportData:
    """Everything the report shows, in a fixed number of queries."""
    version = assessment.toolkit_version
    sections: list[Section] = list(version.sections.prefetch_related("questions", "resources"))
    answers = answers_by_question(assessment)
    state: AssessmentProgress = assessment_progress(assessment, sections)

    report_sections = []
    dimensions: list[DimensionRow] = []
    dimensions_answered = False
    involvement = []
    for section, section_state in zip(sections, state.sections, strict=True):
        rows = []
        for question in section.questions.all():
            answer = answers.get(question.id)
            row = _report_answer(question, answer)
            rows.append(row)
            if question.role == Question.Role.DIMENSIONS:
                dimensions.extend(_dimension_rows(question, answer))
                dimensions_answered = dimensions_answered or row.answered
            elif question.role == Question.Role.PUBLIC_INVOLVEMENT:
                involvement.append(PublicInvolvementRow(section.number, section.title, row))
        report_sections.append(
            ReportSection(
                number=section.number,
                title=section.title,
                purpose=section.purpose,
                status=section_state.status.label,
                answered=section_state.answered,
                total=section_state.total,
                answers=rows,
            )
        )
    return ReportData(
        title=assessment.title,
        organisation=assessment.organisation,
        work_type=assessment.work_type_label,
        description=assessment.description,
        population_and_place=assessment.population_and_place,
        lead_and_team=assessment.lead_and_team,
        public_advisers=assessment.get_public_advisers_display(),
        owner_name=assessment.owner.display_name,
        team=[
            f"{m.user.display_name} ({m.get_role_display().lower()})"
            for m in assessment.memberships.select_related("user").order_by("user__display_name")
        ],
        start_date=assessment.start_date,
        review_date=assessment.review_date,
        generated_at=timezone.localtime(),
        toolkit_name=version.toolkit.name,
        toolkit_short_name=version.toolkit.short_name,
        toolkit_version=version.label,
        attribution=version.toolkit.attribution,
        attribution_url=version.toolkit.attribution_url,
        status=state.status.label,
        percent=state.percent,
        answered=state.answered,
        total=state.total,
        is_draft=state.status != Status.COMPLETED,
        sections_completed=state.sections_completed,
        findings=[FindingsItem(label=_label(name), text=getattr(assessment, name)) for name in SUMMARY_FIELDS],
        sections=report_sections,
        dimensions=dimensions,
        dimensions_answered=dimensions_answered,
        public_involvement=involvement,
        resources=_unique_resources(sections),
        kept_answers=kept_answers(assessment),
    )
