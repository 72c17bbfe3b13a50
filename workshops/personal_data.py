"""A trainer's workshops, for "Download all your data" and "Delete your account".

A participant's own data is their account and their assessments, which accounts and
assessments already cover; their Participant rows go with the account (on_delete=CASCADE).
"""

import json

from django.db.models import QuerySet

from accounts.models import User
from workshops import services
from workshops.models import Workshop


def _run(user: User) -> QuerySet[Workshop]:
    return Workshop.objects.filter(trainer=user).order_by("starts_at", "pk")


class WorkshopsPersonalData:
    def describe(self, user: User) -> list[str]:
        return [
            f"The workshop “{w.name}”, its groups, and the accounts of participants who never added an email"
            for w in _run(user)
        ]

    def export(self, user: User) -> dict[str, bytes]:
        workshops = [
            {
                "name": w.name,
                "starts_at": w.starts_at.isoformat(),
                "description": w.description,
                "mode": w.mode,
                "capacity": w.capacity,
                "closed_at": w.closed_at.isoformat() if w.closed_at else None,
                "participants": w.participants.count(),
            }
            for w in _run(user)
        ]
        if not workshops:
            return {}
        return {"workshops.json": json.dumps(workshops, indent=2, ensure_ascii=False).encode()}

    def delete(self, user: User) -> None:
        # Each workshop as its trainer's "Delete" button deletes it: guests and the
        # assessments nobody keeps go with it; people with accounts are told.
        for workshop in _run(user).select_related("trainer"):
            plan = services.deletion_plan(workshop)
            services.workshop_delete(workshop=workshop, shown_digest=plan.digest, site_url="")
