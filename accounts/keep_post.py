"""Keeping what someone posted after their session ended, until they sign in again.

A person who types for longer than the idle limit (accounts/middleware.py) and then presses
Save arrives signed out. Views that take typed text use `login_required_keeping_post`
instead of `login_required`: the form data is kept in the (now anonymous) session and the
person is sent to sign in; back on the page, the view asks `take_kept_post` and handles the
data as if it had just been posted (WCAG 2.2.5 Re-authenticating).

The data is kept only for the person who was signed out (the idle limit notes who), only
for the page it was posted to, and only for KEEP_FOR: on a shared computer, nobody else who
signs in gets someone's text.
"""

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils import timezone

from accounts.middleware import SIGNED_OUT_USER

KEPT_POST = "accounts_kept_post"
KEEP_FOR = timedelta(hours=24)
# The session is stored in the database on every write; a whole section of long answers in
# English is well under this, and anything bigger is more than a session should carry.
KEEP_MAX_BYTES = 2 * 1024 * 1024

_View = TypeVar("_View", bound=Callable[..., HttpResponse])


def login_required_keeping_post(view: _View) -> _View:
    """Like `login_required`, but a form posted by someone just signed out for being idle is
    kept until they sign in again (see take_kept_post)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if request.method == "POST":
            _keep_post(request)
        return redirect_to_login(request.get_full_path())

    return cast(_View, wrapper)


def _keep_post(request: HttpRequest) -> None:
    user_id = request.session.get(SIGNED_OUT_USER)
    # The CSRF token is not kept: the data is never posted again, only read back by the view.
    data = {key: values for key, values in request.POST.lists() if key != "csrfmiddlewaretoken"}
    if user_id is None or not data:
        return  # nobody known to keep it for (signed out by hand, or never signed in)
    if len(json.dumps(data, ensure_ascii=False).encode()) > KEEP_MAX_BYTES:
        messages.warning(
            request, "What you sent was too long to keep while you sign in again. Sign in, then enter it again."
        )
        return
    request.session[KEPT_POST] = {
        "path": request.path,
        "user": user_id,
        "at": timezone.now().isoformat(),
        "data": data,
    }
    # The session (its cookie and its row) now holds typed text: let it go when the text would.
    request.session.set_expiry(int(KEEP_FOR.total_seconds()))


def take_kept_post(request: HttpRequest) -> QueryDict | None:
    """The form data kept for this page when the signed-in person was last signed out for
    being idle, removed from the session; None if there is none, or it was for another page,
    another person or too long ago."""
    kept = request.session.get(KEPT_POST)
    if kept is None or not request.user.is_authenticated or kept["path"] != request.path:
        return None
    del request.session[KEPT_POST]
    request.session.set_expiry(None)
    if kept["user"] != request.user.pk or timezone.now() - datetime.fromisoformat(kept["at"]) > KEEP_FOR:
        return None
    data = QueryDict(mutable=True)
    for key, values in kept["data"].items():
        data.setlist(key, values)
    data._mutable = False
    return data


def kept_post_on_sign_in(request: HttpRequest, user_id: int) -> None:
    """On sign-in: forget who was signed out, and drop anything kept for someone else."""
    request.session.pop(SIGNED_OUT_USER, None)
    kept = request.session.get(KEPT_POST)
    if kept is not None and kept["user"] != user_id:
        del request.session[KEPT_POST]
        request.session.set_expiry(None)
