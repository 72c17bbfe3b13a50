"""Each answer type's rules (assessments/answer_types.py), tested directly."""

from collections.abc import Iterable
from typing import cast

import pytest
from django import forms
from django.core.exceptions import ValidationError

from assessments import answer_types
from assessments.answer_types import ANSWER_TYPES, rules_for
from assessments.models import ANSWER_MAX_LENGTH, ANSWER_MAX_LINES, Answer
from assessments.progress import answers_by_question, assessment_progress
from assessments.services import section_answers_save
from hiat_site.forms import PlainTextField
from toolkit_content.models import Question

CHOICES = [{"value": "b", "label": "Bravo"}, {"value": "a", "label": "Alpha"}, {"value": "c", "label": "Charlie"}]


def question(answer_type: str, *, required: bool = True) -> Question:
    return Question(
        key="who-benefits",
        number="2.3",
        text="Who benefits?",
        hint="Think about groups.",
        answer_type=answer_type,
        required=required,
        choices=[] if answer_type == Question.AnswerType.LONG_TEXT else CHOICES,
    )


LONG = question(Question.AnswerType.LONG_TEXT)
SINGLE = question(Question.AnswerType.SINGLE_CHOICE)
MULTIPLE = question(Question.AnswerType.MULTIPLE_CHOICE)


def choice_pairs(field: forms.ChoiceField) -> list[tuple[str, str]]:
    """The field's choices as (value, label) pairs.

    Django normalises whatever choices a field is given into these pairs when they are set;
    django-stubs types the getter as everything the setter accepts (mappings, enums, callables).
    """
    return list(cast(Iterable[tuple[str, str]], field.choices))


def refusal(q: Question, value: object) -> str:
    with pytest.raises(ValidationError) as caught:
        rules_for(q).validate_value(q, value)
    return " ".join(caught.value.messages)


def test_every_answer_type_has_rules():
    assert set(ANSWER_TYPES) == set(Question.AnswerType.values)


# Long text


def test_long_text_form_field_is_a_plain_text_area_with_the_answer_limits():
    field = rules_for(LONG).form_field(LONG)
    assert isinstance(field, PlainTextField) and isinstance(field.widget, forms.Textarea)
    assert field.label == "2.3 Who benefits?" and field.help_text == "Think about groups." and not field.required
    assert field.max_length == ANSWER_MAX_LENGTH and field.max_lines == ANSWER_MAX_LINES


def test_optional_question_label_says_optional():
    q = question(Question.AnswerType.LONG_TEXT, required=False)
    assert rules_for(q).form_field(q).label == "2.3 Who benefits? (optional)"


def test_long_text_initial_stored_and_display():
    rules = rules_for(LONG)
    assert rules.initial(Answer(text="Older adults")) == "Older adults"
    assert rules.stored("Older adults  \n\n") == ("Older adults", [])
    assert rules.stored(" \n\t") == ("", [])
    assert answer_types.display(LONG, Answer(text="Older adults")) == ("Older adults", [])
    assert rules.anchor(LONG) == "id_who-benefits"


def test_long_text_is_answered_only_with_visible_text():
    rules = rules_for(LONG)
    assert rules.is_answered("Older adults", [])
    assert not rules.is_answered("  \n", [])
    assert not answer_types.is_answered(LONG, None)
    assert answer_types.display(LONG, Answer(text=" ")) == ("", [])


def test_long_text_validate_value_cleans_like_the_form():
    assert rules_for(LONG).validate_value(LONG, "Older\r\nadults\x00") == "Older\nadults"
    assert rules_for(LONG).validate_value(LONG, "\u200b\u200b") == ""


def test_long_text_validate_value_refuses_a_wrong_type():
    assert refusal(LONG, ["Older adults"]) == "Your answer to 2.3 must be text"
    assert refusal(LONG, None) == "Your answer to 2.3 must be text"


def test_long_text_validate_value_refuses_too_many_characters():
    message = refusal(LONG, "x" * (ANSWER_MAX_LENGTH + 1))
    assert message.startswith(f"Your answer to 2.3 must be {ANSWER_MAX_LENGTH:,} characters or fewer")
    assert f"(you have {ANSWER_MAX_LENGTH + 1})" in message


def test_long_text_validate_value_refuses_too_many_lines():
    message = refusal(LONG, "line\n" * (ANSWER_MAX_LINES + 1))
    assert message.startswith(f"Your answer to 2.3 must be {ANSWER_MAX_LINES:,} lines or fewer")
    assert f"(you have {ANSWER_MAX_LINES + 1})" in message


# Single choice


def test_single_choice_form_field_is_radios_of_the_question_choices():
    field = rules_for(SINGLE).form_field(SINGLE)
    assert isinstance(field, forms.ChoiceField) and isinstance(field.widget, forms.RadioSelect)
    assert choice_pairs(field) == [("b", "Bravo"), ("a", "Alpha"), ("c", "Charlie")]
    assert rules_for(SINGLE).anchor(SINGLE) == "id_who-benefits_1"


def test_single_choice_initial_stored_and_display():
    rules = rules_for(SINGLE)
    assert rules.initial(Answer(selected=["a"])) == "a"
    assert rules.initial(Answer(selected=[])) == ""
    assert rules.stored("a") == ("", ["a"])
    assert rules.stored("") == ("", [])
    assert answer_types.display(SINGLE, Answer(selected=["a"])) == ("", ["Alpha"])


def test_single_choice_is_answered_once_an_option_is_chosen():
    assert rules_for(SINGLE).is_answered("", ["a"])
    assert not rules_for(SINGLE).is_answered("", [])
    assert answer_types.display(SINGLE, Answer(selected=[])) == ("", [])


def test_single_choice_validate_value_accepts_a_choice_or_nothing():
    assert rules_for(SINGLE).validate_value(SINGLE, "c") == "c"
    assert rules_for(SINGLE).validate_value(SINGLE, "") == ""


def test_single_choice_validate_value_refuses_an_unknown_choice():
    assert refusal(SINGLE, "d") == "Select an answer to 2.3 from the list"


def test_single_choice_validate_value_refuses_a_wrong_type():
    assert refusal(SINGLE, ["a"]) == "Your answer to 2.3 must be one of its options"
    assert refusal(SINGLE, 1) == "Your answer to 2.3 must be one of its options"


# Multiple choice


def test_multiple_choice_form_field_is_checkboxes_of_the_question_choices():
    field = rules_for(MULTIPLE).form_field(MULTIPLE)
    assert isinstance(field, forms.MultipleChoiceField) and isinstance(field.widget, forms.CheckboxSelectMultiple)
    assert [value for value, _ in choice_pairs(field)] == ["b", "a", "c"]
    assert rules_for(MULTIPLE).anchor(MULTIPLE) == "id_who-benefits_1"


def test_multiple_choice_initial_stored_and_display():
    rules = rules_for(MULTIPLE)
    assert rules.initial(Answer(selected=["a", "c"])) == ["a", "c"]
    assert rules.stored(["c", "a"]) == ("", ["a", "c"])
    assert rules.stored([]) == ("", [])
    # Labels in the question's order, not the stored order.
    assert answer_types.display(MULTIPLE, Answer(selected=["a", "b"])) == ("", ["Bravo", "Alpha"])


def test_multiple_choice_is_answered_once_a_box_is_ticked():
    assert rules_for(MULTIPLE).is_answered("", ["a"])
    assert not rules_for(MULTIPLE).is_answered("", [])


def test_multiple_choice_validate_value_accepts_choices_once_each():
    assert rules_for(MULTIPLE).validate_value(MULTIPLE, ["c", "a", "c"]) == ["a", "c"]
    assert rules_for(MULTIPLE).validate_value(MULTIPLE, []) == []


def test_multiple_choice_validate_value_refuses_an_unknown_choice():
    assert refusal(MULTIPLE, ["a", "z"]) == "Select an answer to 2.3 from the list"


def test_multiple_choice_validate_value_refuses_a_wrong_type():
    assert refusal(MULTIPLE, "a") == "Your answer to 2.3 must be a list of its options"
    assert refusal(MULTIPLE, ["a", 1]) == "Your answer to 2.3 must be a list of its options"


# The database count agrees with the rule


def test_progress_counts_exactly_the_answers_the_rules_call_answered(assessment):
    section = assessment.toolkit_version.sections.get(number=1)
    values: dict[str, answer_types.AnswerValue] = {}
    for q in section.questions.all():
        # Alternately an answer and a blank, of every type.
        blank = len(values) % 2 == 1
        if q.answer_type == Question.AnswerType.LONG_TEXT:
            value: object = "  \n" if blank else "An answer"
        elif q.answer_type == Question.AnswerType.SINGLE_CHOICE:
            value = "" if blank else q.choices[0]["value"]
        else:
            value = [] if blank else [q.choices[0]["value"]]
        values[q.key] = rules_for(q).validate_value(q, value)
    section_answers_save(assessment=assessment, section=section, values=values, user=assessment.owner)
    answers = answers_by_question(assessment, section)
    expected = sum(answer_types.is_answered(q, answers.get(q.id)) for q in section.questions.all())
    assert expected >= 1
    assert assessment_progress(assessment).sections[0].answered == expected
