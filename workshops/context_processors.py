"""What every page's header needs from workshops: the Workshops link for trainers, and
"Keep your work" for someone who joined a workshop without an email or password."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from workshops.access import is_trainer


def workshops_navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: the query runs only on pages that draw the header.
    return {
        "is_trainer": SimpleLazyObject(lambda: is_trainer(user)),
        "needs_sign_in_details": not user.has_usable_password(),
    }
