"""The workshop forms: creating one, joining, keeping your work, closing, deleting."""

import datetime as dt
import re
from typing import Any

from crispy_forms_gds.layout import Field, Layout, Submit
from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.forms import (
    NEW_PASSWORD_HINT,
    display_name_cleaned,
    display_name_field,
    email_field,
    password_field,
)
from accounts.models import User
from assessments.forms import SafeDateInputField
from assessments.models import Assessment
from hiat_site.forms import CREATION_TOKEN_INPUT, PlainTextField, gds_helper
from toolkit_content.models import ToolkitVersion
from workshops import codes
from workshops.models import CAPACITY_MAX, GROUPS_MAX, Workshop, WorkshopGroup

DESCRIPTION_MAX_LENGTH = 2_000
GROUP_NAME_MAX_LENGTH = 100
_TIME = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")


class VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ToolkitVersion) -> str:
        return f"{obj.toolkit.name} {obj.label}"


class CaseStudyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Assessment) -> str:
        return obj.title


class WorkshopForm(forms.Form):
    name = PlainTextField(
        label="Workshop name",
        max_length=200,
        error_messages={"required": "Enter the workshop name", "max_length": "Names must be 200 characters or fewer"},
    )
    date = SafeDateInputField(label="Date", help_text="For example, 27 3 2027")
    time = forms.CharField(
        label="Start time",
        help_text="24-hour clock, for example 09:30 or 14:00",
        max_length=20,
        error_messages={"required": "Enter the start time", "max_length": "Enter a time like 09:30"},
    )
    description = PlainTextField(
        label="Description (optional)",
        required=False,
        max_length=DESCRIPTION_MAX_LENGTH,
        max_lines=40,
        widget=forms.Textarea,
        help_text="What participants will do. Shown on the dashboard only.",
        error_messages={"max_length": f"Descriptions must be {DESCRIPTION_MAX_LENGTH:,} characters or fewer"},
    )
    toolkit_version = VersionChoiceField(
        label="Toolkit version",
        queryset=ToolkitVersion.objects.none(),
        empty_label=None,
        error_messages={"required": "Select the toolkit version", "invalid_choice": "Select the toolkit version"},
    )
    mode = forms.ChoiceField(
        label="How will people work?",
        choices=Workshop.Mode.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how people will work", "invalid_choice": "Select how people will work"},
    )
    group_names = PlainTextField(
        label="Group names (for groups only)",
        required=False,
        max_length=GROUPS_MAX * (GROUP_NAME_MAX_LENGTH + 2),
        widget=forms.Textarea,
        help_text=f"One name on each line, up to {GROUPS_MAX} groups. For example: Table 1, Table 2.",
        error_messages={"max_length": f"Enter up to {GROUPS_MAX} group names, one on each line"},
    )
    case_study = CaseStudyChoiceField(
        label="Starting case study (optional)",
        queryset=Assessment.objects.none(),
        required=False,
        empty_label="None: everyone starts with a blank assessment",
        help_text="An assessment you own, copied for each participant or group as they join.",
        error_messages={"invalid_choice": "Select one of your own assessments"},
    )
    capacity = forms.IntegerField(
        label="How many people can join?",
        min_value=1,
        max_value=CAPACITY_MAX,
        error_messages={
            "required": "Enter how many people can join",
            "invalid": "Enter a whole number, like 30",
            "min_value": "Enter a number of at least 1",
            "max_value": f"Enter a number up to {CAPACITY_MAX}",
        },
    )

    def __init__(self, *args: Any, trainer: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        published = ToolkitVersion.objects.filter(status=ToolkitVersion.Status.PUBLISHED).select_related("toolkit")
        field = self.fields["toolkit_version"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = published.order_by("-published_at", "-id")
        case_study = self.fields["case_study"]
        assert isinstance(case_study, forms.ModelChoiceField)
        # Only the trainer's own assessments (the access rule for a case study), newest first.
        case_study.queryset = Assessment.objects.filter(owner=trainer).order_by("-updated_at")
        self.fields["time"].widget.attrs.update({"class": "govuk-input--width-5", "inputmode": "numeric"})
        self.fields["capacity"].widget.attrs.update({"class": "govuk-input--width-4"})
        self.helper = gds_helper("Create workshop")
        self.helper.layout = Layout(
            CREATION_TOKEN_INPUT,
            Field.text("name"),
            Field("date", context={"legend_size": "govuk-fieldset__legend--s"}),
            Field.text("time"),
            Field.textarea("description", rows=3),
            Field.select("toolkit_version"),
            Field.radios("mode", legend_size="s"),
            Field.textarea("group_names", rows=4),
            Field.select("case_study"),
            Field.text("capacity"),
        )

    def clean_time(self) -> dt.time:
        match = _TIME.match(self.cleaned_data["time"])
        try:
            if match is None:
                raise ValueError
            return dt.time(int(match[1]), int(match[2]))
        except ValueError:
            raise ValidationError("Enter a time like 09:30 or 14:00") from None

    def clean_group_names(self) -> list[str]:
        names = [line.strip() for line in self.cleaned_data["group_names"].splitlines() if line.strip()]
        if len(names) > GROUPS_MAX:
            raise ValidationError(f"Enter up to {GROUPS_MAX} group names, one on each line")
        if any(len(name) > GROUP_NAME_MAX_LENGTH for name in names):
            raise ValidationError(f"Group names must be {GROUP_NAME_MAX_LENGTH} characters or fewer")
        if len({name.casefold() for name in names}) != len(names):
            raise ValidationError("Give each group a different name")
        return names

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            cleaned.get("mode") == Workshop.Mode.GROUPS
            and not cleaned.get("group_names")
            and not self.has_error("group_names")
        ):
            self.add_error("group_names", "Enter at least one group name, one on each line")
        case_study, version = cleaned.get("case_study"), cleaned.get("toolkit_version")
        if case_study is not None and version is not None and case_study.toolkit_version_id != version.pk:
            self.add_error("case_study", "Choose a case study made with the same toolkit version as the workshop")
        return cleaned

    def workshop_details(self) -> dict[str, Any]:
        data = self.cleaned_data
        starts_at = timezone.make_aware(dt.datetime.combine(data["date"], data["time"]))
        return {
            "name": data["name"],
            "starts_at": starts_at,
            "description": data["description"],
            "toolkit_version": data["toolkit_version"],
            "mode": data["mode"],
            "case_study": data["case_study"],
            "capacity": data["capacity"],
        }


class JoinCodeForm(forms.Form):
    code = forms.CharField(
        label="Workshop code",
        max_length=40,
        help_text="8 letters and numbers, shown by your trainer. For example, K7MQ-4QXP.",
        error_messages={"required": "Enter the workshop code", "max_length": "Enter the 8-character workshop code"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(
            {
                "class": "govuk-input--width-10 app-join-code-input",
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
            }
        )
        self.helper = gds_helper("Continue", fields=list(self.fields))

    def clean_code(self) -> str:
        code = codes.normalise(self.cleaned_data["code"])
        if not code:
            raise ValidationError("Enter the 8-character workshop code, like K7MQ-4QXP")
        return code


class JoinForm(forms.Form):
    """Joining: a name (for someone not signed in) and, in group mode, their group."""

    display_name = display_name_field("Shown to your trainer and your group. A first name is enough.")
    group = forms.TypedChoiceField(
        label="Which group are you in?",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the group you are working with", "invalid_choice": "Select a group"},
    )

    def __init__(self, *args: Any, workshop: Workshop, ask_name: bool, groups: list[WorkshopGroup], **kwargs: Any):
        super().__init__(*args, **kwargs)
        fields = []
        if ask_name:
            self.fields["display_name"].widget.attrs.update({"autocomplete": "name"})
            fields.append(Field.text("display_name"))
        else:
            del self.fields["display_name"]
        if workshop.mode == Workshop.Mode.GROUPS:
            group = self.fields["group"]
            assert isinstance(group, forms.TypedChoiceField)
            group.choices = [(g.pk, g.name) for g in groups]
            fields.append(Field.radios("group", legend_size="s"))
        else:
            del self.fields["group"]
        self.helper = gds_helper("Join the workshop")
        self.helper.layout = Layout(CREATION_TOKEN_INPUT, *fields)

    def clean_display_name(self) -> str:
        return display_name_cleaned(self.cleaned_data["display_name"])


class KeepWorkForm(auth_forms.SetPasswordMixin, forms.Form):
    """A guest adds an email and password, to keep their work and come back to it."""

    error_messages = {"password_mismatch": "The passwords do not match"}

    email = email_field()
    password1 = password_field(
        "Create a password", autocomplete="new-password", required="Enter a password", help_text=NEW_PASSWORD_HINT
    )
    password2 = password_field("Confirm your password", autocomplete="new-password", required="Confirm your password")

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["email"].widget.attrs.update({"autocomplete": "email", "spellcheck": "false"})
        self.fields["email"].widget.attrs.pop("maxlength", None)
        self.helper = gds_helper("Keep my work", fields=list(self.fields))

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exclude(pk=self.user.pk).exists():
            raise ValidationError("Another account already uses this email address. Enter a different email address")
        return email

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.validate_passwords()
        if not self.has_error("password2", "password_mismatch"):
            self.validate_password_for_user(self.user, "password1")
        return cleaned


class CloseForm(forms.Form):
    read_only = forms.TypedChoiceField(
        label="What happens to participants' assessments?",
        coerce=lambda value: value == "yes",
        choices=[
            ("yes", "Read-only: people can read and download their report, but not change it"),
            ("no", "Editable: people can carry on working on their own"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select what happens to the assessments", "invalid_choice": "Select an option"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = gds_helper("Close the workshop")
        self.helper.layout = Layout(Field.radios("read_only", legend_size="s"))


class DeleteForm(forms.Form):
    """Carries the fingerprint of the plan the page showed (workshops.services.DeletionPlan)."""

    plan = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = gds_helper("Delete the workshop's data", fields=list(self.fields))
        self.helper.inputs = [Submit("submit", "Delete the workshop's data", css_class="govuk-button--warning")]
