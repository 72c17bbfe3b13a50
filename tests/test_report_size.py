"""The report's page budget: a report too long to render is refused, quickly, with a way forward."""

import io
import json
import random
import time

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from pypdf import PdfReader

from assessments import pdf as report_pdf_module
from assessments.models import ANSWER_MAX_LENGTH, ANSWER_MAX_LINES
from assessments.report import build_report
from assessments.report_size import REPORT_PAGE_BUDGET, estimate_report_size
from assessments.services import section_answers_save
from hiat_site.forms import line_count
from tests.helpers import download_report, run_queued_tasks
from tests.test_report import answer_all
from toolkit_content.models import Question

LEGACY_ANSWER = "x\n" * 10_000  # within 20,000 characters; saved before the 400-line limit


def save_every_long_answer(assessment, user, text_for) -> None:
    """Write answers through the services, as answers saved before today's form limits were."""
    for section in assessment.toolkit_version.sections.prefetch_related("questions"):
        values = {q.key: text_for(q) for q in section.questions.all() if q.answer_type == Question.AnswerType.LONG_TEXT}
        section_answers_save(assessment=assessment, section=section, values=values, user=user)
    assessment.refresh_from_db()


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def legacy(assessment, alice):
    save_every_long_answer(assessment, alice, lambda q: LEGACY_ANSWER)
    return assessment


def test_legacy_answers_over_the_line_limit_are_refused_before_any_rendering(alice_client, legacy, counting_renders):
    url = reverse("assessment_report_pdf", args=[legacy.pk])
    assert alice_client.get(url).status_code == 303  # the worker judges it
    started = time.monotonic()
    assert run_queued_tasks() == 1
    elapsed = time.monotonic() - started
    response = alice_client.get(url)
    assert response.status_code == 422
    page = response.content.decode()
    assert "Your report is too long to make into a PDF" in page
    assert "Your answers are saved and safe" in page
    assert f"the most we can make into a PDF is {REPORT_PAGE_BUDGET:,} pages" in page
    assert counting_renders.renders == 0, "refused after laying the report out, not from its text"
    assert elapsed < 5, f"the refusal took {elapsed:.1f} s"
    # It names the longest answers and links to each, on its section page.
    first = legacy.toolkit_version.sections.get(number=1).questions.filter(answer_type="long_text").first()
    assert f'href="{reverse("section", args=[legacy.pk, 1])}#id_{first.key}"' in page
    assert f"Section 1: {first.number} {first.text}" in page
    assert f'href="{reverse("assessment_report", args=[legacy.pk])}"' in page
    assert f'href="{reverse("assessment_export", args=[legacy.pk])}"' in page
    assert "ETag" not in response


def test_render_report_command_says_why_it_did_not_render(legacy, tmp_path):
    out = tmp_path / "out.pdf"
    with pytest.raises(CommandError, match=r"Not rendered: The report is estimated at [0-9,]+ pages"):
        call_command("render_report", str(legacy.pk), str(out))
    assert not out.exists()


def test_an_over_budget_assessment_keeps_its_preview_and_export(alice_client, legacy):
    preview = alice_client.get(reverse("assessment_report", args=[legacy.pk]))
    assert preview.status_code == 200
    assert "x<br>x<br>x" in preview.content.decode()
    export = alice_client.get(reverse("assessment_export", args=[legacy.pk]))
    assert export.status_code == 200
    sections = json.loads(export.content)["sections"]
    answers = [a for s in sections for a in s["answers"] if a["answer_type"] == "long_text"]
    assert answers and all(a["text"] == LEGACY_ANSWER.rstrip() for a in answers)


def test_a_report_the_estimate_lets_through_is_still_held_to_the_budget_once_laid_out(
    alice_client, assessment, alice, counting_renders, monkeypatch
):
    """Wide characters print in fewer per line than the estimate allows: the page count catches them."""
    save_every_long_answer(assessment, alice, lambda q: "\n".join(["W" * 49] * 40))
    estimate = estimate_report_size(build_report(assessment)).pages
    monkeypatch.setattr(report_pdf_module, "REPORT_PAGE_BUDGET", estimate)
    with pytest.raises(report_pdf_module.ReportTooLong) as refused:
        report_pdf_module.render_report_pdf(assessment)
    assert not refused.value.estimated and refused.value.pages > estimate
    assert counting_renders.renders == 1

    url = reverse("assessment_report_pdf", args=[assessment.pk])
    for renders in (2, 2):  # the refusal is remembered for this revision: no second layout
        response = download_report(alice_client, url)
        assert response.status_code == 422
        assert f"would be {refused.value.pages} pages long" in response.content.decode()
        assert counting_renders.renders == renders

    monkeypatch.setattr(report_pdf_module, "REPORT_PAGE_BUDGET", refused.value.pages)
    section = assessment.toolkit_version.sections.get(number=1)
    question = section.questions.filter(answer_type="long_text").first()
    section_answers_save(assessment=assessment, section=section, values={question.key: "Shorter."}, user=alice)
    assessment.refresh_from_db()
    response = download_report(alice_client, url)  # a new revision is judged afresh
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def _prose(rng: random.Random, length: int) -> str:
    words = ["residents", "deprivation", "income", "housing", "employment", "clinic", "advice", "benefits"]
    text = ""
    while len(text) < length:
        text += " ".join(rng.choice(words) for _ in range(60)) + ".\n\n"
    return text[:length]


@pytest.mark.parametrize(
    "text",
    [
        "Answer.",
        _prose(random.Random(1), 20_000),
        "\n".join(["A point that fits on one printed line"] * 400),
        "\n".join(["\N{GRINNING FACE}" * 49] * 400),
    ],
    ids=["short", "prose-at-the-character-limit", "400-lines", "400-lines-of-emoji"],
)
def test_the_estimate_never_says_more_pages_than_the_report_has(assessment, alice, text):
    """The estimate refuses only reports that are clearly over: it must not overshoot a real one."""
    answer_all(assessment, alice)
    section = assessment.toolkit_version.sections.get(number=2)
    question = section.questions.filter(answer_type="long_text").first()
    section_answers_save(assessment=assessment, section=section, values={question.key: text}, user=alice)
    assessment.refresh_from_db()
    estimate = estimate_report_size(build_report(assessment))
    pages = page_count(report_pdf_module.render_report_pdf(assessment))
    assert estimate.pages <= pages
    assert pages <= REPORT_PAGE_BUDGET
    if len(text) > 100:
        assert estimate.longest[0].field_id == f"id_{question.key}"


@pytest.mark.parametrize(
    "text",
    [
        "\n".join(["W" * (ANSWER_MAX_LENGTH // ANSWER_MAX_LINES - 1)] * ANSWER_MAX_LINES),
        "\n".join(["\N{GRINNING FACE}" * (ANSWER_MAX_LENGTH // ANSWER_MAX_LINES - 1)] * ANSWER_MAX_LINES),
        "\n\n".join(["A short paragraph."] * (ANSWER_MAX_LINES // 2)),
    ],
    ids=["400-lines-of-capitals", "400-lines-of-emoji", "200-short-paragraphs"],
)
def test_the_estimate_lets_through_the_largest_assessments_the_forms_accept(assessment, alice, text):
    """Every long answer at both form limits: bench/RESULTS.md has them at 401 to 417 pages once laid out."""
    assert len(text) <= ANSWER_MAX_LENGTH and line_count(text) in (ANSWER_MAX_LINES - 1, ANSWER_MAX_LINES)
    save_every_long_answer(assessment, alice, lambda q: text)
    assert estimate_report_size(build_report(assessment)).pages <= REPORT_PAGE_BUDGET


def test_a_normal_report_still_downloads_in_one_rendering(alice_client, assessment, alice, counting_renders):
    answer_all(assessment, alice)
    response = download_report(alice_client, reverse("assessment_report_pdf", args=[assessment.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert 6 <= page_count(response.content) <= 60
    assert counting_renders.renders == 1  # the PDF is written from the layout that was counted
