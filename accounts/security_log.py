"""The security log: one function writes every event, as a row and as a structured log line.

Nothing here ever receives a password or a token: callers pass the kind, the person or the
email address typed, and a small `detail` of plain facts. The row and the log line hold
the same fields, so an operator can search either.
"""

import ipaddress
import json
import logging
from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from accounts.models import SecurityEvent, User
from hiat_site.forms import clean_plain_text

logger = logging.getLogger("hiat.security")

EMAIL_MAX = 254
USER_AGENT_MAX = 300
# Keys that must never reach the log, whatever a caller passes in `detail`.
_SECRET_WORDS = ("password", "token", "secret", "csrf", "session")


def normalise_email(value: str) -> str:
    """The address as typed, lower-cased, without control characters, cut to fit the column."""
    return clean_plain_text(value or "").strip().lower()[:EMAIL_MAX]


def client_ip(request: HttpRequest | None) -> str | None:
    """The connecting address, if it is a valid IP (REMOTE_ADDR, set by the WSGI server)."""
    if request is None:
        return None
    value = request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def security_event_record(
    *,
    kind: SecurityEvent.Kind,
    request: HttpRequest | None = None,
    user: User | None = None,
    email: str = "",
    detail: dict[str, Any] | None = None,
) -> SecurityEvent:
    """Write one security event to the database and to the `hiat.security` logger."""
    safe_detail = {
        str(key)[:50]: value if isinstance(value, bool | int | float | type(None)) else str(value)[:200]
        for key, value in (detail or {}).items()
        if not any(word in str(key).lower() for word in _SECRET_WORDS)
    }
    user_agent = clean_plain_text(request.META.get("HTTP_USER_AGENT", "") if request else "")[:USER_AGENT_MAX]
    event = SecurityEvent.objects.create(
        kind=kind,
        user=user if user is not None and user.pk else None,
        email=normalise_email(email or (user.email if user else "")),
        ip_address=client_ip(request),
        user_agent=user_agent,
        detail=safe_detail,
    )
    logger.info(
        "security_event %s",
        json.dumps(
            {
                "kind": str(event.kind),
                "user_id": event.user_id,
                "email": event.email,
                "ip": event.ip_address,
                "user_agent": event.user_agent,
                "detail": safe_detail,
            },
            sort_keys=True,
        ),
    )
    return event


def security_log_purge(*, older_than_days: int) -> int:
    """Delete events older than the retention period; return how many were deleted."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted, _ = SecurityEvent.objects.filter(created_at__lt=cutoff).delete()
    return deleted
