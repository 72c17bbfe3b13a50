"""Site pages that belong to no one app: start, accessibility statement, privacy notice, health
check, favicon."""

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from accounts.keep_post import KEEP_FOR


@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any database failure means "not healthy"; the monitor needs a status, not a trace
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


@require_safe
def start(request: HttpRequest) -> HttpResponse:
    return render(request, "start.html")


@require_safe
def accessibility_statement(request: HttpRequest) -> HttpResponse:
    return render(request, "accessibility.html", {"contact_email": settings.ACCESSIBILITY_CONTACT_EMAIL})


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers and bookmark tools ask for /favicon.ico whatever the page says; send them to
    the static icon (its name carries a content hash in production, so it can be cached for a
    year, but this redirect only for a day)."""
    response = HttpResponseRedirect(static("images/favicon.ico"))
    patch_cache_control(response, public=True, max_age=60 * 60 * 24)
    return response


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    # The figures come from settings, so the notice always says what the service does.
    context = {
        "security_log_days": settings.SECURITY_LOG_RETENTION_DAYS,
        "export_hours": settings.DATA_EXPORT_EXPIRY_HOURS,
        "session_hours": settings.SESSION_ABSOLUTE_LIMIT_HOURS,
        "idle_minutes": settings.SESSION_IDLE_MINUTES,
        "kept_post_hours": int(KEEP_FOR.total_seconds() // 3600),
        "lockout_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        "contact_email": settings.PRIVACY_CONTACT_EMAIL,
        "join_window_minutes": settings.WORKSHOP_JOIN_FAILURE_WINDOW_MINUTES,
    }
    return render(request, "privacy.html", context)
