"""Writes to accounts: small typed functions, each recording itself in the security log.

Functions that need the current password check it themselves and raise ValidationError
naming the field, so a view can show the message beside it.
"""

import secrets
from datetime import timedelta

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import authenticate, logout, update_session_auth_hash
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts import personal_data
from accounts.models import DataExport, SecurityEvent, User
from accounts.security_log import normalise_email, security_event_record
from accounts.tasks import build_data_export, send_account_change_notice, send_password_reset

WRONG_PASSWORD = "Your current password is not correct"
LOCKED_OUT = (
    "There have been too many wrong passwords for this account. Try again in {minutes} minutes, or reset your password"
)
EMAIL_TAKEN = "Another account already uses this email address. Enter a different email address"


def password_reset_request(*, email: str, request: HttpRequest, domain: str, use_https: bool) -> bool:
    """Queue a reset email for this address unless it has had PASSWORD_RESET_LIMIT_PER_HOUR already.

    Every request is logged. The caller shows the same "check your email" page either way, so
    the limit says nothing about whether an account exists. Returns whether one was queued.
    """
    email = normalise_email(email)
    with transaction.atomic():
        # One request per address at a time counts and records, so a burst of simultaneous
        # requests cannot all see the count below the limit.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"password-reset:{email}"])
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


def password_confirm(*, user: User, password: str, request: HttpRequest, field: str = "password") -> None:
    """Check someone's current password the way signing in does.

    Through authenticate(), a wrong password counts towards the account's lockout (django-axes)
    and is written to the security log, so a session left open on a shared PC cannot be used
    to guess the password without limit on the account pages.
    """
    # django-axes decides about a lock only from attributes it sets on the request; outside its
    # sign-in flow they must be set first, or a locked account would still get through here.
    AxesProxyHandler.update_request(request)
    if AxesProxyHandler.is_allowed(request, {"username": user.email}) and (
        authenticate(request, username=user.email, password=password) is not None
    ):
        return
    if getattr(request, "axes_locked_out", False) or not AxesProxyHandler.is_allowed(request, {"username": user.email}):
        minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
        raise ValidationError({field: LOCKED_OUT.format(minutes=minutes)})
    raise ValidationError({field: WRONG_PASSWORD})


def user_change_name(*, user: User, display_name: str, request: HttpRequest | None = None) -> None:
    if display_name == user.display_name:
        return
    user.display_name = display_name
    user.save(update_fields=["display_name"])
    security_event_record(kind=SecurityEvent.Kind.NAME_CHANGED, request=request, user=user)


def user_change_email(*, user: User, email: str, password: str, request: HttpRequest) -> None:
    """Change the sign-in address after checking the current password; addresses stay unique."""
    password_confirm(user=user, password=password, request=request)
    email = email.strip().lower()
    if email == user.email:
        return
    previous = user.email
    try:
        with transaction.atomic():
            if User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
                raise ValidationError({"email": EMAIL_TAKEN})
            user.email = email
            user.save(update_fields=["email"])
    except IntegrityError:  # the same address taken by a request that committed first
        user.email = previous
        raise ValidationError({"email": EMAIL_TAKEN}) from None
    # The old address is kept in the log: it is how a stolen account is traced back.
    security_event_record(
        kind=SecurityEvent.Kind.EMAIL_CHANGED, request=request, user=user, detail={"previous_email": previous}
    )
    _notify_change(to=previous, change="email address", user=user, account=previous, request=request)


def user_add_sign_in(*, user: User, email: str, new_password: str, request: HttpRequest) -> None:
    """Give an account made without sign-in details (a workshop guest's) an email and password.

    Only for an account that has no usable password: there is no current password to ask
    for, and the session is the proof of who they are. From then on it is an account like
    any other, kept when the workshop is deleted. The session carries on.
    """
    if user.has_usable_password():
        raise ValidationError({"email": "This account already has an email address and password"})
    email = email.strip().lower()
    try:
        with transaction.atomic():
            if User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
                raise ValidationError({"email": EMAIL_TAKEN})
            user.email = email
            user.set_password(new_password)
            user.save(update_fields=["email", "password"])
    except IntegrityError:  # the same address taken by a request that committed first
        raise ValidationError({"email": EMAIL_TAKEN}) from None
    update_session_auth_hash(request, user)
    security_event_record(
        kind=SecurityEvent.Kind.PASSWORD_CHANGED, request=request, user=user, detail={"added_sign_in_details": True}
    )


def user_change_password(*, user: User, new_password: str, request: HttpRequest) -> None:
    """Set a new password (already validated), ending every other session but this one."""
    user.set_password(new_password)
    user.save(update_fields=["password"])
    update_session_auth_hash(request, user)
    security_event_record(kind=SecurityEvent.Kind.PASSWORD_CHANGED, request=request, user=user)
    _notify_change(to=user.email, change="password", user=user, account=user.email, request=request)


def _notify_change(*, to: str, change: str, user: User, account: str, request: HttpRequest | None) -> None:
    """Queue an email about a change to sign-in details (sent by the worker)."""
    if request is None:
        return  # changes made outside a web request (the admin shell) have no site address to link to
    now = timezone.localtime()
    send_account_change_notice.enqueue(
        to=to,
        account=account,
        change=change,
        new_email=user.email,
        when=f"{now.day} {now:%B %Y at %H:%M}",
        domain=request.get_host(),
        use_https=request.is_secure(),
    )


def user_sign_out_everywhere(*, user: User, request: HttpRequest | None = None) -> None:
    """End every session of this person, on every device, by changing their session salt."""
    user.session_salt = secrets.token_hex(16)
    user.save(update_fields=["session_salt"])
    security_event_record(kind=SecurityEvent.Kind.SIGN_OUT_EVERYWHERE, request=request, user=user)


def user_delete(*, user: User, password: str, request: HttpRequest) -> None:
    """Delete the account and everything every app keeps about the person, then sign them out.

    The security log keeps one row for the deletion with the email address only (the audit
    trail); earlier rows lose their link to the account and expire with the log.
    """
    password_confirm(user=user, password=password, request=request)
    email = user.email
    logout(request)
    with transaction.atomic():
        for provider in personal_data.providers():
            provider.delete(user)
        user.delete()
        security_event_record(kind=SecurityEvent.Kind.ACCOUNT_DELETED, request=request, email=email)


def data_export_request(*, user: User) -> DataExport:
    """Queue a ZIP of the person's data, or return the one already being prepared (double submit)."""
    now = timezone.now()
    DataExport.objects.filter(expires_at__lte=now).delete()
    pending = DataExport.objects.filter(user=user, status=DataExport.Status.PENDING).first()
    if pending is not None:
        return pending
    export = DataExport.objects.create(user=user, expires_at=now + timedelta(hours=settings.DATA_EXPORT_EXPIRY_HOURS))
    build_data_export.enqueue(export_id=str(export.pk))
    return export


def data_export_latest(*, user: User) -> DataExport | None:
    """The person's newest export that has not expired, without its content."""
    return (
        DataExport.objects.filter(user=user, expires_at__gt=timezone.now())
        .defer("content")
        .order_by("-created_at")
        .first()
    )
