"""Account work done by the background worker, never in a web request."""

from django.contrib.auth import forms as auth_forms
from django_tasks import task

RESET_SUBJECT_TEMPLATE = "accounts/email/password_reset_subject.txt"
RESET_BODY_TEMPLATE = "accounts/email/password_reset.txt"


@task()
def send_password_reset(*, email: str, domain: str, use_https: bool) -> None:
    """Email a reset link to the active account with this address, if there is one.

    The web request only queues this, for any address, so a reset for a real account and
    one for an unknown address take the same time: the response does not tell them apart.
    """
    form = auth_forms.PasswordResetForm(data={"email": email})
    if form.is_valid():
        form.save(
            domain_override=domain,
            use_https=use_https,
            subject_template_name=RESET_SUBJECT_TEMPLATE,
            email_template_name=RESET_BODY_TEMPLATE,
        )
