from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from toolkit_content.loader import ToolkitFileError, read_file, toolkit_load

DEFAULT_FILE = Path(settings.BASE_DIR) / "toolkit_content" / "data" / "hiat.yaml"


class Command(BaseCommand):
    help = "Load toolkit content from a YAML file (the shipped HIAT content by default). Safe to run repeatedly."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", default=str(DEFAULT_FILE), help="The content file (YAML).")
        parser.add_argument("--draft", action="store_true", help="Load as a draft instead of publishing.")

    def handle(self, *args: object, path: str, draft: bool, **options: object) -> None:
        try:
            content = read_file(Path(path))
            result = toolkit_load(content=content, publish=not draft)
        except ToolkitFileError as exc:
            raise CommandError(f"Toolkit content not loaded. {exc}") from None
        version = result.version
        if result.created:
            self.stdout.write(self.style.SUCCESS(f"Loaded {version}."))
        elif result.changed:
            self.stdout.write(self.style.SUCCESS(f"Updated {version}."))
        else:
            self.stdout.write(f"{version} is already up to date; nothing changed.")
