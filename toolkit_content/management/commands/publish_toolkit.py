from django.core.management.base import BaseCommand, CommandError, CommandParser

from toolkit_content.models import PublishedContentError, ToolkitVersion
from toolkit_content.services import VersionNotValid, version_publish


class Command(BaseCommand):
    help = "Check a draft toolkit version and publish it; new assessments then start on it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help='The toolkit, for example "hiat".')
        parser.add_argument("version", help="The draft's version label.")

    def handle(self, *args: object, slug: str, version: str, **options: object) -> None:
        found = ToolkitVersion.objects.filter(toolkit__slug=slug, label=version).first()
        if found is None:
            raise CommandError(f"No version {version!r} of a toolkit {slug!r}.")
        try:
            published = version_publish(version=found)
        except PublishedContentError:
            raise CommandError(f"Version {version} is published already.") from None
        except VersionNotValid as exc:
            listed = "\n".join(f"- {fault}" for fault in exc.faults)
            raise CommandError(f"Version {version} was not published. Fix these first:\n{listed}") from None
        self.stdout.write(self.style.SUCCESS(f"Published {published}. New assessments start on it."))
