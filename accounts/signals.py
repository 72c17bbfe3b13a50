"""Django's and django-axes' authentication signals, written to the security log."""

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from accounts.keep_post import kept_post_on_sign_in
from accounts.middleware import SIGNED_IN_AT, session_activity_record
from accounts.models import SecurityEvent, User
from accounts.security_log import security_event_record


@receiver(user_logged_in, dispatch_uid="accounts.security_log.sign_in")
def _record_sign_in(sender: object, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        # The absolute and idle session limits count from here (accounts/middleware.py).
        request.session[SIGNED_IN_AT] = timezone.now().isoformat()
        session_activity_record(request)
        kept_post_on_sign_in(request, user.pk)
    security_event_record(kind=SecurityEvent.Kind.SIGN_IN, request=request, user=user)


@receiver(user_logged_out, dispatch_uid="accounts.security_log.sign_out")
def _record_sign_out(sender: object, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        security_event_record(kind=SecurityEvent.Kind.SIGN_OUT, request=request, user=user)


@receiver(user_login_failed, dispatch_uid="accounts.security_log.sign_in_failed")
def _record_sign_in_failed(
    sender: object, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Only the address typed: Django has already masked the password, and it is never passed on.
    locked = bool(getattr(request, "axes_locked_out", False))
    security_event_record(
        kind=SecurityEvent.Kind.SIGN_IN_FAILED,
        request=request,
        email=str(credentials.get("username") or ""),
        detail={"while_locked_out": True} if locked else None,
    )


@receiver(user_locked_out, dispatch_uid="accounts.security_log.locked_out")
def _record_locked_out(sender: object, request: HttpRequest | None, username: str | None, **kwargs: Any) -> None:
    security_event_record(kind=SecurityEvent.Kind.LOCKED_OUT, request=request, email=username or "")
