from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.services import save_receipts_prune


class Command(BaseCommand):
    help = "Delete answer-save receipts older than a few days (run daily, e.g. from cron)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=7, help="Keep receipts this many days (default 7).")

    def handle(self, *args: Any, days: int = 7, **options: Any) -> None:
        if days < 1:
            raise CommandError("Keep receipts for at least one day.")
        deleted = save_receipts_prune(older_than_days=days)
        self.stdout.write(f"Deleted {deleted} answer-save receipts older than {days} days.")
