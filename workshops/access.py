"""The one place that decides who may do what with a workshop.

Only trainers (members of the "Trainers" group, granted in the admin) have workshops, and a
trainer sees only their own. Every trainer view starts with
`get_workshop_for(user, id, WorkshopAction.X)`; anyone else, another trainer included, gets
a 404, the same as for an id that does not exist, so ids cannot be probed. The workshop's
assessments are reached through the assessments policy (assessments/access.py): the trainer
is a viewer of each, and its participants its owner or editors.
"""

import enum

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from workshops.models import TRAINERS_GROUP, Workshop


class WorkshopAction(enum.Enum):
    """What a view is about to do with a workshop."""

    VIEW = "view"  # the dashboard, side by side, the exports
    MANAGE = "manage"  # reveal answers, show names, close
    DELETE = "delete"  # delete the workshop's data


# A trainer may do everything with their own workshops; there are no other roles on one.
TRAINER_ACTIONS = frozenset(WorkshopAction)


def is_trainer(user: User | AnonymousUser) -> bool:
    if not user.is_authenticated:
        return False
    return user.groups.filter(name=TRAINERS_GROUP).exists()


def require_trainer(user: User | AnonymousUser) -> None:
    """For the list and "Create a workshop": 404 to anyone who is not a trainer (the area is hidden)."""
    if not is_trainer(user):
        raise Http404("No such page.")


def workshops_visible_to(user: User | AnonymousUser) -> QuerySet[Workshop]:
    """The trainer's own workshops: the only source of lists of workshops."""
    if not user.is_authenticated:
        return Workshop.objects.none()
    return Workshop.objects.filter(trainer=user, trainer__groups__name=TRAINERS_GROUP)


def get_workshop_for(user: User | AnonymousUser, pk: int | str, action: WorkshopAction) -> Workshop:
    """The workshop, if the person is its trainer (and still a trainer); else Http404. One query."""
    try:
        if action not in TRAINER_ACTIONS or not 0 < int(pk) < 2**63:  # PostgreSQL refuses ids beyond a bigint
            raise Workshop.DoesNotExist
        return workshops_visible_to(user).select_related("toolkit_version", "case_study").get(pk=pk)
    except (Workshop.DoesNotExist, ValueError, TypeError):
        raise Http404("No workshop found.") from None
