from datetime import date
from typing import Any, NamedTuple

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Fieldset, Layout
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import ModelFormOptions
from django.template import Context
from django.template.loader import render_to_string
from django.urls import reverse

from assessments.answer_types import AnswerValue, digest, rules_for
from assessments.models import (
    ANSWER_MAX_LINES,
    SUMMARY_FIELDS,
    SUMMARY_MAX_LENGTH,
    SUMMARY_MAX_LINES,
    Assessment,
    PublicAdvisers,
    Role,
    WorkType,
)
from assessments.services import value_digest
from hiat_site.forms import CREATION_TOKEN_INPUT, PlainTextField, gds_helper
from toolkit_content.models import Question


class SafeDateInputField(DateInputField):
    """GOV.UK day/month/year inputs that turn any impossible date into a clear message."""

    def compress(self, data_list: Any) -> date | None:
        if not data_list or all(v in (None, "") for v in data_list):
            return None
        try:
            day, month, year = (int(v) for v in data_list)
            return date(year, month, day)
        except (ValueError, TypeError, OverflowError):
            raise ValidationError("Enter a real date, for example 27 3 2027") from None

    def clean(self, value: Any) -> date | None:
        cleaned = super().clean(value)
        if cleaned is not None and not 1900 <= cleaned.year <= 2200:
            raise ValidationError("Enter a year between 1900 and 2200")
        return cleaned


def _text(
    label: str, *, max_length: int, required: bool = False, help_text: str = "", required_message: str = ""
) -> PlainTextField:
    return PlainTextField(
        label=label,
        max_length=max_length,
        required=required,
        help_text=help_text,
        error_messages={
            "required": required_message or f"Enter the {label.lower()}",
            "max_length": f"{label} must be {max_length:,} characters or fewer",
        },
    )


def _long_text(
    label: str, help_text: str = "", *, max_length: int = 5_000, max_lines: int = ANSWER_MAX_LINES
) -> PlainTextField:
    return PlainTextField(
        label=label,
        max_length=max_length,
        max_lines=max_lines,
        required=False,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "max_length": f"{label} must be {max_length:,} characters or fewer",
            "max_lines": f"{label} must be {max_lines:,} lines or fewer (it has %(show_value)s lines)",
        },
    )


def shown_name(field: str) -> str:
    return f"{field}-shown"


class ShownFingerprintsMixin:
    """Carries each field's fingerprint as the page showed it, for a save of only what changed.

    On a form for an existing assessment, every field in `Meta.fields` gets a hidden
    `<name>-shown` field holding `value_digest` of the stored value. `shown()` hands them to
    `services.assessment_update_details`, which then writes only the fields this person
    changed and refuses a change to a field someone else changed meanwhile. Call
    `add_shown_fields()` from `__init__` after the helper is made.
    """

    instance: Assessment
    fields: dict[str, forms.Field]
    cleaned_data: dict[str, Any]
    helper: FormHelper
    _meta: ModelFormOptions

    def _shown_names(self) -> list[str]:
        return list(self._meta.fields or [])

    def add_shown_fields(self) -> None:
        if self.instance._state.adding:
            return
        self.helper.render_hidden_fields = True  # hidden fields outside the layout
        for name in self._shown_names():
            self.fields[shown_name(name)] = forms.CharField(
                required=False,
                max_length=64,
                widget=forms.HiddenInput,
                initial=value_digest(getattr(self.instance, name)),
            )

    def shown(self) -> dict[str, str]:
        """Each field's fingerprint as the page showed it (missing ones left out)."""
        return {
            name: self.cleaned_data[shown_name(name)]
            for name in self._shown_names()
            if self.cleaned_data.get(shown_name(name))
        }


class AssessmentDetailsForm(ShownFingerprintsMixin, forms.ModelForm):
    """The project details that head the report (hiat-outline.md, "Project details")."""

    title = _text("Project title", max_length=200, required=True, required_message="Enter a title for the project")
    organisation = _text(
        "Organisation or organisations",
        max_length=300,
        required=True,
        help_text="For example, the NHS trust, council or university leading the work.",
        required_message="Enter the organisation or organisations",
    )
    work_type = forms.ChoiceField(
        label="Type of work",
        choices=WorkType.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the type of work", "invalid_choice": "Select the type of work"},
    )
    work_type_other = _text("If other, what type of work is it?", max_length=200)
    description = _long_text("Short description", "What the work will do, in two or three sentences.")
    population_and_place = _long_text(
        "Population and place", "Who the work is for and where, for example 'adults in two wards of Eastborough'."
    )
    lead_and_team = _long_text("Lead and team", "Names and roles. Include any public advisers.")
    public_advisers = forms.ChoiceField(
        label="Are public advisers involved in the work?",
        choices=PublicAdvisers.choices,
        widget=forms.RadioSelect,
        required=False,
        error_messages={"invalid_choice": "Select whether public advisers are involved"},
    )
    start_date = SafeDateInputField(label="Start date", required=False, help_text="For example, 27 3 2027")
    review_date = SafeDateInputField(
        label="Planned review date", required=False, help_text="When you will come back to this assessment."
    )

    class Meta:
        model = Assessment
        fields = list(Assessment.DETAILS)

    def __init__(self, *args: Any, submit_label: str = "Save and continue", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(submit_label)
        self.add_shown_fields()
        self.helper.layout = Layout(
            CREATION_TOKEN_INPUT,  # only on "Start a new assessment" (assessments.views.assessment_new)
            Field.text("title"),
            Field.text("organisation"),
            Field.radios("work_type", legend_size="s"),
            Field.text("work_type_other"),
            Field.textarea("description", rows=4),
            Field.textarea("population_and_place", rows=3),
            Field.textarea("lead_and_team", rows=3),
            Field.radios("public_advisers", legend_size="s"),
            Field("start_date", context={"legend_size": "govuk-fieldset__legend--s"}),
            Field("review_date", context={"legend_size": "govuk-fieldset__legend--s"}),
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("work_type") == WorkType.OTHER and not cleaned.get("work_type_other"):
            self.add_error("work_type_other", "Enter the type of work")
        start, review = cleaned.get("start_date"), cleaned.get("review_date")
        if start and review and review < start:
            self.add_error("review_date", "The review date must be the same as or after the start date")
        return cleaned


def _summary_text(label: str, help_text: str) -> PlainTextField:
    return _long_text(label, help_text, max_length=SUMMARY_MAX_LENGTH, max_lines=SUMMARY_MAX_LINES)


class SummaryForm(ShownFingerprintsMixin, forms.ModelForm):
    """ "Summarise your findings": the three short answers printed first in the report."""

    summary_inequalities = _summary_text(
        "Main inequalities found",
        "Which groups fare worse, and the social and economic causes you found. A few sentences.",
    )
    summary_changes = _summary_text(
        "What the work will change",
        "How the work will reduce these inequalities, and what you will do to avoid widening them.",
    )
    summary_uncertainties = _summary_text(
        "What is still uncertain",
        "Gaps in the evidence, questions still open, and how you will find out.",
    )

    class Meta:
        model = Assessment
        fields = list(SUMMARY_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = gds_helper("Save and continue")
        self.add_shown_fields()
        self.helper.layout = Layout(*(Field.textarea(name, rows=5) for name in self.Meta.fields))


class Starting(NamedTuple):
    """An answer as the section page showed it: its version and fingerprint (answer_types.digest)."""

    version: int
    digest: str


class Resolve(models.TextChoices):
    MINE = "mine", "Keep my answer (in the box below, which you can change to combine both)"
    THEIRS = "theirs", "Use the newer answer and discard mine"


def base_name(key: str) -> str:
    return f"{key}-base"


def digest_name(key: str) -> str:
    return f"{key}-digest"


def resolve_name(key: str) -> str:
    return f"{key}-resolve"


class ConflictPanel:
    """A crispy-forms layout item: the newer answer above the question, and the choice to make."""

    def __init__(self, key: str) -> None:
        self.key = key

    def render(self, form: "SectionForm", context: Context, template_pack: str = "gds", **kwargs: Any) -> str:
        return render_to_string("assessments/includes/conflict.html", {"newer": form.conflicts[self.key]})


class HistoryLink:
    """A crispy-forms layout item: under a question, a link to its answer's history.

    Only for an answer saved at least once: the version the page started from (its hidden
    base field) is above 0. The link needs the page's `assessment`.
    """

    def __init__(self, question: Question) -> None:
        self.key, self.number = question.key, question.number

    def render(self, form: "SectionForm", context: Context, template_pack: str = "gds", **kwargs: Any) -> str:
        assessment = context.get("assessment")
        try:
            version = int(form[base_name(self.key)].value() or 0)
        except (TypeError, ValueError):
            version = 0
        if assessment is None or version <= 0:
            return ""
        href = reverse("answer_history", args=[assessment.pk, self.key])
        return render_to_string("assessments/includes/history_link.html", {"href": href, "number": self.number})


class SectionForm(forms.Form):
    """One field per question of a section, named by the question's stable key.

    Beside each question, two hidden fields carry the answer's version and fingerprint as
    the page showed it, so a save writes only the answers this person changed, each against
    the version they started from. When some were changed by someone else meanwhile, the
    form comes back with `conflicts` (question key -> what to show): each such question asks
    whether to keep this person's answer or the newer one.
    """

    conflict_keys = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        questions: list[Question],
        starting: dict[str, Starting] | None = None,
        conflicts: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        self.conflicts = conflicts or {}
        keys = {q.key for q in questions}
        if self.is_bound and not self.conflicts:
            named = str(self.data.get("conflict_keys", "")).split(",")
            self.conflicts = {key: None for key in named if key in keys}
        self.fields["conflict_keys"].initial = ",".join(self.conflicts)
        items: list[Any] = []
        group_items: list[Any] = []
        group = ""
        for question in questions:
            rules = rules_for(question)
            self.fields[question.key] = rules.form_field(question)
            self._add_starting_fields(question.key, (starting or {}).get(question.key))
            if question.group != group and group_items:
                items.append(Fieldset(*group_items, legend=group, legend_size="m"))
                group_items = []
            group = question.group
            if question.key in self.conflicts:
                self.fields[resolve_name(question.key)] = forms.ChoiceField(
                    label=f"Which answer to {question.number} do you want to keep?",
                    choices=Resolve.choices,
                    widget=forms.RadioSelect,
                    error_messages={
                        "required": f"Choose whether to keep your answer to {question.number} or the newer one",
                        "invalid_choice": f"Choose whether to keep your answer to {question.number} or the newer one",
                    },
                )
                (group_items if group else items).extend(
                    [ConflictPanel(question.key), Field.radios(resolve_name(question.key), legend_size="s")]
                )
            (group_items if group else items).extend([rules.layout(question), HistoryLink(question)])
        if group_items:
            items.append(Fieldset(*group_items, legend=group, legend_size="m"))
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(*items)

    def _add_starting_fields(self, key: str, starting: Starting | None) -> None:
        self.fields[base_name(key)] = forms.IntegerField(
            required=False, min_value=0, widget=forms.HiddenInput, initial=starting.version if starting else 0
        )
        self.fields[digest_name(key)] = forms.CharField(
            required=False, max_length=64, widget=forms.HiddenInput, initial=starting.digest if starting else ""
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # A tampered or broken base version must not stop the save: it is treated as
        # unknown below (the save then counts as a change and applies).
        for question in self.questions:
            self.errors.pop(base_name(question.key), None)
            self.errors.pop(digest_name(question.key), None)
        return cleaned

    def changes(self) -> tuple[dict[str, AnswerValue], dict[str, int]]:
        """The answers this person changed on the page, and the version each started from.

        Answers whose fingerprint matches the one the page was shown with are left out: a
        page open since this morning must not write this morning's copies over newer
        answers. Where the person chose the newer answer in a conflict, theirs is left out.
        """
        values: dict[str, AnswerValue] = {}
        bases: dict[str, int] = {}
        for question in self.questions:
            key = question.key
            if self.cleaned_data.get(resolve_name(key)) == Resolve.THEIRS:
                continue
            value = self.cleaned_data[key]
            shown = self.cleaned_data.get(digest_name(key)) or ""
            if shown and digest(rules_for(question).stored(value)) == shown:
                continue
            values[key] = value
            base = self.cleaned_data.get(base_name(key))
            if base is not None:
                bases[key] = base
        return values, bases

    def hidden_starting_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.endswith(("-base", "-digest")) or name == "conflict_keys"]


class InviteForm(forms.Form):
    """The owner adds someone to the team by email address, as an editor or a viewer."""

    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="If they do not have an account yet, we will email them a link to join.",
        error_messages={
            "required": "Enter their email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
            "max_length": "Email addresses must be 254 characters or fewer",
        },
    )
    role = forms.ChoiceField(
        label="What can they do?",
        choices=[
            (Role.EDITOR.value, "Editor: can change answers and mark sections complete"),
            (Role.VIEWER.value, "Viewer: can read and download the report, but not change anything"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what they can do", "invalid_choice": "Choose editor or viewer"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
        # No maxlength: a browser would silently cut a pasted address; the server says so.
        self.fields["email"].widget.attrs.pop("maxlength", None)
        self.helper = gds_helper("Add to team", fields=list(self.fields))
