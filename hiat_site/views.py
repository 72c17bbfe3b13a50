"""Site pages that belong to no one app: start, accessibility statement, health check, favicon."""

from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe


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
    return render(request, "accessibility.html")


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers and bookmark tools ask for /favicon.ico whatever the page says; send them to
    the static icon (its name carries a content hash in production, so it can be cached for a
    year, but this redirect only for a day)."""
    response = HttpResponseRedirect(static("images/favicon.ico"))
    patch_cache_control(response, public=True, max_age=60 * 60 * 24)
    return response
