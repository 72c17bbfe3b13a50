"""Benchmark the report PDF: renders of a full assessment and of the largest ones, and a baseline.

Run it on PostgreSQL (it creates and drops its own test database):

    .venv/bin/python scripts/with_postgres.py .venv/bin/python bench/report_bench.py

It builds an assessment with every question answered in about 250 words of varied text,
times the report HTML build (database reads and template) on its own,
renders the PDF 5 times in this process, and renders a one-page trivial WeasyPrint
document in the same run as the baseline. (Serving made files, and renders in the worker's
limited child processes, are measured under `make serve` by bench/report_pipeline_bench.py.)
Last, the largest assessments the app accepts, each rendered 3 times: every long answer
at the 20,000-character limit in paragraphs of prose, and the worst case for time and
memory, every long answer at the 400-line limit with each line just too wide for one
printed line (49 emoji); then how fast answers saved before the line limit
("x\\n" x 10,000 in every long answer) are refused by the page budget.
"""

import os
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hiat_site.settings_test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from pypdf import PdfReader  # noqa: E402
from weasyprint import HTML  # noqa: E402

RUNS = 5
LARGEST_RUNS = 3
WORDS = (  # noqa: SIM905 (one string reads better than a 40-item list)
    "residents deprivation income housing employment clinic practice advice debt benefits outcomes "
    "evaluation inequalities neighbourhood transport access carers language digital referral uptake "
    "gradient evidence survey postcode quintile council partners volunteers trust commissioners "
    "workshop barriers confidence stigma childcare shifts travel appointments outreach"
).split()


def paragraph(rng: random.Random, words: int) -> str:
    sentences, count = [], 0
    while count < words:
        n = rng.randint(8, 18)
        sentence = " ".join(rng.choice(WORDS) for _ in range(n))
        sentences.append(sentence.capitalize() + rng.choice([".", ".", ".", "?", ";"]))
        count += n
    return " ".join(sentences)


def answer_text(rng: random.Random) -> str:
    return "\n\n".join(paragraph(rng, n) for n in (100, 90, 60))


def answer_at_the_limit(rng: random.Random) -> str:
    """The longest answer the app accepts, made of the same varied paragraphs."""
    from assessments.models import ANSWER_MAX_LENGTH

    text = ""
    while len(text) < ANSWER_MAX_LENGTH:
        text += answer_text(rng) + "\n\n"
    return text[:ANSWER_MAX_LENGTH].rstrip()


def answer_of_the_most_lines(rng: random.Random) -> str:
    """The most printed lines within both limits: 400 lines that each wrap onto a second line."""
    from assessments.models import ANSWER_MAX_LENGTH, ANSWER_MAX_LINES

    return "\n".join(["\N{GRINNING FACE}" * (ANSWER_MAX_LENGTH // ANSWER_MAX_LINES - 1)] * ANSWER_MAX_LINES)


def answer_saved_before_the_line_limit(rng: random.Random) -> str:
    return "x\n" * 10_000


def build_assessment(user, version, answer: Callable[[random.Random], str]):
    """An assessment with every question answered and every section complete; returns it and its word count."""
    from assessments.services import AnswerValue, assessment_create, section_answers_save, section_complete

    details = {
        "title": "Welfare advice in GP practices",
        "organisation": "Eastborough Council",
        "work_type": "service_change",
        "description": paragraph(random.Random(1), 60),
        "population_and_place": "Adults in the most deprived wards of Eastborough.",
        "lead_and_team": "Sam Lee (lead)\nTwo advisers\nTwo public advisers",
        "public_advisers": "yes",
    }
    assessment = assessment_create(owner=user, details=details)
    rng = random.Random(2026)
    words = 0
    for section in version.sections.prefetch_related("questions"):
        values: dict[str, AnswerValue] = {}
        for q in section.questions.all():
            if q.answer_type == "long_text":
                text = answer(rng)
                values[q.key] = text
                words += len(text.split())
            elif q.answer_type == "single_choice":
                values[q.key] = q.choices[0]["value"]
            else:
                values[q.key] = [c["value"] for c in q.choices[::2]]
        section_answers_save(assessment=assessment, section=section, values=values, user=user)
        section_complete(assessment=assessment, section=section, user=user)
    assessment.refresh_from_db()
    return assessment, words


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def timed(fn, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def line(name: str, samples: list[float]) -> str:
    return (
        f"{name:<34} median {statistics.median(samples) * 1000:8.1f} ms   p95 {percentile(samples, 95) * 1000:8.1f} ms"
        f"   max {max(samples) * 1000:8.1f} ms"
    )


def main() -> None:
    from accounts.models import User
    from assessments.pdf import ReportTooLong, render_report_pdf, report_html
    from toolkit_content.loader import read_file, toolkit_load

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        version = toolkit_load(content=read_file(Path("toolkit_content/data/hiat.yaml"))).version
        user = User.objects.create_user("bench@example.org", "bench-password-123", display_name="Bench Marker")
        assessment, words = build_assessment(user, version, answer_text)
        largest, largest_words = build_assessment(user, version, answer_at_the_limit)
        most_lines, _ = build_assessment(user, version, answer_of_the_most_lines)
        legacy, _ = build_assessment(user, version, answer_saved_before_the_line_limit)

        baseline_html = HTML(string="<html lang='en-GB'><title>Baseline</title><p>Hello, world.</p></html>")
        baseline = timed(lambda: baseline_html.write_pdf(), RUNS)
        rss_after_baseline = peak_rss_mb()

        # The HTML build (database reads and the template) on its own, to show where a render's time goes.
        html_build = timed(lambda: report_html(assessment), RUNS)

        pdfs: list[bytes] = []
        cpu_started = time.process_time()
        cold = timed(lambda: pdfs.append(render_report_pdf(assessment)), RUNS)
        cold_cpu = (time.process_time() - cpu_started) / RUNS
        rss_after_cold = peak_rss_mb()
        pages = len(PdfReader(BytesIO(pdfs[-1])).pages)

        # The largest assessment the app accepts: every long answer at the length limit.
        largest_pdfs: list[bytes] = []
        cpu_started = time.process_time()
        largest_runs = timed(lambda: largest_pdfs.append(render_report_pdf(largest)), LARGEST_RUNS)
        largest_cpu = (time.process_time() - cpu_started) / LARGEST_RUNS
        largest_pages = len(PdfReader(BytesIO(largest_pdfs[-1])).pages)
        rss_after_largest = peak_rss_mb()

        most_lines_pdfs: list[bytes] = []
        cpu_started = time.process_time()
        most_lines_runs = timed(lambda: most_lines_pdfs.append(render_report_pdf(most_lines)), LARGEST_RUNS)
        most_lines_cpu = (time.process_time() - cpu_started) / LARGEST_RUNS
        most_lines_pages = len(PdfReader(BytesIO(most_lines_pdfs[-1])).pages)
        rss_after_most_lines = peak_rss_mb()

        def refuse_legacy() -> None:
            try:
                render_report_pdf(legacy)
            except ReportTooLong as refused:
                assert refused.estimated, "refused only after laying the report out"
            else:
                raise AssertionError("a report of answers saved before the line limit was rendered")

        legacy_refusals = timed(refuse_legacy, RUNS)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    ratio = statistics.median(cold) / statistics.median(baseline)
    print(f"Report benchmark ({os.cpu_count()} cores, Python {sys.version.split()[0]}, {connection.vendor})")
    print(f"Full assessment: {words:,} words of answers, {pages} pages, {len(pdfs[-1]):,} bytes")
    print(line(f"baseline 1-page PDF (x{RUNS})", baseline))
    print(line(f"report HTML build only (x{RUNS})", html_build))
    print(line(f"full report cold render (x{RUNS})", cold))
    print(f"full report cold render CPU time: {cold_cpu * 1000:.1f} ms per render (mean)")
    print(f"cold render / baseline (median ratio): {ratio:.1f}x")
    print(f"peak RSS: {rss_after_baseline:.0f} MB after baseline, {rss_after_cold:.0f} MB after full renders")
    print(
        f"Largest accepted assessment: {largest_words:,} words, {largest_pages} pages, {len(largest_pdfs[-1]):,} bytes"
    )
    print(line(f"largest assessment render (x{LARGEST_RUNS})", largest_runs))
    print(f"largest assessment render CPU time: {largest_cpu * 1000:.0f} ms per render (mean)")
    print(f"peak RSS after the largest renders: {rss_after_largest:.0f} MB")
    print(f"Most printed lines within the limits: {most_lines_pages} pages, {len(most_lines_pdfs[-1]):,} bytes")
    print(line(f"most-lines assessment render (x{LARGEST_RUNS})", most_lines_runs))
    print(f"most-lines assessment render CPU time: {most_lines_cpu * 1000:.0f} ms per render (mean)")
    print(f"peak RSS after the most-lines renders: {rss_after_most_lines:.0f} MB")
    print(line(f"refusing pre-limit answers (x{RUNS})", legacy_refusals))


if __name__ == "__main__":
    main()
