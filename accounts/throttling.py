"""How django-axes names the account a sign-in attempt is for (settings AXES_USERNAME_CALLABLE)."""

from typing import Any

from django.http import HttpRequest

from accounts.security_log import normalise_email


def axes_username(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str:
    """The email address as the account's key: case and spaces do not start a fresh count."""
    value = (credentials or {}).get("username")
    if value is None and request is not None:
        value = request.POST.get("username", "")
    return normalise_email(str(value or ""))
