from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Assessments"

    def ready(self) -> None:
        # accounts cannot import assessments (one-way arrows); it finds our data through this.
        from accounts.personal_data import register
        from assessments.personal_data import AssessmentsPersonalData

        register(AssessmentsPersonalData())
