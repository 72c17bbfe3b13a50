from typing import Any

from crispy_forms_gds.layout import Submit
from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.http import HttpRequest

from accounts.models import User
from accounts.services import password_confirm, password_reset_request
from hiat_site.forms import PlainTextField, gds_helper

DISPLAY_NAME_MAX_LENGTH = 150
NAME_HINT = "Shown to people you work with and on your reports."
NEW_PASSWORD_HINT = "At least 10 characters. Avoid common words and passwords."
_EMAIL_FORMAT = "Enter an email address in the correct format, like name@example.org"


def email_field(label: str = "Email address", *, required: str = "Enter your email address") -> forms.EmailField:
    """An email address someone signs in with: the messages and limits every such field shares."""
    return forms.EmailField(
        label=label,
        max_length=254,
        help_text="You will use this to sign in.",
        error_messages={
            "required": required,
            "invalid": _EMAIL_FORMAT,
            "max_length": "Email address must be 254 characters or fewer",
            "null_characters_not_allowed": _EMAIL_FORMAT,
        },
    )


def password_field(
    label: str, *, autocomplete: str = "current-password", required: str = "", help_text: str = ""
) -> forms.CharField:
    """A password box: never stripped, at most 1,000 characters (hashing is slow on purpose)."""
    return forms.CharField(
        label=label,
        strip=False,
        max_length=1000,
        help_text=help_text,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
        error_messages={
            "required": required or f"Enter {label[0].lower()}{label[1:]}",
            "max_length": "Passwords must be 1,000 characters or fewer",
            "null_characters_not_allowed": "Password must not contain invisible control characters",
        },
    )


def display_name_field(help_text: str) -> PlainTextField:
    """The name other people see: plain text, 150 characters at most."""
    return PlainTextField(
        label="Your name",
        max_length=DISPLAY_NAME_MAX_LENGTH,
        help_text=help_text,
        error_messages={
            "required": "Enter your name",
            "max_length": f"Your name must be {DISPLAY_NAME_MAX_LENGTH} characters or fewer",
        },
    )


def display_name_cleaned(value: str) -> str:
    """A name of only spaces is no name."""
    value = value.strip()
    if not value:
        raise ValidationError("Enter your name")
    return value


class SignupForm(auth_forms.BaseUserCreationForm):
    display_name = display_name_field(NAME_HINT)
    email = email_field()

    class Meta:
        model = User
        fields = ("display_name", "email")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs.update({"autocomplete": "email", "spellcheck": "false"})
        self.fields["display_name"].widget.attrs.update({"autocomplete": "name"})
        self.fields["password1"].label = "Create a password"
        self.fields["password1"].help_text = NEW_PASSWORD_HINT
        self.fields["password1"].error_messages["required"] = "Enter a password"
        self.fields["password2"].label = "Confirm your password"
        self.fields["password2"].help_text = ""
        self.fields["password2"].error_messages["required"] = "Confirm your password"
        self.helper = gds_helper("Create account", fields=list(self.fields))

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this email address already exists. Sign in instead.")
        return email


class SigninForm(auth_forms.AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct email address and password. Passwords are case-sensitive.",
        "inactive": "This account is inactive.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Email address"
        self.fields["username"].error_messages["required"] = "Enter your email address"
        self.fields["password"].error_messages["required"] = "Enter your password"
        self.helper = gds_helper("Sign in", fields=list(self.fields))


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Asks for the address; the worker finds the account and sends the email (accounts.tasks)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "Email address"
        self.fields["email"].error_messages["required"] = "Enter your email address"
        self.helper = gds_helper("Send reset link", fields=list(self.fields))

    def save(self, *, request: HttpRequest, use_https: bool = False, **_ignored: object) -> None:  # type: ignore[override]
        password_reset_request(
            email=self.cleaned_data["email"], request=request, domain=request.get_host(), use_https=use_https
        )


class SetPasswordForm(auth_forms.SetPasswordForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = NEW_PASSWORD_HINT
        self.helper = gds_helper("Change password", fields=list(self.fields))


class NameForm(forms.Form):
    display_name = display_name_field(NAME_HINT)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["display_name"].widget.attrs.update({"autocomplete": "name"})
        self.helper = gds_helper("Save name", fields=list(self.fields))

    def clean_display_name(self) -> str:
        return display_name_cleaned(self.cleaned_data["display_name"])


class EmailChangeForm(forms.Form):
    email = email_field("New email address", required="Enter your new email address")
    password = password_field("Your current password")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs.update({"autocomplete": "email", "spellcheck": "false"})
        self.helper = gds_helper("Change email address", fields=list(self.fields))


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    def __init__(self, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        self.request = request
        super().__init__(*args, **kwargs)
        self.error_messages = {**self.error_messages, "password_incorrect": "Your current password is not correct"}
        self.fields["old_password"].label = "Your current password"
        self.fields["old_password"].error_messages["required"] = "Enter your current password"
        self.fields["new_password1"].label = "New password"
        self.fields["new_password1"].help_text = NEW_PASSWORD_HINT
        self.fields["new_password1"].error_messages["required"] = "Enter a new password"
        self.fields["new_password2"].label = "Confirm your new password"
        self.fields["new_password2"].error_messages["required"] = "Confirm your new password"
        for field in self.fields.values():
            field.max_length = 1000  # type: ignore[attr-defined]
            field.validators.append(MaxLengthValidator(1000, "Passwords must be 1,000 characters or fewer"))
        self.helper = gds_helper("Change password", fields=list(self.fields))

    def clean_old_password(self) -> str:
        # Checked as signing in checks it: wrong guesses count towards the lockout and are logged.
        old_password = self.cleaned_data["old_password"]
        try:
            password_confirm(user=self.user, password=old_password, request=self.request, field="old_password")
        except ValidationError as error:
            raise ValidationError(error.message_dict["old_password"]) from None
        return old_password


class ConfirmForm(forms.Form):
    """No fields: a button that POSTs with the CSRF token (sign out everywhere, prepare data)."""

    def __init__(self, *args: Any, submit_label: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(submit_label, fields=[])


class DeleteAccountForm(forms.Form):
    password = password_field("Your current password")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = gds_helper("Delete your account", fields=list(self.fields))
        self.helper.inputs = [Submit("submit", "Delete your account", css_class="govuk-button--warning")]
