from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from toolkit_content.loader import ToolkitFileError, read_file
from toolkit_content.services import version_import


class Command(BaseCommand):
    help = "Read a toolkit content file (YAML) into a new draft version and print its label."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The content file, as export_toolkit writes it.")

    def handle(self, *args: object, file: str, **options: object) -> None:
        try:
            content = read_file(Path(file))
        except ToolkitFileError as exc:
            raise CommandError(f"Nothing imported. {exc}") from None
        draft = version_import(content=content)
        self.stdout.write(
            self.style.SUCCESS(f"Imported as a draft of {draft.toolkit.slug}: version label {draft.label}")
        )
