"""Site-wide request and response rules: refuse undecodable form posts, add security headers."""

import codecs
import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.http import parse_header_parameters
from django.views.defaults import bad_request

logger = logging.getLogger(__name__)

# Browser features the service never uses, switched off for every page (Permissions-Policy).
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
        "xr-spatial-tracking",
    )
)

_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def declared_charset_is_utf8(content_type: str) -> bool:
    """True unless the Content-Type names a charset other than UTF-8 (or one Python does not know)."""
    _, params = parse_header_parameters(content_type)
    charset = params.get("charset")
    if charset is None:
        return True
    try:
        return codecs.lookup(charset).name == "utf-8"
    except LookupError:
        return False


class CharsetGuardMiddleware:
    """Every page is UTF-8, so every form posts UTF-8. A body declared in another charset
    (`charset=latin1`, `charset=x-nonsense`) comes from a script, not a person; Django would fail
    decoding it deep in the CSRF check with a 500. Refuse it with the friendly 400 page instead.
    Must run before anything reads request.POST (CsrfViewMiddleware does)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in _BODY_METHODS:
            if not declared_charset_is_utf8(request.META.get("CONTENT_TYPE", "")):
                logger.warning("Refused a %s to %s declaring a charset other than UTF-8", request.method, request.path)
                return bad_request(request, exception=ValueError("charset"))
            # "utf8", "UTF-8": the same encoding under another label, which Django would refuse.
            request.encoding = "utf-8"
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Permissions-Policy on every response, and `Cache-Control: no-store` on everything a
    signed-in person is shown: their assessments, answers, reports and account pages must not
    stay in a shared workshop PC's cache or a proxy. Place after AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Decided before the view runs: a response to a request that arrived signed in is
        # personal even if the person is signed out while it is made (the session limit).
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if signed_in:
            patch_cache_control(response, no_store=True, private=True)
        return response
