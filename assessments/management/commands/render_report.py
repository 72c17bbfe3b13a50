import time
import uuid
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.models import Assessment
from assessments.pdf import ReportTooLong, render_report_pdf
from assessments.report_size import REPORT_PAGE_BUDGET


class Command(BaseCommand):
    help = "Render one assessment's report to a PDF file (for support and benchmarks). Bypasses the cache."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("assessment_id", help="The assessment's id (a UUID).")
        parser.add_argument("output", help="Where to write the PDF.")

    def handle(self, *args: object, assessment_id: str, output: str, **options: object) -> None:
        try:
            assessment = Assessment.objects.select_related("toolkit_version__toolkit", "owner").get(
                pk=uuid.UUID(assessment_id)
            )
        except (ValueError, Assessment.DoesNotExist):
            raise CommandError(f"No assessment with id {assessment_id!r}.") from None
        started = time.perf_counter()
        try:
            data = render_report_pdf(assessment)
        except ReportTooLong as refused:
            raise CommandError(f"Not rendered: {refused} The page budget is {REPORT_PAGE_BUDGET:,}.") from None
        Path(output).write_bytes(data)
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(f"Wrote {output} ({len(data):,} bytes) in {elapsed:.2f} s."))
