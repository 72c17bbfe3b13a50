"""View-models for the trainer's pages: the dashboard, side by side, the CSV.

Each reads a fixed number of queries however many people join (tests/test_workshops.py
counts them with 3 and with 60 participants).
"""

import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Sum
from django.urls import reverse

from assessments import answer_types
from assessments.answer_types import ANSWERED
from assessments.models import Answer, Assessment, SectionCompletion
from assessments.presenters import StatusTag, person_name, status_tag
from assessments.progress import Status, percent
from toolkit_content.models import Question, Section
from workshops import codes
from workshops.models import Participant, Workshop, WorkshopGroup


@dataclass(frozen=True)
class Cell:
    status: StatusTag
    percent: int


@dataclass(frozen=True)
class DashboardRow:
    name: str
    people: str  # a group's members; empty in individual mode
    assessment_url: str  # "" for a group nobody has joined yet
    cells: list[Cell]
    percent: int
    last_activity: datetime | None


@dataclass(frozen=True)
class SectionColumn:
    pk: int
    number: int
    total: int  # questions in the section


@dataclass(frozen=True)
class Dashboard:
    sections: list[SectionColumn]
    rows: list[DashboardRow]
    joined: int
    groups: bool


@dataclass(frozen=True)
class _Place:
    """One row's worth: a participant (individual mode) or a group, and its assessment."""

    name: str
    people: str
    assessment: Assessment | None


def _places(workshop: Workshop) -> tuple[list[_Place], int]:
    """The rows of the workshop in joining (or group) order, and how many people joined: one or two queries."""
    participants = list(
        Participant.objects.filter(workshop=workshop).select_related("user", "assessment").order_by("joined_at", "pk")
    )
    if workshop.mode != Workshop.Mode.GROUPS:
        return [_Place(p.user.display_name, "", p.assessment) for p in participants], len(participants)
    members: dict[int, list[str]] = {}
    for p in participants:
        if p.group_id is not None:
            members.setdefault(p.group_id, []).append(p.user.display_name)
    groups = WorkshopGroup.objects.filter(workshop=workshop).select_related("assessment").order_by("position")
    return [_Place(g.name, ", ".join(members.get(g.pk, [])), g.assessment) for g in groups], len(participants)


def _sections(workshop: Workshop) -> list[SectionColumn]:
    rows = (
        Section.objects.filter(version_id=workshop.toolkit_version_id)
        .annotate(total=Count("questions"))
        .order_by("number")
        .values_list("pk", "number", "total")
    )
    return [SectionColumn(pk, number, total) for pk, number, total in rows]


def _with_assessment(places: list[_Place]) -> list[tuple[_Place, Assessment]]:
    """The rows that have an assessment (a group nobody has joined has none yet)."""
    return [(place, place.assessment) for place in places if place.assessment is not None]


def dashboard(workshop: Workshop) -> Dashboard:
    """Every participant or group against every section: status and % complete. Four or five queries."""
    places, joined = _places(workshop)
    sections = _sections(workshop)
    ids = [p.assessment.pk for p in places if p.assessment is not None]
    answered: dict[tuple[uuid.UUID, int], int] = {
        (a, s): n
        for a, s, n in Answer.objects.filter(ANSWERED, assessment_id__in=ids)
        .values_list("assessment_id", "question__section_id")
        .annotate(n=Count("id"))
    }
    completed = set(
        SectionCompletion.objects.current().filter(assessment_id__in=ids).values_list("assessment_id", "section_id")
    )
    total = sum(s.total for s in sections)
    rows = []
    for place in places:
        a = place.assessment
        cells = []
        for s in sections:
            n = answered.get((a.pk, s.pk), 0) if a else 0
            done = a is not None and (a.pk, s.pk) in completed
            status = Status.COMPLETED if done else Status.IN_PROGRESS if n else Status.NOT_STARTED
            cells.append(Cell(status_tag(status), percent(n, s.total)))
        all_answered = sum(answered.get((a.pk, s.pk), 0) for s in sections) if a else 0
        rows.append(
            DashboardRow(
                name=place.name,
                people=place.people,
                assessment_url=reverse("assessment_task_list", args=[a.pk]) if a else "",
                cells=cells,
                percent=percent(all_answered, total),
                last_activity=a.updated_at if a else None,
            )
        )
    return Dashboard(sections=sections, rows=rows, joined=joined, groups=workshop.mode == Workshop.Mode.GROUPS)


def dashboard_etag(workshop: Workshop) -> str:
    """Changes whenever the dashboard would: someone joins, or any workshop assessment changes
    (every change bumps its revision and updated_at). One query, so an unchanged dashboard
    costs the poll almost nothing."""
    state = Participant.objects.filter(workshop=workshop).aggregate(
        n=Count("pk"),
        joined=Max("joined_at"),
        revisions=Sum("assessment__revision"),
        updated=Max("assessment__updated_at"),
    )
    raw = f"{workshop.pk}:{workshop.closed_at}:{workshop.closed_read_only}:{sorted(state.items())}"
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'


@dataclass(frozen=True)
class QuestionLink:
    number: str
    text: str
    url: str


@dataclass(frozen=True)
class SectionQuestions:
    title: str
    questions: list[QuestionLink]


def question_links(workshop: Workshop) -> list[SectionQuestions]:
    """Every question of the workshop's toolkit version, to pick one for side by side (two queries)."""
    sections = Section.objects.filter(version_id=workshop.toolkit_version_id).prefetch_related("questions")
    return [
        SectionQuestions(
            title=f"{s.number}. {s.title}",
            questions=[
                QuestionLink(q.number, q.text, reverse("workshop_question", args=[workshop.pk, q.key]))
                for q in s.questions.all()
            ],
        )
        for s in sections.order_by("number")
    ]


@dataclass(frozen=True)
class SideBySideAnswer:
    label: str
    text: str
    labels: list[str]


@dataclass(frozen=True)
class SideBySide:
    answers: list[SideBySideAnswer]
    places: int
    unanswered: int


def side_by_side(workshop: Workshop, question: Question, *, names: bool) -> SideBySide:
    """Every participant's or group's answer to one question (two or three queries).

    With names hidden the answers are numbered and put in an order that follows neither
    joining nor answering, so the room cannot tell whose is whose.
    """
    places, _joined = _places(workshop)
    rows = _with_assessment(places)
    assessments = [a for _p, a in rows]
    answers = {a.assessment_id: a for a in Answer.objects.filter(question=question, assessment__in=assessments)}
    shown = []
    for place, assessment in rows:
        text, labels = answer_types.display(question, answers.get(assessment.pk))
        if text or labels:
            shown.append((assessment, SideBySideAnswer(place.name, text, labels)))
    if not names:
        shown.sort(key=lambda pair: hashlib.sha256(f"{pair[0].pk}:{question.key}".encode()).digest())
        shown = [(a, SideBySideAnswer(f"Answer {n}", one.text, one.labels)) for n, (a, one) in enumerate(shown, 1)]
    return SideBySide(answers=[one for _a, one in shown], places=len(rows), unanswered=len(rows) - len(shown))


# --- CSV --------------------------------------------------------------------------------

CSV_HEADER = [
    "Workshop",
    "Group",
    "Participants",
    "Assessment",
    "Assessment id",
    "Section",
    "Question number",
    "Question key",
    "Question",
    "Answer",
    "Last changed",
    "Last changed by",
]
# A spreadsheet runs a cell starting with one of these as a formula (tab and carriage return
# can hide one); a leading apostrophe makes it text and shows the cell as typed.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_rows(workshop: Workshop) -> Iterator[list[str]]:
    """The header, then one row per workshop assessment x question, every cell made safe. Four queries."""
    places, _joined = _places(workshop)
    rows = _with_assessment(places)
    ids = [a.pk for _p, a in rows]
    questions = list(
        Question.objects.filter(section__version_id=workshop.toolkit_version_id)
        .select_related("section")
        .order_by("section__number", "order")
    )
    answers = {
        (a.assessment_id, a.question_id): a
        for a in Answer.objects.filter(assessment_id__in=ids).select_related("updated_by")
    }
    grouped = workshop.mode == Workshop.Mode.GROUPS
    yield CSV_HEADER
    for place, assessment in rows:
        for question in questions:
            answer = answers.get((assessment.pk, question.pk))
            text, labels = answer_types.display(question, answer)
            row = [
                workshop.name,
                place.name if grouped else "",
                place.people if grouped else place.name,
                assessment.title,
                assessment.pk,
                question.section.number,
                question.number,
                question.key,
                question.text,
                text or "; ".join(labels),
                answer.updated_at.isoformat() if answer else "",
                person_name(answer.updated_by) if answer else "",
            ]
            yield [csv_cell(value) for value in row]


def join_url_path(workshop: Workshop) -> str:
    return reverse("join_code", args=[workshop.join_code])


def shown_code(workshop: Workshop) -> str:
    return codes.shown(workshop.join_code)
