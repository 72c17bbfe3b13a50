from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.security_log import security_log_purge


class Command(BaseCommand):
    help = "Delete security log events older than SECURITY_LOG_RETENTION_DAYS (run daily, e.g. from cron)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None, help="Override the retention period, in days.")

    def handle(self, *args: Any, days: int | None = None, **options: Any) -> None:
        days = settings.SECURITY_LOG_RETENTION_DAYS if days is None else days
        if days < 1:
            raise CommandError("The retention period must be at least one day.")
        deleted = security_log_purge(older_than_days=days)
        self.stdout.write(f"Deleted {deleted} security log events older than {days} days.")
