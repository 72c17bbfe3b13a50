"""View-models: exactly what the templates show, built from models and progress."""

import difflib
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from accounts.models import User
from assessments import answer_types, version_move
from assessments.models import Answer, AnswerRevision, Assessment, Role, SectionCompletion
from assessments.progress import AssessmentProgress, Status, Summary
from toolkit_content.models import Question, Section

if TYPE_CHECKING:
    from assessments import services

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
    # The answer's history page; "" for a question nobody has saved an answer to.
    history_href: str = ""
    required: bool = False
    answered: bool = False


def section_summary_rows(
    assessment: Assessment, section: Section, answers: dict[int, Answer], return_url: str
) -> list[SummaryRow]:
    edit_url = reverse("section", args=[assessment.pk, section.number])
    back = urlencode({"return_url": return_url})
    rows = []
    for question in section.questions.all():
        answer = answers.get(question.id)
        text, lines = answer_types.display(question, answer)
        anchor = answer_types.rules_for(question).anchor(question)
        history_href = ""
        if answer is not None:
            history_href = f"{reverse('answer_history', args=[assessment.pk, question.key])}?{back}"
        rows.append(
            SummaryRow(
                key=question.key,
                number=question.number,
                question=question.text,
                text=text,
                value_lines=lines,
                change_href=f"{edit_url}?{back}#{anchor}",
                history_href=history_href,
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


# --- An answer's history ---------------------------------------------------------------


class Change(models.TextChoices):
    """How a piece of a version differs from the version before it."""

    SAME = "same", "Unchanged"
    ADDED = "added", "Added"
    REMOVED = "removed", "Removed"


@dataclass(frozen=True)
class DiffPart:
    """A run of text (or one choice) and how it changed. The template escapes `text`."""

    change: Change
    text: str


# Words, punctuation marks and the white space between them, as separate tokens: a full stop
# that became a comma is not a changed word, a changed line break or paragraph shows as a
# change, and the text put back together is exactly what was saved.
_WORDS = re.compile(r"\s+|\w+|[^\w\s]")
# Sentences and lines, each with the white space after it (a coarser first comparison).
_SENTENCES = re.compile(r"[^\n.!?]*(?:[.!?]+|\n|\Z)\s*")
# Comparing word by word takes time that grows with the product of the two lengths (and
# badly for repetitive text): beyond this many pairs of words, long answers are compared
# sentence by sentence first, then word by word within the sentences that changed.
WORD_DIFF_BUDGET = 4_000_000

# (unchanged?, tokens of the older text, tokens of the newer text)
_Chunk = tuple[bool, list[str], list[str]]


def _chunks(older: list[str], newer: list[str], *, words: bool) -> list[_Chunk]:
    """The runs of tokens kept, and of tokens replaced (neighbouring changes merged).

    For words, a space between two changes counts as changed too, so "old words" replaced
    by "new words" reads as two phrases, not four single words.
    """
    chunks: list[_Chunk] = []
    opcodes = difflib.SequenceMatcher(a=older, b=newer).get_opcodes()
    for n, (op, i1, i2, j1, j2) in enumerate(opcodes):
        same = op == "equal"
        if same and words and 0 < n < len(opcodes) - 1 and all(token.isspace() for token in newer[j1:j2]):
            same = False
        if not same and chunks and not chunks[-1][0]:
            chunks[-1][1].extend(older[i1:i2])
            chunks[-1][2].extend(newer[j1:j2])
        else:
            chunks.append((same, older[i1:i2], newer[j1:j2]))
    return chunks


def _text_parts(chunks: list[_Chunk]) -> list[DiffPart]:
    parts: list[DiffPart] = []
    for same, old, new in chunks:
        runs = [(Change.SAME, new)] if same else [(Change.REMOVED, old), (Change.ADDED, new)]
        parts.extend(DiffPart(change, "".join(tokens)) for change, tokens in runs if tokens)
    return parts


def _word_parts(older: str, newer: str) -> list[DiffPart] | None:
    """Word by word; None when the texts are too long to compare so in good time."""
    old, new = _WORDS.findall(older), _WORDS.findall(newer)
    if len(old) * len(new) > WORD_DIFF_BUDGET:
        return None
    return _text_parts(_chunks(old, new, words=True))


def word_diff(older: str, newer: str) -> list[DiffPart]:
    """The words (and spaces and line breaks) removed from `older` and added in `newer`."""
    by_words = _word_parts(older, newer)
    if by_words is not None:
        return by_words
    parts: list[DiffPart] = []
    for same, old, new in _chunks(_SENTENCES.findall(older), _SENTENCES.findall(newer), words=False):
        old_run, new_run = "".join(old), "".join(new)
        if same:
            parts.append(DiffPart(Change.SAME, new_run))
        elif (run_parts := _word_parts(old_run, new_run)) is not None:
            parts.extend(run_parts)
        else:
            parts.extend(_text_parts([(False, [old_run], [new_run])]))
    # Neighbouring parts that changed the same way read as one.
    merged: list[DiffPart] = []
    for part in parts:
        if merged and merged[-1].change == part.change:
            merged[-1] = DiffPart(part.change, merged[-1].text + part.text)
        else:
            merged.append(part)
    return merged


def choice_diff(older: list[str], newer: list[str]) -> list[DiffPart]:
    """The choices (labels, in the question's order) taken away and added, one part each."""
    parts: list[DiffPart] = []
    for same, old, new in _chunks(older, newer, words=False):
        runs = [(Change.SAME, new)] if same else [(Change.REMOVED, old), (Change.ADDED, new)]
        parts.extend(DiffPart(change, label) for change, tokens in runs for label in tokens)
    return parts


@dataclass(frozen=True)
class HistoryEntry:
    """One entry in an answer's history, as its history page shows it."""

    version: int
    kind: str  # "Edited", or "Restored version 2"
    by: str
    started_at: datetime
    saved_at: datetime
    # One person's saves folded into the entry began and ended in different minutes:
    # the page shows when the entry started as well as when it ended.
    is_range: bool
    text: str
    labels: list[str]
    # The differences from the entry before it (words of text, or choices), both None for
    # the oldest entry there is.
    text_changes: list[DiffPart] | None
    choice_changes: list[DiffPart] | None
    is_current: bool

    @property
    def blank(self) -> bool:
        return not self.text and not self.labels


@dataclass(frozen=True)
class AnswerHistory:
    entries: list[HistoryEntry]
    # There are older entries than those shown.
    more: bool


def _minute(moment: datetime) -> tuple[int, ...]:
    local = timezone.localtime(moment)
    return (local.year, local.month, local.day, local.hour, local.minute)


def _history_kind(revision: AnswerRevision) -> str:
    """What happened in a history entry ("Edited", "Restored version 2", ...), before " by <name>"."""
    moved_to = revision.toolkit_version.label if revision.toolkit_version is not None else "a newer version"
    if revision.kind == AnswerRevision.Kind.RESTORE:
        return f"Restored version {revision.restored_from}"
    if revision.kind == AnswerRevision.Kind.MOVE:
        return f"Carried over to version {moved_to} of the toolkit"
    if revision.kind == AnswerRevision.Kind.KEPT:
        return f"Kept with its question as asked when the assessment moved to version {moved_to} of the toolkit"
    return AnswerRevision.Kind(revision.kind).label


def answer_history(question: Question, revisions: list[AnswerRevision], *, shown: int) -> AnswerHistory:
    """The newest `shown` entries of `revisions` (newest first, with their authors loaded).

    Pass one entry more than is shown, when there is one: the oldest entry shown is then
    compared with the one before it.
    """
    displays = [answer_types.display(question, Answer(text=r.text, selected=r.selected)) for r in revisions]
    entries = []
    for index, revision in enumerate(revisions[:shown]):
        text, labels = displays[index]
        text_changes = choice_changes = None
        if index + 1 < len(revisions):
            older_text, older_labels = displays[index + 1]
            text_changes, choice_changes = word_diff(older_text, text), choice_diff(older_labels, labels)
        kind = _history_kind(revision)
        entries.append(
            HistoryEntry(
                version=revision.version,
                kind=kind,
                by=person_name(revision.author),
                started_at=revision.started_at,
                saved_at=revision.saved_at,
                is_range=_minute(revision.started_at) != _minute(revision.saved_at),
                text=text,
                labels=labels,
                text_changes=text_changes,
                choice_changes=choice_changes,
                is_current=index == 0,
            )
        )
    return AnswerHistory(entries=entries, more=len(revisions) > shown)


# --- A section's completion record -------------------------------------------------------


@dataclass(frozen=True)
class CompletionEvent:
    what: str  # "Completed" or "Marked as in progress again"
    by: str
    at: datetime


def completion_record(completions: list[SectionCompletion]) -> list[CompletionEvent]:
    """Each time the section was completed or reopened, newest first."""
    events: list[CompletionEvent] = []
    for completion in completions:
        events.append(CompletionEvent("Completed", person_name(completion.completed_by), completion.completed_at))
        if completion.reopened_at is not None:
            reopened_by = person_name(completion.reopened_by)
            events.append(CompletionEvent("Marked as in progress again", reopened_by, completion.reopened_at))
    # Newest first; events at the same moment keep the order they happened in.
    return [event for _at, _n, event in sorted(((e.at, n, e) for n, e in enumerate(events)), reverse=True)]


# --- Moving to a newer toolkit version ----------------------------------------------------


@dataclass(frozen=True)
class CarriedRow:
    """An answered question whose answer carries over, as the preview lists it."""

    number: str  # in the new version
    number_before: str  # in the version the answer was written for
    question: str  # as the new version asks it
    reworded: bool


@dataclass(frozen=True)
class NewQuestionRow:
    number: str
    question: str


@dataclass(frozen=True)
class KeptRow:
    """An answer that stays with the question as it was asked, and why."""

    number: str
    question: str
    version_label: str
    why: str


@dataclass(frozen=True)
class MovePreview:
    toolkit_name: str
    from_label: str
    to_label: str
    to_published_at: datetime | None
    # Sent back with the move: a page shown before either changed cannot move the assessment.
    from_version_id: int
    to_version_id: int
    carried: list[CarriedRow]
    new_questions: list[NewQuestionRow]
    kept: list[KeptRow]
    stays_complete: list[str]
    reopened: list[str]


def _kept_why(item: "version_move.PlannedAnswer", to_label: str) -> str:
    same_key = item.same_key
    reason = item.kept_because
    if reason is version_move.KeptBecause.ALREADY_KEPT:
        asked_in = item.question.section.version.label
        return f"Already kept from version {asked_in}: version {to_label} has no question for it either."
    if reason is version_move.KeptBecause.REMOVED or same_key is None:
        return f"Version {to_label} does not ask this question."
    if reason is version_move.KeptBecause.CHOICE_GONE:
        labels = item.question.choice_labels()
        gone = [labels.get(v, v) for v in item.answer.selected if v not in same_key.choice_labels()]
        chosen = ", ".join(f"“{label}”" for label in gone) or "the answer chosen"
        return (
            f"Question {same_key.number} in version {to_label} no longer offers {chosen}, "
            "so it is kept as it was, and that question is to be answered again."
        )
    return (
        f"Question {same_key.number} in version {to_label} asks for a different kind of answer, "
        "so it is kept as it was, and that question is to be answered again."
    )


def move_preview(plan: "version_move.MovePlan") -> MovePreview:
    to_label = plan.target.label
    return MovePreview(
        toolkit_name=plan.target.toolkit.name,
        from_label=plan.current.label,
        to_label=to_label,
        to_published_at=plan.target.published_at,
        from_version_id=plan.current.pk,
        to_version_id=plan.target.pk,
        carried=[
            CarriedRow(
                number=item.target.number,
                number_before=item.question.number,
                question=item.target.text,
                reworded=item.reworded,
            )
            for item in plan.carried
            if item.target is not None
        ],
        new_questions=[NewQuestionRow(q.number, q.text) for q in plan.new_questions],
        kept=[
            KeptRow(
                number=item.question.number,
                question=item.question.text,
                version_label=item.question.section.version.label,
                why=_kept_why(item, to_label),
            )
            for item in plan.kept
        ],
        stays_complete=[f"{s.number}. {s.title}" for s in plan.sections if s.stays_complete],
        reopened=[f"{s.number}. {s.title}: {s.reason}" for s in plan.reopened],
    )


def version_moved_message(moved: "services.VersionMove") -> str:
    parts = [f"This assessment now uses version {moved.version.label} of the toolkit."]
    parts.append(f"{moved.carried} answer{'' if moved.carried == 1 else 's'} carried over.")
    if moved.kept:
        parts.append(
            f"{moved.kept} answer{' is' if moved.kept == 1 else 's are'} kept under “{version_move.KEPT_HEADING}”."
        )
    if len(moved.reopened) == 1:
        parts.append(f"Section {moved.reopened[0]} is in progress again: check it and mark it as complete.")
    elif moved.reopened:
        *most, last = (str(n) for n in moved.reopened)
        numbers = f"{', '.join(most)} and {last}"
        parts.append(f"Sections {numbers} are in progress again: check them and mark them as complete.")
    return " ".join(parts)


@dataclass(frozen=True)
class KeptAnswerRow:
    """A kept answer on the task list: the question as asked, the answer, a link to its history."""

    number: str
    question: str
    version_label: str
    text: str
    choices: list[str]
    history_href: str  # "" when the key now belongs to a question of the current version


def kept_answer_rows(assessment: Assessment) -> list[KeptAnswerRow]:
    return [
        KeptAnswerRow(
            number=kept.number,
            question=kept.question,
            version_label=kept.version_label,
            text=kept.text,
            choices=kept.choices,
            history_href="" if kept.key_reused else reverse("answer_history", args=[assessment.pk, kept.key]),
        )
        for kept in version_move.kept_answers(assessment)
    ]
