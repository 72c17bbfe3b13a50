"""What every page's template needs from accounts."""

from django.http import HttpRequest

from accounts.middleware import idle_limit, warning_before


def session_timeout(request: HttpRequest) -> dict[str, object]:
    """The figures of the timeout warning (templates/includes/timeout_warning.html)."""
    warning = warning_before()
    minutes = round(warning.total_seconds() / 60)
    return {
        "session_timeout": {
            "idle_seconds": round(idle_limit().total_seconds()),
            "warning_seconds": round(warning.total_seconds()),
            "warning_text": f"{minutes} minute{'' if minutes == 1 else 's'}",
        }
    }
