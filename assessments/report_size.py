"""How long a report is allowed to be, and a cheap estimate of its length from its text.

Rendering time and memory grow with the number of printed lines (40 to 60 ms of CPU and
about 1 MB a page on the 2-core benchmark machine, bench/RESULTS.md), so a report is
refused above a page budget: first by this estimate, before any rendering, and then by
the laid-out page count (assessments/pdf.py), which also catches what the estimate
cannot see, such as very wide characters.
"""

import math
import unicodedata
from dataclasses import dataclass

from assessments.report import ReportData

# The largest assessment the app accepts within its limits (20,000 characters and 400
# lines an answer, assessments/models.py): every long answer of 400 lines that each just
# overflow one printed line, such as 49 capital Ws or emoji, prints in 417 pages (24 s of
# CPU, 510 MB). Prose at the character limit prints in 123 pages. 600 pages leaves the
# largest a margin of 40%, and refuses answers saved before the line limit existed
# (10,000 one-character lines each: nearly 5,000 pages and 14 minutes of rendering).
REPORT_PAGE_BUDGET = 600

# Figures of the PDF layout (static/css/report-pdf.css): A4 with 42 mm of top and bottom
# margins leaves 255 mm for 10.5 pt text at 1.4 line height (5.2 mm a line).
LINES_PER_PAGE = 49
# Characters of ordinary text on one printed line. Set high (a line holds about 90 of
# typical prose) so the estimate errs low: it refuses only reports that are clearly over
# the budget, and the rendered page count is the exact check.
CHARS_PER_LINE = 100
# A question's heading and the space around it.
LINES_PER_QUESTION = 3
# The cover, the about and "at a glance" parts, and the action plan, sign-off and
# resources parts after the last section: a report with nothing answered has these and
# about two pages of questions marked "Not answered".
FIXED_PAGES = 4
# How many of the longest answers the "too long" page names.
LONGEST_SHOWN = 3


@dataclass(frozen=True)
class LongAnswer:
    """One of the longest texts of a report, with where to shorten it."""

    name: str
    section_number: int | None  # None for a project detail
    field_id: str
    lines: int


@dataclass(frozen=True)
class SizeEstimate:
    pages: int
    longest: list[LongAnswer]


def _width(line: str) -> int:
    """The line's width in ordinary characters: wide (East Asian) characters and emoji count twice."""
    if line.isascii():
        return len(line)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def printed_lines(text: str) -> int:
    """About how many lines the text prints in: each line of it wraps at CHARS_PER_LINE."""
    if not text:
        return 1  # "Not answered" or "Not given"
    return sum(max(1, math.ceil(_width(line) / CHARS_PER_LINE)) for line in text.split("\n"))


def estimate_report_size(report: ReportData) -> SizeEstimate:
    """The report's length in pages, estimated from its text in one pass (a few milliseconds).

    The parts flow on from one page to the next (only the cover has a page of its own), so
    the estimate adds up the printed lines and counts whole pages of them.
    """
    texts: list[LongAnswer] = [
        LongAnswer(f"Project details: {label}", None, f"id_{field}", printed_lines(getattr(report, field)))
        for field, label in [
            ("description", "Short description"),
            ("population_and_place", "Population and place"),
            ("lead_and_team", "Lead and team"),
        ]
    ]
    lines = sum(t.lines for t in texts)
    # The summary of findings: 30 lines an answer at most, never among the longest to shorten.
    lines += sum(printed_lines(item.text) + LINES_PER_QUESTION for item in report.findings)
    for section in report.sections:
        for row in section.answers:
            answer_lines = printed_lines(row.text) if row.text else max(1, len(row.choices))
            if row.text:
                texts.append(LongAnswer(f"{row.number} {row.question}", section.number, f"id_{row.key}", answer_lines))
            lines += answer_lines + LINES_PER_QUESTION
    for kept in report.kept_answers:
        # Read-only (no field to shorten): counted in the length, never among the longest.
        lines += (printed_lines(kept.text) if kept.text else max(1, len(kept.choices))) + LINES_PER_QUESTION
    pages = FIXED_PAGES + lines // LINES_PER_PAGE
    longest = sorted(texts, key=lambda t: t.lines, reverse=True)[:LONGEST_SHOWN]
    return SizeEstimate(pages=pages, longest=longest)
