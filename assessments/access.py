"""The one place that decides who may see or change an assessment.

Every view that touches an assessment starts with get_assessment_for(); people without
access get a 404, the same as for an id that does not exist, so ids cannot be probed.
"""

import uuid

from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from accounts.models import User
from assessments.models import Assessment


def get_assessment_for(user: User | AnonymousUser, pk: uuid.UUID | str, *, write: bool = False) -> Assessment:
    """Return the assessment if `user` may see it (or change it, with write=True); else raise Http404.

    Only the owner has access for now; `write` is where team roles will plug in.
    """
    if not user.is_authenticated:
        raise Http404("No assessment found.")
    try:
        return Assessment.objects.select_related("toolkit_version__toolkit", "owner").get(pk=pk, owner=user)
    except (Assessment.DoesNotExist, ValueError, TypeError):
        raise Http404("No assessment found.") from None
