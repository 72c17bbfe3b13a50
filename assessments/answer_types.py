"""Each answer type's rules, in one place: long text, single choice, multiple choice.

Everything that depends on a question's `answer_type` asks its rules here: the form field
and its layout on the section page, the form's starting value, what an Answer row keeps,
what people are shown, whether a question counts as answered, and the checks on a value
that arrives from outside a form. Adding an answer type means adding one class below.
"""

import hashlib
import json
from abc import ABC, abstractmethod
from typing import ClassVar

from crispy_forms_gds.layout import Field
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from assessments.models import ANSWER_MAX_LENGTH, ANSWER_MAX_LINES, Answer
from hiat_site.forms import PlainTextField
from toolkit_content.models import Question

# What a section form's cleaned data (or a caller from outside a form) holds for one question.
AnswerValue = str | list[str]
# What an Answer row keeps: (text, selected choice values).
Stored = tuple[str, list[str]]
# What people are shown: (text, chosen labels in the question's order); both empty when unanswered.
Display = tuple[str, list[str]]

# The database form of `is_answered`, for counting answers in one query. It holds for every
# type because `stored()` keeps text only for long text (and no text when it is blank) and
# choice values only for choice questions.
ANSWERED = Q(text__gt="") | ~Q(selected=[])


def digest(stored: Stored) -> str:
    """A short fingerprint of what an Answer row keeps.

    A section page carries the fingerprint of each answer as it was shown, so a save can
    tell which answers the person changed without the page sending the originals back.
    """
    return hashlib.sha256(json.dumps(stored, ensure_ascii=False).encode()).hexdigest()[:32]


def _label(question: Question) -> str:
    return f"{question.number} {question.text}" + ("" if question.required else " (optional)")


def _invalid_choice(question: Question) -> str:
    return f"Select an answer to {question.number} from the list"  # noqa: S608 (not SQL)


class AnswerTypeRules(ABC):
    """The rules of one answer type. Instances keep no state: one of each serves every request."""

    answer_type: ClassVar[str]

    @abstractmethod
    def form_field(self, question: Question) -> forms.Field:
        """The section form's field for the question, with its limits and messages."""

    @abstractmethod
    def layout(self, question: Question) -> Field:
        """The crispy-forms-gds layout item that renders the field on the section page."""

    @abstractmethod
    def anchor(self, question: Question) -> str:
        """The id of the question's first input on the section page (what change and error links point at)."""

    @abstractmethod
    def initial(self, answer: Answer) -> AnswerValue:
        """The form's starting value for a saved answer."""

    @abstractmethod
    def stored(self, value: AnswerValue) -> Stored:
        """What the Answer row keeps for a cleaned value."""

    @abstractmethod
    def is_answered(self, text: str, selected: list[str]) -> bool:
        """Whether what an Answer row keeps counts as an answer (`ANSWERED` is its database form)."""

    @abstractmethod
    def display(self, question: Question, answer: Answer) -> Display:
        """What the check page, the report and the export show for a saved, answered answer."""

    @abstractmethod
    def check_type(self, question: Question, value: object) -> None:
        """Refuse a value of the wrong shape before the form field coerces it (it would turn 1 into "1")."""

    @abstractmethod
    def fits(self, question: Question, text: str, selected: list[str]) -> bool:
        """Whether what an Answer row keeps is something this question could have stored.

        Asked when an assessment moves to a newer toolkit version: an answer carries over
        to the new version's question with its key only if it fits it (the same kind of
        answer, and choices the question still offers); otherwise it is kept with the
        question as it was asked, so the form never shows an answer it cannot hold.
        """

    def validate_value(self, question: Question, value: object) -> AnswerValue:
        """Check and clean a value that arrives from outside a form (a JSON request, say).

        Returns the cleaned value, ready for `stored()`. Raises ValidationError with a
        message a person can act on; the limits and messages are the section form's own.
        """
        self.check_type(question, value)
        cleaned: AnswerValue = self.form_field(question).clean(value)
        return cleaned


class LongText(AnswerTypeRules):
    answer_type = Question.AnswerType.LONG_TEXT

    def form_field(self, question: Question) -> forms.Field:
        number = question.number
        return PlainTextField(
            label=_label(question),
            required=False,
            strip=False,
            max_length=ANSWER_MAX_LENGTH,
            max_lines=ANSWER_MAX_LINES,
            help_text=question.hint,
            # crispy-forms-gds expects this key to exist when it adds the character count's id.
            widget=forms.Textarea(attrs={"rows": 6, "aria-describedby": ""}),
            error_messages={
                "max_length": f"Your answer to {number} must be {ANSWER_MAX_LENGTH:,} characters or fewer "
                "(you have %(show_value)s). Shorten it and save again.",
                "max_lines": f"Your answer to {number} must be {ANSWER_MAX_LINES:,} lines or fewer, "
                "counting blank lines (you have %(show_value)s). Join short lines into paragraphs or shorten it, "
                "and save again.",
            },
        )

    def layout(self, question: Question) -> Field:
        return Field.textarea(question.key, label_size="s", rows=6, max_characters=ANSWER_MAX_LENGTH, threshold=75)

    def anchor(self, question: Question) -> str:
        return f"id_{question.key}"

    def initial(self, answer: Answer) -> AnswerValue:
        return answer.text

    def stored(self, value: AnswerValue) -> Stored:
        # Trailing white space prints as blank pages in the report; text of only spaces is no answer.
        text = str(value)
        return ("" if not text.strip() else text.rstrip()), []

    def is_answered(self, text: str, selected: list[str]) -> bool:
        return bool(text.strip())

    def display(self, question: Question, answer: Answer) -> Display:
        return answer.text, []

    def check_type(self, question: Question, value: object) -> None:
        if not isinstance(value, str):
            raise ValidationError(f"Your answer to {question.number} must be text", code="invalid_type")

    def fits(self, question: Question, text: str, selected: list[str]) -> bool:
        return not selected


class _Choice(AnswerTypeRules):
    """What single and multiple choice share: answers are choice values, shown by their labels."""

    def _choices(self, question: Question) -> list[tuple[str, str]]:
        return [(c["value"], c["label"]) for c in question.choices]

    def anchor(self, question: Question) -> str:
        return f"id_{question.key}_1"  # crispy-forms-gds numbers radios and checkboxes from 1

    def is_answered(self, text: str, selected: list[str]) -> bool:
        return bool(selected)

    def display(self, question: Question, answer: Answer) -> Display:
        # In the order the question lists its options, not the order they were stored.
        chosen = set(answer.selected)
        return "", [c["label"] for c in question.choices if c["value"] in chosen]

    def fits(self, question: Question, text: str, selected: list[str]) -> bool:
        offered = {c["value"] for c in question.choices}
        return not text and set(selected) <= offered and (self.many or len(selected) <= 1)

    # Whether one answer may hold more than one option.
    many: ClassVar[bool]


class SingleChoice(_Choice):
    answer_type = Question.AnswerType.SINGLE_CHOICE
    many = False

    def form_field(self, question: Question) -> forms.Field:
        return forms.ChoiceField(
            label=_label(question),
            required=False,
            choices=self._choices(question),
            help_text=question.hint,
            widget=forms.RadioSelect,
            error_messages={"invalid_choice": _invalid_choice(question)},
        )

    def layout(self, question: Question) -> Field:
        return Field.radios(question.key, legend_size="s")

    def initial(self, answer: Answer) -> AnswerValue:
        return answer.selected[0] if answer.selected else ""

    def stored(self, value: AnswerValue) -> Stored:
        return "", [str(value)] if value else []

    def check_type(self, question: Question, value: object) -> None:
        if not isinstance(value, str):
            raise ValidationError(f"Your answer to {question.number} must be one of its options", code="invalid_type")


class MultipleChoice(_Choice):
    answer_type = Question.AnswerType.MULTIPLE_CHOICE
    many = True

    def form_field(self, question: Question) -> forms.Field:
        invalid = _invalid_choice(question)
        return forms.MultipleChoiceField(
            label=_label(question),
            required=False,
            choices=self._choices(question),
            help_text=question.hint,
            widget=forms.CheckboxSelectMultiple,
            error_messages={"invalid_choice": invalid, "invalid_list": invalid},
        )

    def layout(self, question: Question) -> Field:
        return Field.checkboxes(question.key, legend_size="s", small=True)

    def initial(self, answer: Answer) -> AnswerValue:
        return answer.selected

    def stored(self, value: AnswerValue) -> Stored:
        # Sorted, so ticking the same boxes in another order is no change.
        return "", sorted(value) if isinstance(value, list) else []

    def check_type(self, question: Question, value: object) -> None:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValidationError(
                f"Your answer to {question.number} must be a list of its options", code="invalid_type"
            )

    def validate_value(self, question: Question, value: object) -> AnswerValue:
        cleaned = super().validate_value(question, value)
        # A form can only send each box once; a list from elsewhere could repeat one.
        return sorted(set(cleaned))


ANSWER_TYPES: dict[str, AnswerTypeRules] = {
    rules.answer_type: rules for rules in (LongText(), SingleChoice(), MultipleChoice())
}


def rules_for(question: Question) -> AnswerTypeRules:
    return ANSWER_TYPES[question.answer_type]


def is_answered(question: Question, answer: Answer | None) -> bool:
    """Whether the question counts as answered: the one rule progress, completion and every page use."""
    return answer is not None and rules_for(question).is_answered(answer.text, answer.selected)


def display(question: Question, answer: Answer | None) -> Display:
    """(text, chosen labels) for showing an answer; both empty when it is unanswered."""
    rules = rules_for(question)
    if answer is None or not rules.is_answered(answer.text, answer.selected):
        return "", []
    return rules.display(question, answer)
