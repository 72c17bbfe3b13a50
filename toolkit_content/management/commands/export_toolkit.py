from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from toolkit_content.loader import dump_text
from toolkit_content.models import ToolkitVersion
from toolkit_content.services import version_content


class Command(BaseCommand):
    help = "Write one toolkit version's content to a YAML file that import_toolkit reads back exactly."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help='The toolkit, for example "hiat".')
        parser.add_argument("version", help='The version label, for example "2026.1".')
        parser.add_argument("file", help='Where to write the file ("-" for standard output).')

    def handle(self, *args: object, slug: str, version: str, file: str, **options: object) -> None:
        found = ToolkitVersion.objects.select_related("toolkit").filter(toolkit__slug=slug, label=version).first()
        if found is None:
            raise CommandError(f"No version {version!r} of a toolkit {slug!r}.")
        text = dump_text(version_content(found), version=found)
        if file == "-":
            self.stdout.write(text, ending="")
            return
        try:
            Path(file).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Could not write {file}: {exc.strerror}.") from None
        self.stdout.write(self.style.SUCCESS(f"Wrote {found} to {file}."))
