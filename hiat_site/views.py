"""Site pages that belong to no app."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    # The figures come from settings, so the notice always says what the service does.
    context = {
        "security_log_days": settings.SECURITY_LOG_RETENTION_DAYS,
        "export_hours": settings.DATA_EXPORT_EXPIRY_HOURS,
        "session_hours": settings.SESSION_ABSOLUTE_LIMIT_HOURS,
        "session_days": settings.SESSION_COOKIE_AGE // (60 * 60 * 24),
        "lockout_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        "contact_email": settings.PRIVACY_CONTACT_EMAIL,
    }
    return render(request, "privacy.html", context)
