"""Ends a session a fixed time after sign-in, however active it has been, and after a time
without activity."""

import math
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone

# Set on sign-in (accounts.signals); an ISO 8601 timestamp so the session stays JSON.
SIGNED_IN_AT = "accounts_signed_in_at"
# The time of the person's last request, noted at most once a minute; ISO 8601 like SIGNED_IN_AT.
LAST_ACTIVITY = "accounts_last_activity"
# Left in the anonymous session after an idle sign-out: who was signed out, so that what they
# post next can be kept for them alone (accounts/keep_post.py).
SIGNED_OUT_USER = "accounts_signed_out_user"
# A save typed just before the limit passed is still taken, once; a session far past its
# limit (a stolen cookie) gets no such grace.
GRACE = timedelta(hours=1)


def session_absolute_limit(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Sign out after SESSION_ABSOLUTE_LIMIT_HOURS from sign-in.

    SESSION_COOKIE_AGE slides with every request, so a stolen cookie used now and then would
    live for ever; this puts a hard end on it. A session from before this rule (no sign-in
    time) is given one from now.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            signed_in_at = request.session.get(SIGNED_IN_AT)
            limit = timedelta(hours=settings.SESSION_ABSOLUTE_LIMIT_HOURS)
            now = timezone.now()
            if signed_in_at is None:
                request.session[SIGNED_IN_AT] = now.isoformat()
            elif now - datetime.fromisoformat(signed_in_at) > limit:
                if request.method == "POST" and now - datetime.fromisoformat(signed_in_at) <= limit + GRACE:
                    # Never lose a save that was typed before the limit passed: this last
                    # POST is handled as normal, and the session ends as it returns.
                    response = get_response(request)
                    _sign_out(request)
                    return response
                _sign_out(request)
                return redirect_to_login(request.get_full_path())
        return get_response(request)

    return middleware


def _sign_out(request: HttpRequest) -> None:
    logout(request)
    messages.info(
        request,
        "You have been signed out because you signed in more than "
        f"{settings.SESSION_ABSOLUTE_LIMIT_HOURS} hours ago. Sign in again to continue.",
    )


def session_idle_limit(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Sign out after SESSION_IDLE_MINUTES without activity; any request is activity except
    a page asking how long is left (GET /accounts/session/, which must not keep the session
    alive by asking).

    The request then carries on signed out rather than being redirected here: a view that
    needs sign-in sends the person to the sign-in page, and one that takes typed text keeps
    what was posted until they are back (accounts/keep_post.py).
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = timezone.now()
            last = request.session.get(LAST_ACTIVITY)
            if last is not None and now - datetime.fromisoformat(last) > idle_limit():
                user_id = request.user.pk
                logout(request)
                request.session[SIGNED_OUT_USER] = user_id
                minutes = settings.SESSION_IDLE_MINUTES
                messages.info(
                    request,
                    f"You were signed out because you had not done anything for {minutes} "
                    f"minute{'' if minutes == 1 else 's'}. Sign in again to carry on: "
                    "anything you typed has been kept.",
                )
            elif last is None or (
                not _is_status_check(request) and now - datetime.fromisoformat(last) >= _activity_resolution()
            ):
                session_activity_record(request)
        return get_response(request)

    return middleware


def idle_limit() -> timedelta:
    return timedelta(minutes=settings.SESSION_IDLE_MINUTES)


def warning_before() -> timedelta:
    """How long before the idle limit pages warn that it is coming."""
    return timedelta(minutes=settings.SESSION_WARNING_MINUTES)


def session_activity_record(request: HttpRequest) -> None:
    """Note that the person did something now (sign-in, a page, "Stay signed in")."""
    request.session[LAST_ACTIVITY] = timezone.now().isoformat()


def session_seconds_left(request: HttpRequest) -> int:
    """Whole seconds before the idle limit signs this session out (rounded up, so a page
    that waits this long finds the session ended)."""
    last = request.session.get(LAST_ACTIVITY)
    elapsed = timezone.now() - datetime.fromisoformat(last) if last else timedelta(0)
    left = (idle_limit() - elapsed).total_seconds()
    return max(0, math.ceil(left))


def _activity_resolution() -> timedelta:
    # Noting the time on every request would write the session on every page. Noted once a
    # minute, a session may end up to a minute early; a tenth of the limit bounds that for
    # a very short limit (tests use one of a minute).
    return min(timedelta(minutes=1), idle_limit() / 10)


def _is_status_check(request: HttpRequest) -> bool:
    return request.method in ("GET", "HEAD") and request.path_info == reverse("account_session")
