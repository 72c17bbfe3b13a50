"""The request type of a view behind @login_required: its user is a real account."""

from django.http import HttpRequest

from accounts.models import User


class AuthenticatedRequest(HttpRequest):
    """For type checking only: annotate `request` with it in views that require sign-in."""

    user: User
