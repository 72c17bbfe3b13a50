"""Ends a session a fixed time after sign-in, however active it has been."""

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

# Set on sign-in (accounts.signals); an ISO 8601 timestamp so the session stays JSON.
SIGNED_IN_AT = "accounts_signed_in_at"
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
