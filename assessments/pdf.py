"""Render the report to PDF with WeasyPrint, safely, and cache it by content revision.

Safety: the renderer may read only the app's own static files from disk and `data:`
URIs. Everything else (http, https, file paths outside static/, ftp) is refused by
StaticOnlyFetcher, redirects are off, and presentational hints stay off. User text is
escaped by the template, so in practice nothing from an answer ever reaches the fetcher.
"""

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.db import OperationalError, connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

from assessments.models import Assessment
from assessments.pdf_tags import finish_pdfua
from assessments.report import ReportData, build_report
from assessments.report_size import REPORT_PAGE_BUDGET, LongAnswer, estimate_report_size

# Bump when the report template or stylesheet changes, so cached PDFs are rebuilt.
REPORT_LAYOUT_VERSION = "8"
PDF_STYLESHEET = Path(settings.BASE_DIR) / "static" / "css" / "report-pdf.css"
# A cached PDF is only ever served on the day it was made (the date is in its key).
CACHE_TIMEOUT = 60 * 60 * 36
# How long a request waits for another request's render of the same revision before
# rendering it itself: a few slow renders, never forever.
RENDER_WAIT_SECONDS: float = 20

logger = logging.getLogger(__name__)


class RefusedURL(ValueError):
    """The report tried to load something other than a static file or a data: URI."""


class StaticOnlyFetcher(URLFetcher):
    """A WeasyPrint fetcher that serves static files from disk and data: URIs, and nothing else."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False, timeout=1)
        self.roots = [Path(p).resolve() for p in settings.STATICFILES_DIRS]
        self.requested: list[str] = []
        self.refused: list[str] = []

    def _is_static_file(self, url: str) -> bool:
        if not url.startswith("file://"):
            return False
        path = Path(url.removeprefix("file://").split("?")[0].split("#")[0]).resolve()
        return path.is_file() and any(path.is_relative_to(root) for root in self.roots)

    def fetch(self, url: str, headers: dict | None = None):
        self.requested.append(url)
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


def render_report_pdf(assessment: Assessment, *, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    """Render the report from scratch (no cache), or raise ReportTooLong.

    A report clearly over the page budget by its text is refused before rendering. Then
    the page count is checked between laying the document out and writing the PDF, from
    that same layout, so a report that fits is rendered once.
    """
    report = build_report(assessment)
    estimate = estimate_report_size(report)
    if estimate.pages > REPORT_PAGE_BUDGET:
        raise ReportTooLong(pages=estimate.pages, estimated=True, longest=estimate.longest)
    fetcher = fetcher or StaticOnlyFetcher()
    static_root = Path(settings.STATICFILES_DIRS[0]).resolve()
    html = HTML(string=report_html(assessment, report), base_url=f"file://{static_root}/", url_fetcher=fetcher)
    options = {
        "stylesheets": [CSS(filename=str(PDF_STYLESHEET), url_fetcher=fetcher)],
        "pdf_variant": "pdf/ua-1",
        "presentational_hints": False,
    }
    document = html.render(**options)
    if len(document.pages) > REPORT_PAGE_BUDGET:
        raise ReportTooLong(pages=len(document.pages), estimated=False, longest=estimate.longest)
    return document.write_pdf(finisher=finish_pdfua, **options)


def report_etag(assessment: Assessment) -> str:
    """Names one rendering: this revision, toolkit version and layout, generated today.

    Today's date is part of it because the cover says when the report was generated and
    the file is named by the date: a report downloaded next week must not say last week.
    """
    raw = (
        f"{assessment.pk}:{assessment.revision}:{assessment.toolkit_version_id}:{REPORT_LAYOUT_VERSION}"
        f":{timezone.localdate().isoformat()}"
    )
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'


def _cache_key(assessment: Assessment) -> str:
    return f"report-pdf:{report_etag(assessment).strip(chr(34))}"


@dataclass(frozen=True)
class CachedReport:
    pdf: bytes
    from_cache: bool


@contextmanager
def _one_render_at_a_time(key: str) -> Iterator[None]:
    """Hold a lock for this cache key, so one request renders a revision while others wait.

    Without it a double-clicked download link, or a reload during a slow render, renders
    the same PDF twice and doubles the CPU cost at the end-of-workshop rush. A PostgreSQL
    advisory lock works across processes and hosts, and is released with the transaction,
    even if the render fails.
    """
    lock_id = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{round(RENDER_WAIT_SECONDS * 1000)}ms"])
        try:
            with transaction.atomic():
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id])
        except OperationalError:
            # Another render of this revision is taking far too long: render it here too
            # rather than keep the user waiting on it.
            logger.warning("Gave up waiting for another render of %s", key)
        yield


# The cache only saves work: if it fails (a full disk, an unreachable Redis), the report
# is rendered and served anyway. Backends raise all sorts of errors, hence the broad except.
def _cache_get(key: str) -> object | None:
    try:
        return caches["reports"].get(key)
    except Exception:
        logger.exception("Report cache read failed for %s", key)
        return None


def _cache_set(key: str, value: object) -> None:
    try:
        caches["reports"].set(key, value, CACHE_TIMEOUT)
    except Exception:
        logger.exception("Report cache write failed for %s", key)


def _too_long_key(key: str) -> str:
    return f"{key}:too-long"


def _refused_before(assessment: Assessment, key: str) -> None:
    """Refuse again, at once, a revision whose rendering was over the page budget."""
    pages = _cache_get(_too_long_key(key))
    if isinstance(pages, int):
        longest = estimate_report_size(build_report(assessment)).longest
        raise ReportTooLong(pages=pages, estimated=False, longest=longest)


def report_pdf(assessment: Assessment) -> CachedReport:
    """The report PDF for the assessment's current revision, rendered at most once per revision.

    Raises ReportTooLong for a report over the page budget. A refusal made after rendering
    is remembered for the revision too, so a retry does not lay the report out again.
    """
    key = _cache_key(assessment)
    pdf = _cache_get(key)
    if isinstance(pdf, bytes):
        return CachedReport(pdf=pdf, from_cache=True)
    _refused_before(assessment, key)
    with _one_render_at_a_time(key):
        pdf = _cache_get(key)  # rendered by the request we waited for
        if isinstance(pdf, bytes):
            return CachedReport(pdf=pdf, from_cache=True)
        _refused_before(assessment, key)
        try:
            pdf = render_report_pdf(assessment)
        except ReportTooLong as refused:
            if not refused.estimated:
                _cache_set(_too_long_key(key), refused.pages)
            raise
        _cache_set(key, pdf)
    return CachedReport(pdf=pdf, from_cache=False)


def report_filename(assessment: Assessment, today: date) -> str:
    stem = slugify(assessment.title)[:80].strip("-") or "assessment"
    return f"{stem}-hiat-report-{today.isoformat()}.pdf"
