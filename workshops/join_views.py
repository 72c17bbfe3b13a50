"""Joining a workshop: a code, then a name (and a group), and you are in; no account needed.

POST /join/ with `code` redirects to /join/<code>/. GET /join/<code>/ shows the name form
(and the groups, in group mode); POST it with `display_name` (and `group`, a group id) and
the CSRF token to join: the answer is a redirect to the participant's assessment, signed
in as a new guest account tied to this browser. A signed-in person joins with their own
account (no name asked). Codes that match nothing are counted per address and refused (429)
past WORKSHOP_JOIN_FAILURE_LIMIT in WORKSHOP_JOIN_FAILURE_WINDOW_MINUTES.
"""

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthenticatedRequest
from accounts.models import User
from accounts.services import user_add_sign_in
from hiat_site.forms import creation_token_of
from workshops import codes, services
from workshops.forms import JoinCodeForm, JoinForm, KeepWorkForm
from workshops.models import Participant, Workshop, WorkshopGroup

# Guests stay signed in through the browser key for as long as the longest workshop runs on.
BROWSER_KEY_MAX_AGE = 60 * 60 * 24 * 30
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
NOT_FOUND = "No open workshop has that code. Check it with your trainer and try again"


def _throttled(request: HttpRequest) -> HttpResponse:
    minutes = settings.WORKSHOP_JOIN_FAILURE_WINDOW_MINUTES
    return render(request, "workshops/join_throttled.html", {"minutes": minutes}, status=429)


def _code_page(request: HttpRequest, form: JoinCodeForm, status: int = 200) -> HttpResponse:
    return render(request, "workshops/join.html", {"form": form}, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    """Ask for the code only."""
    if request.method != "POST":
        return _code_page(request, JoinCodeForm())
    if services.join_throttled(request):
        return _throttled(request)
    form = JoinCodeForm(request.POST)
    if not form.is_valid():
        return _code_page(request, form, status=400)
    if services.workshop_by_code(form.cleaned_data["code"]) is None:
        services.join_failure_record(request)
        form.add_error("code", NOT_FOUND)
        return _code_page(request, form, status=404)
    return redirect("join_code", code=form.cleaned_data["code"])


def _place_url(participant: Participant) -> str:
    if participant.assessment_id is None:  # their assessment was deleted since
        return reverse("assessment_list")
    return reverse("assessment_task_list", args=[participant.assessment_id])


def _return_guest(request: HttpRequest, workshop: Workshop) -> None:
    """Sign a guest back in on the browser they joined on, after their session ended."""
    user = services.guest_return(cookie=request.COOKIES.get(services.BROWSER_KEY_COOKIE, ""), workshop=workshop)
    if user is not None:
        login(request, user, backend=MODEL_BACKEND)
        messages.success(request, f"Welcome back, {user.display_name}.")


def _refused(request: HttpRequest, workshop: Workshop, message: str) -> HttpResponse:
    status = {services.JoinRefused.CLOSED: 410, services.JoinRefused.FULL: 409}.get(message, 200)
    return render(request, "workshops/join_refused.html", {"workshop": workshop, "message": message}, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def join_code(request: HttpRequest, code: str) -> HttpResponse:
    """The name (and group) form of one workshop, and joining it."""
    if services.join_throttled(request):
        return _throttled(request)
    workshop = services.workshop_by_code(code)
    if workshop is None:
        services.join_failure_record(request)
        code_form = JoinCodeForm({"code": code})
        code_form.is_valid()
        code_form.errors.pop("code", None)
        code_form.add_error("code", NOT_FOUND)
        return _code_page(request, code_form, status=404)
    if codes.normalise(code) != code:  # one address per workshop: /join/k7mq-4qxp/ -> /join/K7MQ4QXP/
        return redirect("join_code", code=workshop.join_code)
    if not request.user.is_authenticated:
        _return_guest(request, workshop)
    user = request.user
    if user.is_authenticated:
        participant = services.participant_of(workshop, user)
        if participant is not None:
            return redirect(_place_url(participant))
        if user.pk == workshop.trainer_id:
            return _refused(request, workshop, services.JoinRefused.TRAINER)
    if not workshop.is_open:
        return _refused(request, workshop, services.JoinRefused.CLOSED)
    if Participant.objects.filter(workshop=workshop).count() >= workshop.capacity:
        return _refused(request, workshop, services.JoinRefused.FULL)
    groups = list(WorkshopGroup.objects.filter(workshop=workshop).order_by("position"))
    ask_name = not user.is_authenticated
    token = creation_token_of(request)
    data = request.POST if request.method == "POST" else None
    form = JoinForm(data, workshop=workshop, ask_name=ask_name, groups=groups)
    if request.method == "POST" and form.is_valid():
        try:
            participant = services.workshop_join(
                workshop=workshop,
                user=None if ask_name else user,  # type: ignore[arg-type]
                guest_name=form.cleaned_data.get("display_name", ""),
                group_id=form.cleaned_data.get("group"),
                creation_token=token,
            )
            key = services.browser_key_issue(participant) if ask_name else ""
        except services.JoinRefused as refused:
            if str(refused) == services.JoinRefused.GROUP:
                form.add_error("group", str(refused))
            else:
                return _refused(request, workshop, str(refused))
        else:
            if ask_name:
                login(request, participant.user, backend=MODEL_BACKEND)
            messages.success(request, f"You have joined “{workshop.name}”.")
            response = redirect(_place_url(participant))
            if key:
                response.set_cookie(
                    services.BROWSER_KEY_COOKIE,
                    key,
                    max_age=BROWSER_KEY_MAX_AGE,
                    path=reverse("join"),
                    secure=settings.SESSION_COOKIE_SECURE,
                    httponly=True,
                    samesite="Lax",
                )
            return response
    context = {
        "workshop": workshop,
        "form": form,
        "ask_name": ask_name,
        "next": request.get_full_path(),
        "creation_token": token or uuid.uuid4(),
    }
    return render(request, "workshops/join_name.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def join_keep(request: AuthenticatedRequest) -> HttpResponse:
    """A guest adds an email and password, to keep their work and sign in to it anywhere."""
    user: User = request.user
    if user.has_usable_password():
        messages.info(request, "Your account already has an email address and password.")
        return redirect("account")
    form = KeepWorkForm(request.POST if request.method == "POST" else None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            user_add_sign_in(
                user=user,
                email=form.cleaned_data["email"],
                new_password=form.cleaned_data["password1"],
                request=request,
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, f"Your work is kept. Sign in with {user.email} to come back to it.")
            return redirect("assessment_list")
    return render(request, "workshops/keep.html", {"form": form}, status=400 if form.errors else 200)


@require_POST
def join_return(request: HttpRequest) -> HttpResponse:
    """Sign a guest back in on the browser they joined on, after their session ended, and take
    them back to the page they were on (the sign-in page offers this to a guest it signed out).

    The browser key cookie is sent only to /join/ addresses, hence this address. What they
    typed meanwhile was kept for them (accounts/keep_post.py, and the autosave's drafts).
    """
    user = services.guest_return(cookie=request.COOKIES.get(services.BROWSER_KEY_COOKIE, ""))
    if user is None:
        messages.error(
            request,
            "This browser has no workshop place to go back to. Enter the workshop code to join again, "
            "or sign in if you added an email address.",
        )
        return redirect("join")
    login(request, user, backend=MODEL_BACKEND)
    messages.success(request, f"Welcome back, {user.display_name}.")
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
        next_url = reverse("assessment_list")
    return redirect(next_url)
