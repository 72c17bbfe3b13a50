"""The assessments a person owns, for "Download all your data" and "Delete your account"."""

import json

from django.db.models import QuerySet

from accounts.models import User
from assessments.export import assessment_export_data
from assessments.models import Assessment


def _owned(user: User) -> QuerySet[Assessment]:
    return Assessment.objects.filter(owner=user).select_related("owner", "toolkit_version__toolkit").order_by("title")


class AssessmentsPersonalData:
    def describe(self, user: User) -> list[str]:
        return [
            f"The assessment “{title}” and all its answers" for title in _owned(user).values_list("title", flat=True)
        ]

    def export(self, user: User) -> dict[str, bytes]:
        # The same JSON as each assessment's own "export.json" download.
        return {
            f"assessments/hiat-assessment-{assessment.pk}.json": json.dumps(
                assessment_export_data(assessment), indent=2, ensure_ascii=False
            ).encode()
            for assessment in _owned(user)
        }

    def delete(self, user: User) -> None:
        # Answers and section completions go with their assessment (on_delete=CASCADE).
        Assessment.objects.filter(owner=user).delete()
