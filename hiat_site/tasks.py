"""Background tasks every app can use."""

from django.core.mail import send_mail
from django_tasks import task


@task()
def send_email(*, subject: str, body: str, to: list[str]) -> None:
    """Send a plain-text email from the worker: a slow or failing mail server never holds up a page."""
    send_mail(subject=subject, message=body, from_email=None, recipient_list=to)
