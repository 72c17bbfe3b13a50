from django import forms
from django.contrib.auth import forms as auth_forms
from django.http import HttpRequest

from accounts.models import User
from accounts.services import password_reset_request
from hiat_site.forms import PlainTextField, gds_helper


class SignupForm(auth_forms.BaseUserCreationForm):
    display_name = PlainTextField(
        label="Your name",
        max_length=150,
        help_text="Shown to people you work with and on your reports.",
        error_messages={"required": "Enter your name"},
    )
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="You will use this to sign in.",
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
    )

    class Meta:
        model = User
        fields = ("display_name", "email")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs.update({"autocomplete": "email", "spellcheck": "false"})
        self.fields["display_name"].widget.attrs.update({"autocomplete": "name"})
        self.fields["password1"].label = "Create a password"
        self.fields["password1"].help_text = "At least 10 characters. Avoid common words and passwords."
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

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Email address"
        self.fields["username"].error_messages["required"] = "Enter your email address"
        self.fields["password"].error_messages["required"] = "Enter your password"
        self.helper = gds_helper("Sign in", fields=list(self.fields))


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Asks for the address; the worker finds the account and sends the email (accounts.tasks)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "Email address"
        self.fields["email"].error_messages["required"] = "Enter your email address"
        self.helper = gds_helper("Send reset link", fields=list(self.fields))

    def save(self, *, request: HttpRequest, use_https: bool = False, **_ignored: object) -> None:  # type: ignore[override]
        password_reset_request(
            email=self.cleaned_data["email"], request=request, domain=request.get_host(), use_https=use_https
        )


class SetPasswordForm(auth_forms.SetPasswordForm):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = "At least 10 characters. Avoid common words and passwords."
        self.helper = gds_helper("Change password", fields=list(self.fields))
