"""What a funding panel reads in the report PDF: the team's findings first, an honest draft
marking, a cover that says who and when, and no page wasted."""

import pytest
from django.urls import reverse

from assessments.pdf import render_report_pdf
from assessments.report import build_report
from assessments.services import assessment_update_details
from tests.conftest import DETAILS
from tests.report_helpers import (
    SUMMARY,
    answer_all,
    answer_some,
    complete_all,
    open_pdf,
    page_text_by_marking,
    page_texts,
    structure_elements,
)


@pytest.fixture
def draft(assessment, alice):
    answer_some(assessment, alice, 9)  # of 26 questions: 35%
    assessment.refresh_from_db()
    return assessment


@pytest.fixture
def complete(assessment, alice):
    complete_all(assessment, alice)
    return assessment


def test_the_summary_of_findings_comes_first_after_the_cover(complete):
    data = render_report_pdf(complete)
    assert "Summary of findings" not in page_texts(data)[0]
    second = page_text_by_marking(data, 2).tagged
    expected = (
        "Summary of findings Written by the team, in their own words. "
        f"Main inequalities found {SUMMARY['summary_inequalities']} "
        f"What the work will change {SUMMARY['summary_changes']} "
        f"What is still uncertain {SUMMARY['summary_uncertainties']} "
        "About this report"
    )
    assert second.startswith(expected)


def test_an_unwritten_summary_says_not_written_yet(draft, alice):
    assessment_update_details(assessment=draft, details={"summary_changes": "Advice at the GP."}, user=alice)
    draft.refresh_from_db()
    second = page_texts(render_report_pdf(draft))[1]
    assert (
        "Main inequalities found Not written yet What the work will change Advice at the GP. "
        "What is still uncertain Not written yet"
    ) in second


def test_a_draft_is_marked_on_the_cover_and_at_the_top_of_every_page(draft):
    data = render_report_pdf(draft)
    pages = page_texts(data)
    cover = page_text_by_marking(data, 1).tagged
    assert "Draft: 35% complete This report is not final: 0 of 4 sections are marked complete" in cover
    assert "and 9 of 26 questions are answered." in cover
    for number in range(2, len(pages) + 1):
        assert "Draft: 35% complete" in page_text_by_marking(data, number).artifacts


def test_a_complete_report_has_no_draft_marking(complete):
    text = " ".join(page_texts(render_report_pdf(complete)))
    assert "Draft" not in text and "not final" not in text
    assert "Completed: 26 of 26 questions answered (100%)" in text


def test_an_assessment_with_every_answer_but_sections_not_marked_complete_is_still_a_draft(assessment, alice):
    answer_all(assessment, alice)
    assessment.refresh_from_db()
    report = build_report(assessment)
    assert report.is_draft and report.draft_label == "Draft: 100% complete"


def test_the_cover_names_the_team_the_review_date_and_the_toolkit_version(complete):
    cover = page_text_by_marking(render_report_pdf(complete), 1).tagged
    version = complete.toolkit_version
    for expected in [
        DETAILS["title"],
        f"Organisation {DETAILS['organisation']}",
        "Prepared by Alice Owner",
        f"Lead and team {DETAILS['lead_and_team']}",
        "Review date 31 March 2027",
        f"Toolkit {version.toolkit.name}, version {version.label}",
    ]:
        assert expected in cover, expected


def test_a_cover_without_a_review_date_says_it_is_not_set(draft):
    assert "Review date Not set" in page_text_by_marking(render_report_pdf(draft), 1).tagged


def test_an_empty_action_plan_is_one_line_not_an_empty_table(draft):
    data = render_report_pdf(draft)
    text = " ".join(page_texts(data))
    assert "Action plan and review No actions have been recorded for this assessment yet. Review date: Not set" in text
    assert "By when" not in text
    pdf = open_pdf(data)
    captions = [e for e in structure_elements(pdf) if e.S == "/Caption"]
    assert len(captions) == 4  # about this assessment, progress, dimensions, sign-off: no action table


@pytest.mark.parametrize("fixture", ["draft", "complete"])
def test_no_page_is_nearly_empty_or_holds_only_a_pointer(request, fixture):
    assessment = request.getfixturevalue(fixture)
    data = render_report_pdf(assessment)
    pages = page_texts(data)
    words = [len(page_text_by_marking(data, n).tagged.split()) for n in range(1, len(pages) + 1)]
    # The cover stands alone; the last page may be short; every other page is well filled.
    assert all(count >= 150 for count in words[1:-1]), words
    assert "The answer is under" not in " ".join(pages)


def test_the_summary_is_user_text_shown_literally_in_the_preview_and_the_pdf(alice_client, draft, alice):
    hostile = '<img src="file:///etc/passwd"><b>bold</b>'
    assessment_update_details(assessment=draft, details={"summary_inequalities": hostile}, user=alice)
    draft.refresh_from_db()
    preview = alice_client.get(reverse("assessment_report", args=[draft.pk])).content.decode()
    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;&lt;b&gt;bold&lt;/b&gt;" in preview
    assert '<img src="file' not in preview
    assert preview.index("Summary of findings") < preview.index("About this report")
    assert hostile in page_texts(render_report_pdf(draft))[1]
