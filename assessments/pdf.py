"""Render the report to PDF with WeasyPrint, safely. Only the worker does this (assessments/tasks.py).

Safety: the renderer may read only the app's own static files from disk and `data:`
URIs. Everything else (http, https, file paths outside static/, ftp) is refused by
StaticOnlyFetcher, redirects are off, and presentational hints stay off. User text is
escaped by the template, so in practice nothing from an answer ever reaches the fetcher.
"""

from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

from assessments.models import Assessment
from assessments.pdf_tags import finish_pdfua
from assessments.report import ReportData, build_report
from assessments.report_size import REPORT_PAGE_BUDGET, LongAnswer, SizeEstimate, estimate_report_size
from assessments.sandbox import Refused

PDF_STYLESHEET = Path(settings.BASE_DIR) / "static" / "css" / "report-pdf.css"


class RefusedURL(ValueError):
    """The report tried to load something other than a static file or a data: URI."""


class StaticOnlyFetcher(URLFetcher):
    """A WeasyPrint fetcher that serves static files from disk and data: URIs, and nothing else."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False, timeout=1)
        self.roots = [Path(p).resolve() for p in settings.STATICFILES_DIRS]
        self.requested: list[str] = []
        self.refused: list[str] = []

    def _static_url_to_file(self, url: str) -> str:
        """An image in guidance names a static file by its web path (/static/images/x.png,
        toolkit_markdown.is_static_image); the report's base URL makes that file:///static/...
        Read it from the static folder instead, where the browser's copy comes from."""
        prefix = f"file://{settings.STATIC_URL}"
        if settings.STATIC_URL.startswith("/") and url.startswith(prefix):
            return f"file://{self.roots[0]}/{url.removeprefix(prefix)}"
        return url

    def _is_static_file(self, url: str) -> bool:
        if not url.startswith("file://"):
            return False
        path = Path(url.removeprefix("file://").split("?")[0].split("#")[0]).resolve()
        return path.is_file() and any(path.is_relative_to(root) for root in self.roots)

    def fetch(self, url: str, headers: dict | None = None):
        self.requested.append(url)
        url = self._static_url_to_file(url)
        if url.startswith("data:") or self._is_static_file(url):
            return super().fetch(url, headers)
        self.refused.append(url)
        raise RefusedURL(f"The report renderer does not fetch {url[:200]!r}.")


class ReportTooLong(Exception):
    """The report would be over REPORT_PAGE_BUDGET pages: too slow and too big to make."""

    def __init__(self, *, pages: int, estimated: bool, longest: list[LongAnswer]) -> None:
        super().__init__(f"The report is {'estimated at ' if estimated else ''}{pages:,} pages.")
        self.pages = pages
        self.estimated = estimated  # refused before rendering, from its text
        self.longest = longest


def report_html(assessment: Assessment, report: ReportData | None = None) -> str:
    return render_to_string("report/pdf.html", {"report": report or build_report(assessment)})


class LaidOutTooLong(Refused):
    """The laid-out report has more pages than the budget (raised in the render process)."""

    def __init__(self, pages: int) -> None:
        super().__init__(pages)
        self.pages = pages


def refuse_if_clearly_too_long(report: ReportData) -> SizeEstimate:
    """Refuse, before any layout, a report whose text alone is over the page budget."""
    estimate = estimate_report_size(report)
    if estimate.pages > REPORT_PAGE_BUDGET:
        raise ReportTooLong(pages=estimate.pages, estimated=True, longest=estimate.longest)
    return estimate


def pdf_from_html(html: str, *, fetcher: StaticOnlyFetcher | None = None) -> tuple[bytes, int]:
    """The PDF of the report's HTML and its page count, or LaidOutTooLong.

    The page count is checked between laying the document out and writing the PDF, from
    that same layout, so a report that fits is laid out once. The worker runs this in a
    limited child process (assessments/sandbox.py); it touches no database.
    """
    fetcher = fetcher or StaticOnlyFetcher()
    static_root = Path(settings.STATICFILES_DIRS[0]).resolve()
    document_html = HTML(string=html, base_url=f"file://{static_root}/", url_fetcher=fetcher)
    options = {
        "stylesheets": [CSS(filename=str(PDF_STYLESHEET), url_fetcher=fetcher)],
        "pdf_variant": "pdf/ua-1",
        "presentational_hints": False,
    }
    document = document_html.render(**options)
    pages = len(document.pages)
    if pages > REPORT_PAGE_BUDGET:
        raise LaidOutTooLong(pages)
    return document.write_pdf(finisher=finish_pdfua, **options), pages


def render_report_pdf(assessment: Assessment, *, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    """Render the report here, in this process, or raise ReportTooLong (the command and tests).

    The worker does the same steps with the layout in a limited child (assessments/tasks.py).
    """
    report = build_report(assessment)
    estimate = refuse_if_clearly_too_long(report)
    try:
        return pdf_from_html(report_html(assessment, report), fetcher=fetcher)[0]
    except LaidOutTooLong as over:
        raise ReportTooLong(pages=over.pages, estimated=False, longest=estimate.longest) from None
