"""Writes to accounts: small typed functions, each recording itself in the security log."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import SecurityEvent, User
from accounts.security_log import normalise_email, security_event_record
from accounts.tasks import send_password_reset


def password_reset_request(*, email: str, request: HttpRequest, domain: str, use_https: bool) -> bool:
    """Queue a reset email for this address unless it has had PASSWORD_RESET_LIMIT_PER_HOUR already.

    Every request is logged. The caller shows the same "check your email" page either way, so
    the limit says nothing about whether an account exists. Returns whether one was queued.
    """
    email = normalise_email(email)
    recent = SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.RESET_REQUESTED,
        email=email,
        created_at__gte=timezone.now() - timedelta(hours=1),
    ).count()
    queued = recent < settings.PASSWORD_RESET_LIMIT_PER_HOUR
    if queued:
        send_password_reset.enqueue(email=email, domain=domain, use_https=use_https)
    security_event_record(
        kind=SecurityEvent.Kind.RESET_REQUESTED, request=request, email=email, detail={"queued": queued}
    )
    return queued


def user_sign_out_everywhere(*, user: User, request: HttpRequest | None = None) -> None:
    """End every session of this person, on every device, by changing their session salt."""
    user.session_salt = secrets.token_hex(16)
    user.save(update_fields=["session_salt"])
    security_event_record(kind=SecurityEvent.Kind.SIGN_OUT_EVERYWHERE, request=request, user=user)
