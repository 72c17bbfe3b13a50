from django.apps import AppConfig


class WorkshopsConfig(AppConfig):
    name = "workshops"
    verbose_name = "Workshops"

    def ready(self) -> None:
        # accounts cannot import workshops (one-way arrows); it finds our data through this.
        from accounts.personal_data import register
        from workshops.personal_data import WorkshopsPersonalData

        register(WorkshopsPersonalData())
