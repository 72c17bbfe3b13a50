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

from django.conf import settings
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


def _ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest | None) -> str | None:
    """The address of the person's browser, for the security log and sign-in throttling.

    Behind a reverse proxy on this host every connection comes from the proxy, so when the
    connecting address is one of TRUSTED_PROXIES the address the proxy saw is taken from
    X-Forwarded-For: the rightmost entry that is not itself a trusted proxy (entries further
    left were written by the browser's side and can say anything).
    """
    if request is None:
        return None
    address = _ip(request.META.get("REMOTE_ADDR", ""))
    trusted = set(settings.TRUSTED_PROXIES)
    if address is None or address not in trusted:
        return address
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        hop_address = _ip(hop)
        if hop_address is None:
            return address
        if hop_address not in trusted:
            return hop_address
    return address


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
