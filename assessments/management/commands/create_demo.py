from django.core.management.base import BaseCommand, CommandParser

from accounts.models import User

DEMO_EMAIL = "demo@example.org"
DEMO_PASSWORD = "demo-password-2026"


class Command(BaseCommand):
    help = "Create (or reset) the demo account used by `make run`, and print how to sign in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", default=DEMO_EMAIL)
        parser.add_argument("--password", default=DEMO_PASSWORD)

    def handle(self, *args: object, email: str, password: str, **options: object) -> None:
        user, created = User.objects.get_or_create(email=email, defaults={"display_name": "Demo Assessor"})
        user.set_password(password)
        user.save()
        verb = "Created" if created else "Reset"
        self.stdout.write(self.style.SUCCESS(f"{verb} the demo account. Sign in with:"))
        self.stdout.write(f"  email:    {email}\n  password: {password}")
