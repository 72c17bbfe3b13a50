"""Moving an assessment to a newer version of its toolkit: what would happen, worked out once.

An assessment keeps the toolkit version it started on until its owner moves it to a newer
published one. Answers carry over by question key: the answer is re-pointed at the new
version's question with the same key. Nothing is ever deleted. An answer the new version
has no question for stays with the question it answered (published versions never change
and cannot be deleted while answered), and is shown under "Answers to questions no longer
in the toolkit" on the task list, in the report and in the export. The same happens to an
answer that would not fit the new question (a choice it no longer offers, or a text
question that became a choice), so the form never holds an answer it cannot show.

`move_plan()` is the one place that decides all this: the preview page shows the plan, and
`services.assessment_move_version` carries it out under the assessment's row lock,
working it out again there so the move does what the data says at that moment.
docs/adr/0015-moving-an-assessment-to-a-newer-toolkit-version.md explains the choices.
"""

from dataclasses import dataclass
from enum import Enum

from django.db.models import QuerySet

from assessments import answer_types
from assessments.models import Answer, Assessment, SectionCompletion
from toolkit_content.models import Question, Section, ToolkitVersion

# The heading, on every page and document that lists kept answers.
KEPT_HEADING = "Answers to questions no longer in the toolkit"


def newer_version(assessment: Assessment) -> ToolkitVersion | None:
    """The newest published version of the assessment's toolkit, if it is newer than its own."""
    current = assessment.toolkit_version
    newest = (
        ToolkitVersion.objects.filter(toolkit_id=current.toolkit_id, status=ToolkitVersion.Status.PUBLISHED)
        .select_related("toolkit")
        .order_by("-published_at", "-id")
        .first()
    )
    if newest is None or newest.pk == current.pk:
        return None
    # Never back to an older version (an assessment on a version published later by mistake).
    newest_at, current_at = newest.published_at, current.published_at
    if newest_at is not None and current_at is not None and newest_at <= current_at:
        return None
    return newest


class KeptBecause(Enum):
    """Why an answer stays with the question as it was asked, in words for the preview."""

    REMOVED = "removed"
    CHOICE_GONE = "choice_gone"
    TYPE_CHANGED = "type_changed"
    ALREADY_KEPT = "already_kept"


@dataclass(frozen=True)
class PlannedAnswer:
    """One stored answer and what the move does with it."""

    answer: Answer
    # The new version's question it will answer; None when it is kept where it is.
    target: Question | None
    kept_because: KeptBecause | None = None
    # For a kept answer: the new version's question with the same key, if it has one.
    same_key: Question | None = None

    @property
    def question(self) -> Question:
        """The question as it was asked (the one the answer answers now)."""
        return self.answer.question

    @property
    def answered(self) -> bool:
        return answer_types.is_answered(self.answer.question, self.answer)

    @property
    def reworded(self) -> bool:
        return self.target is not None and self.target.text != self.answer.question.text


@dataclass(frozen=True)
class SectionOutcome:
    """A section complete before the move, and whether its completion carries over."""

    number: int
    title: str
    stays_complete: bool
    # Why not: "its questions changed" or "a required question has no answer".
    reason: str = ""


@dataclass(frozen=True)
class MovePlan:
    current: ToolkitVersion
    target: ToolkitVersion
    answers: list[PlannedAnswer]
    # Questions of the new version whose key the current version does not have.
    new_questions: list[Question]
    sections: list[SectionOutcome]

    @property
    def carried(self) -> list[PlannedAnswer]:
        """Answered questions that carry over, in the new version's order."""
        rows = [p for p in self.answers if p.target is not None and p.answered]
        return sorted(rows, key=lambda p: _position(p.target))

    @property
    def kept(self) -> list[PlannedAnswer]:
        """Answers (with something in them) that stay with their questions as asked."""
        return [p for p in self.answers if p.target is None and p.answered]

    @property
    def newly_kept(self) -> list[PlannedAnswer]:
        return [p for p in self.kept if p.kept_because is not KeptBecause.ALREADY_KEPT]

    @property
    def reopened(self) -> list[SectionOutcome]:
        return [s for s in self.sections if not s.stays_complete]


def _position(question: Question | None) -> tuple[int, int]:
    assert question is not None
    return (question.section.number, question.order)


def _asked(question: Question) -> tuple[object, ...]:
    """What a person was asked and could answer: a section whose questions all ask the same
    in the new version keeps its completion; any other change is for the team to check."""
    return (question.key, question.text, question.group, question.answer_type, question.required, question.choices)


def _kept_because(answer: Answer, target: Question | None, *, on_current: bool) -> KeptBecause:
    if not on_current:
        return KeptBecause.ALREADY_KEPT
    if target is None:
        return KeptBecause.REMOVED
    if answer.question.is_choice and target.is_choice:
        return KeptBecause.CHOICE_GONE
    return KeptBecause.TYPE_CHANGED


def move_plan(assessment: Assessment, target: ToolkitVersion) -> MovePlan:
    """What moving the assessment to `target` does to each answer and completed section.

    A fixed number of queries, whatever the number of answers.
    """
    current = assessment.toolkit_version
    target_sections = list(Section.objects.filter(version=target).prefetch_related("questions"))
    target_questions = [q for s in target_sections for q in s.questions.all()]
    by_key: dict[str, Question] = {}
    for question in target_questions:
        by_key.setdefault(question.key, question)
    current_sections = list(Section.objects.filter(version=current).prefetch_related("questions"))
    current_keys = {q.key for s in current_sections for q in s.questions.all()}

    answers = list(
        Answer.objects.filter(assessment=assessment)
        .select_related("question__section__version", "updated_by")
        .order_by("question__section__number", "question__order", "pk")
    )
    # Answers to the current version's questions first: they win a key over answers kept by
    # an earlier move, which carry over only to a question nobody has answered since.
    answers.sort(key=lambda a: a.question.section.version_id != current.pk)
    claimed: set[int] = set()
    planned: list[PlannedAnswer] = []
    for answer in answers:
        on_current = answer.question.section.version_id == current.pk
        target_question = by_key.get(answer.question.key)
        if (
            target_question is not None
            and target_question.pk not in claimed
            and answer_types.rules_for(target_question).fits(target_question, answer.text, answer.selected)
        ):
            claimed.add(target_question.pk)
            planned.append(PlannedAnswer(answer=answer, target=target_question))
        else:
            reason = _kept_because(answer, target_question, on_current=on_current)
            planned.append(PlannedAnswer(answer=answer, target=None, kept_because=reason, same_key=target_question))

    new_questions = [q for q in target_questions if q.key not in current_keys]
    return MovePlan(
        current=current,
        target=target,
        answers=planned,
        new_questions=new_questions,
        sections=_section_outcomes(assessment, current_sections, target_sections, planned),
    )


def _section_outcomes(
    assessment: Assessment, current: list[Section], target: list[Section], planned: list[PlannedAnswer]
) -> list[SectionOutcome]:
    """For each section complete now: whether the section of the same number in the new
    version stays complete. It does when its questions ask exactly the same and every
    required one is answered after the move; otherwise it goes back to "In progress", so
    nobody's report calls a section complete that the team has not seen as it now is."""
    complete = set(
        SectionCompletion.objects.current().filter(assessment=assessment).values_list("section_id", flat=True)
    )
    target_by_number = {s.number: s for s in target}
    answered_after = {p.target.pk for p in planned if p.target is not None and p.answered}
    outcomes = []
    for section in current:
        if section.pk not in complete:
            continue
        counterpart = target_by_number.get(section.number)
        if counterpart is None:
            outcomes.append(SectionOutcome(section.number, section.title, False, "the new version has no such section"))
            continue
        same = [_asked(q) for q in section.questions.all()] == [_asked(q) for q in counterpart.questions.all()]
        missing = [q for q in counterpart.questions.all() if q.required and q.pk not in answered_after]
        if not same:
            outcomes.append(SectionOutcome(counterpart.number, counterpart.title, False, "its questions changed"))
        elif missing:
            reason = "a required question has no answer"
            outcomes.append(SectionOutcome(counterpart.number, counterpart.title, False, reason))
        else:
            outcomes.append(SectionOutcome(counterpart.number, counterpart.title, True))
    return outcomes


# --- Answers kept with questions no longer in the toolkit -----------------------------------


def kept_answers_of(assessment: Assessment) -> QuerySet[Answer]:
    """The assessment's answers (with something in them) to questions not of its own version."""
    return (
        Answer.objects.filter(answer_types.ANSWERED, assessment=assessment)
        .exclude(question__section__version_id=assessment.toolkit_version_id)
        .select_related("question__section__version", "updated_by")
        .order_by("question__section__version__published_at", "question__section__number", "question__order")
    )


@dataclass(frozen=True)
class KeptAnswer:
    """An answer kept with the question as it was asked, as pages and reports show it."""

    key: str
    number: str
    question: str
    version_label: str
    text: str
    choices: list[str]
    # The new version has a question with this key (one whose options or type changed).
    key_reused: bool


def kept_answers(assessment: Assessment) -> list[KeptAnswer]:
    """Every kept answer, oldest version first, in the order its questions were asked (two queries)."""
    answers = list(kept_answers_of(assessment))
    keys = {a.question.key for a in answers}
    reused = (
        set(
            Question.objects.filter(section__version_id=assessment.toolkit_version_id, key__in=keys).values_list(
                "key", flat=True
            )
        )
        if keys
        else set()
    )
    rows = []
    for answer in answers:
        question = answer.question
        text, choices = answer_types.display(question, answer)
        rows.append(
            KeptAnswer(
                key=question.key,
                number=question.number,
                question=question.text,
                version_label=question.section.version.label,
                text=text,
                choices=choices,
                key_reused=question.key in reused,
            )
        )
    return rows


def kept_answer_by_key(assessment: Assessment, key: str) -> Answer | None:
    """The newest kept answer with this key, for its history page (None if there is none)."""
    return (
        Answer.objects.filter(assessment=assessment, question__key=key)
        .exclude(question__section__version_id=assessment.toolkit_version_id)
        .select_related("question__section__version")
        .order_by("-question__section__version__published_at", "-pk")
        .first()
    )
