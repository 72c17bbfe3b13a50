from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from assessments.example import example_assessment_create
from assessments.services import NoPublishedToolkit

DEMO_EMAIL = "demo@example.org"
DEMO_PASSWORD = "demo-password-2026"


class Command(BaseCommand):
    help = (
        "Create (or reset the password of) the demo account used by `make run`, give it the example "
        "assessment if it has none, and print how to sign in."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", default=DEMO_EMAIL)
        parser.add_argument("--password", default=DEMO_PASSWORD)

    def handle(self, *args: object, email: str, password: str, **options: object) -> None:
        user, created = User.objects.get_or_create(email=email, defaults={"display_name": "Demo Assessor"})
        user.set_password(password)
        user.save()
        # Never touch a demo account's own work: the example is added only to an empty account.
        if not user.assessments.exists():
            try:
                example = example_assessment_create(owner=user)
            except NoPublishedToolkit as error:
                raise CommandError("No published toolkit: run `manage.py load_toolkit` first.") from error
            self.stdout.write(f"Added the example assessment “{example.title}”.")
        verb = "Created" if created else "Reset"
        self.stdout.write(self.style.SUCCESS(f"{verb} the demo account. Sign in with:"))
        self.stdout.write(f"  email:    {email}\n  password: {password}")
