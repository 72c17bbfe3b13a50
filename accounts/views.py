from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import personal_data, services
from accounts.forms import (
    ConfirmForm,
    DeleteAccountForm,
    EmailChangeForm,
    NameForm,
    PasswordChangeForm,
    SigninForm,
    SignupForm,
)
from accounts.http import AuthenticatedRequest
from accounts.middleware import SIGNED_OUT_USER, session_activity_record, session_seconds_left, warning_before
from accounts.models import DataExport, SecurityEvent, User
from accounts.security_log import security_event_record


@require_http_methods(["GET", "HEAD", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    # Where to go afterwards: a page of this site only (an invitation link, for example).
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=False):
        next_url = ""
    if request.user.is_authenticated:
        return redirect(next_url or "assessment_list")
    form = SignupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Your account has been created.")
        return redirect(next_url or "assessment_list")
    return render(request, "accounts/signup.html", {"form": form})


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """django-axes' lockout response (AXES_LOCKOUT_CALLABLE): what happened and what to do."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes}
    return render(request, "accounts/locked_out.html", context, status=429)


@require_http_methods(["GET", "HEAD", "POST"])
def account_session(request: HttpRequest) -> HttpResponse:
    """How long this session has before the idle limit, for the timeout warning
    (static/js/timeout.js). Asking (GET) does not count as activity; POST ("Stay signed in")
    does. Signed out, it says so with a 200, so a script can tell that from a failure."""
    if not request.user.is_authenticated:
        response = JsonResponse({"signed_in": False})
    else:
        if request.method == "POST":
            session_activity_record(request)
        response = JsonResponse(
            {
                "signed_in": True,
                "expires_in": session_seconds_left(request),
                "warn_before": round(warning_before().total_seconds()),
            }
        )
    patch_cache_control(response, no_store=True)
    return response


class LoginView(auth_views.LoginView):
    """Sign in; and for someone the idle limit just signed out who has no password (a guest
    who joined a workshop), a way back that needs none (workshops' join_return)."""

    template_name = "accounts/login.html"
    authentication_form = SigninForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        signed_out_id = self.request.session.get(SIGNED_OUT_USER)
        if signed_out_id is not None:
            signed_out = User.objects.filter(pk=signed_out_id, is_active=True).first()
            if signed_out is not None and not signed_out.has_usable_password():
                context["signed_out_guest"] = signed_out
        return context


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's view, recording the completed reset in the security log."""

    def form_valid(self, form: auth_forms.SetPasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        security_event_record(kind=SecurityEvent.Kind.RESET_COMPLETED, request=self.request, user=self.user)
        return response


# "Your account": every view needs a signed-in person and acts only on request.user.


@login_required
@require_safe
def account(request: AuthenticatedRequest) -> HttpResponse:
    context = {
        "export": services.data_export_latest(user=request.user),
        "export_form": ConfirmForm(submit_label="Prepare your data"),
    }
    return render(request, "accounts/account.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account_name(request: AuthenticatedRequest) -> HttpResponse:
    initial = {"display_name": request.user.display_name}
    form = NameForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.user_change_name(user=request.user, display_name=form.cleaned_data["display_name"], request=request)
        messages.success(request, "Your name has been changed.")
        return redirect("account")
    return render(request, "accounts/account_name.html", {"form": form})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account_email(request: AuthenticatedRequest) -> HttpResponse:
    form = EmailChangeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_change_email(
                user=request.user,
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                request=request,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"Your email address has been changed to {request.user.email}.")
            return redirect("account")
    return render(request, "accounts/account_email.html", {"form": form})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account_password(request: AuthenticatedRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST if request.method == "POST" else None, request=request)
    if request.method == "POST" and form.is_valid():
        services.user_change_password(
            user=request.user, new_password=form.cleaned_data["new_password1"], request=request
        )
        messages.success(request, "Your password has been changed. You have been signed out on your other devices.")
        return redirect("account")
    return render(request, "accounts/account_password.html", {"form": form})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account_sign_out_everywhere(request: AuthenticatedRequest) -> HttpResponse:
    if request.method == "POST":
        services.user_sign_out_everywhere(user=request.user, request=request)
        logout(request)
        messages.success(request, "You have been signed out on every device, including this one.")
        return redirect("login")
    form = ConfirmForm(submit_label="Sign out everywhere")
    return render(request, "accounts/account_sign_out_everywhere.html", {"form": form})


@login_required
@require_POST
def account_export_request(request: AuthenticatedRequest) -> HttpResponse:
    services.data_export_request(user=request.user)
    return redirect(reverse("account") + "#your-data")


@login_required
@require_safe
def account_export_download(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    # Only the owner's own, ready, unexpired export: anyone else gets the same 404.
    export = get_object_or_404(
        DataExport, pk=pk, user=request.user, status=DataExport.Status.READY, expires_at__gt=timezone.now()
    )
    response = HttpResponse(bytes(export.content), content_type="application/zip")
    stamp = timezone.localdate(export.created_at).isoformat()
    response["Content-Disposition"] = f'attachment; filename="hiat-your-data-{stamp}.zip"'
    patch_cache_control(response, no_store=True, private=True)
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account_delete(request: AuthenticatedRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_delete(user=request.user, password=form.cleaned_data["password"], request=request)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Your account and everything in it have been deleted.")
            return redirect("start")
    what = [line for provider in personal_data.providers() for line in provider.describe(request.user)]
    context = {"form": form, "what_is_deleted": what, "retention_days": settings.SECURITY_LOG_RETENTION_DAYS}
    return render(request, "accounts/account_delete.html", context)


def _add_errors(form: Form, error: ValidationError) -> None:
    for field, messages_ in error.message_dict.items():
        for message in messages_:
            form.add_error(field if field in form.fields else None, message)
