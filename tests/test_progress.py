"""Progress as a person sees it: each section's status, the counts, the task list's links and
"Your assessments". Every figure comes from assessments/progress.py through the presenters.

Section 1 of the shipped toolkit has 7 questions (6 required, 1.4a optional); 26 in all.
"""

import re

import pytest
from django.urls import reverse

from assessments.models import Answer, Assessment
from assessments.progress import (
    Status,
    assessment_progress,
    details_status,
    overall_status,
    percent,
    summaries,
    summary_status,
)
from assessments.services import assessment_create
from tests.conftest import DETAILS
from tests.helpers import (
    answer_for,
    assessment_list_row,
    details_post_data,
    progress_sentence,
    section_post_data,
    task_list_row,
    text_of,
)


def task_list_page(client, assessment) -> str:
    response = client.get(reverse("assessment_task_list", args=[assessment.pk]))
    assert response.status_code == 200
    return response.content.decode()


def save_section(client, assessment, number: int, **changes: object) -> None:
    """Answer every question of a section through its page, except those changed (a blank clears)."""
    section = assessment.toolkit_version.sections.get(number=number)
    response = client.post(reverse("section", args=[assessment.pk, number]), section_post_data(section) | changes)
    assert response.status_code == 302


def answer_only(client, assessment, number: int, key: str) -> None:
    """Answer one question of a section and leave the rest blank."""
    question = assessment.toolkit_version.sections.get(number=number).questions.get(key=key)
    response = client.post(
        reverse("section", args=[assessment.pk, number]), {key: answer_for(question), "continue": ""}
    )
    assert response.status_code == 302


def mark_complete(client, assessment, number: int) -> None:
    response = client.post(reverse("section_complete", args=[assessment.pk, number]))
    assert response.status_code == 302, "the section should have been complete"


def complete_every_section(client, assessment) -> None:
    for section in assessment.toolkit_version.sections.all():
        save_section(client, assessment, section.number)
        mark_complete(client, assessment, section.number)


@pytest.fixture
def total(toolkit_version) -> int:
    return sum(section.questions.count() for section in toolkit_version.sections.all())


def test_a_new_assessment_has_every_section_not_started(alice_client, assessment, total):
    page = task_list_page(alice_client, assessment)
    assert progress_sentence(page) == (
        f"Not started. You have answered 0 of {total} questions (0%) and completed 0 of 4 sections."
    )
    for section in assessment.toolkit_version.sections.all():
        row = task_list_row(page, f"section-{section.number}")
        assert row.title == f"{section.number}. {section.title}"
        assert row.status == "Not started" and row.tag_class == "govuk-tag govuk-tag--blue"
        assert row.hint == f"0 of {section.questions.count()} questions answered"
        assert row.href == reverse("section", args=[assessment.pk, section.number])


def test_answering_one_question_puts_only_that_section_in_progress(alice_client, assessment, total):
    answer_only(alice_client, assessment, 2, "s2_theory_of_change")
    page = task_list_page(alice_client, assessment)
    row = task_list_row(page, "section-2")
    assert row.status == "In progress" and row.tag_class == "govuk-tag govuk-tag--light-blue"
    assert row.hint == "1 of 5 questions answered"
    assert row.href == reverse("section", args=[assessment.pk, 2])
    for other in [1, 3, 4]:
        assert task_list_row(page, f"section-{other}").status == "Not started"
    # 1 of 26 is 3.8%: rounded to the nearest whole number, not down.
    assert progress_sentence(page) == (
        f"In progress. You have answered 1 of {total} questions (4%) and completed 0 of 4 sections."
    )


def test_a_cleared_answer_no_longer_counts_as_answered(alice_client, assessment):
    save_section(alice_client, assessment, 1)
    save_section(alice_client, assessment, 1, s1_gradient="   ", s1_dimensions=[])
    assert Answer.objects.filter(assessment=assessment).count() == 7  # the cleared answers are still rows
    row = task_list_row(task_list_page(alice_client, assessment), "section-1")
    assert row.hint == "5 of 7 questions answered"


def test_a_completed_section_says_completed_and_links_to_its_check_page(alice_client, assessment, total):
    save_section(alice_client, assessment, 1)
    mark_complete(alice_client, assessment, 1)
    page = task_list_page(alice_client, assessment)
    row = task_list_row(page, "section-1")
    assert row.status == "Completed" and row.tag_class == ""  # plain text, as the task list pattern shows it
    assert row.hint == "7 of 7 questions answered"
    assert row.href == reverse("section_check", args=[assessment.pk, 1])
    assert progress_sentence(page) == (
        f"In progress. You have answered 7 of {total} questions (27%) and completed 1 of 4 sections."
    )


def test_completed_section_reopens_when_a_required_answer_is_blanked(alice_client, assessment, total):
    save_section(alice_client, assessment, 1)
    mark_complete(alice_client, assessment, 1)
    response = alice_client.post(
        reverse("section", args=[assessment.pk, 1]),
        section_post_data(assessment.toolkit_version.sections.get(number=1)) | {"s1_gradient": ""},
        follow=True,
    )
    assert "Section 1 is back in progress: a required question is now blank." in response.content.decode()
    page = task_list_page(alice_client, assessment)
    row = task_list_row(page, "section-1")
    assert row.status == "In progress" and row.hint == "6 of 7 questions answered"
    assert row.href == reverse("section", args=[assessment.pk, 1])
    assert progress_sentence(page) == (
        f"In progress. You have answered 6 of {total} questions (23%) and completed 0 of 4 sections."
    )


def test_a_completed_section_stays_completed_when_an_optional_answer_is_blanked(alice_client, assessment):
    save_section(alice_client, assessment, 1)
    mark_complete(alice_client, assessment, 1)
    save_section(alice_client, assessment, 1, s1_dimensions=[])
    row = task_list_row(task_list_page(alice_client, assessment), "section-1")
    assert row.status == "Completed" and row.hint == "6 of 7 questions answered"


def test_every_question_answered_is_still_in_progress_until_sections_are_marked_complete(
    alice_client, assessment, total
):
    for section in assessment.toolkit_version.sections.all():
        save_section(alice_client, assessment, section.number)
    page = task_list_page(alice_client, assessment)
    for number in [1, 2, 3, 4]:
        assert task_list_row(page, f"section-{number}").status == "In progress"
    assert progress_sentence(page) == (
        f"In progress. You have answered {total} of {total} questions (100%) and completed 0 of 4 sections."
    )


def test_every_section_complete_with_the_details_filled_in_is_completed(alice_client, assessment, total):
    complete_every_section(alice_client, assessment)
    page = task_list_page(alice_client, assessment)
    assert progress_sentence(page) == (
        f"Completed. You have answered {total} of {total} questions (100%) and completed 4 of 4 sections."
    )
    assert task_list_row(page, "details").status == "Completed"


def test_every_section_complete_with_details_missing_is_still_in_progress(alice_client, assessment, total):
    complete_every_section(alice_client, assessment)
    response = alice_client.post(reverse("assessment_details", args=[assessment.pk]), details_post_data(description=""))
    assert response.status_code == 302
    page = task_list_page(alice_client, assessment)
    assert task_list_row(page, "details").status == "In progress"
    assert progress_sentence(page).startswith("In progress. ")
    listing = alice_client.get(reverse("assessment_list")).content.decode()
    assert assessment_list_row(listing, "Falls prevention in Eastborough")["Status"] == "In progress"


def test_project_details_row_links_to_the_details_page_and_says_completed_when_filled_in(alice_client, assessment):
    row = task_list_row(task_list_page(alice_client, assessment), "details")
    assert row.title == "Project details" and row.href == reverse("assessment_details", args=[assessment.pk])
    assert row.status == "Completed" and row.tag_class == ""


@pytest.mark.parametrize("field", ["description", "population_and_place", "lead_and_team", "public_advisers"])
def test_project_details_are_in_progress_while_an_optional_detail_is_blank(alice_client, assessment, field):
    response = alice_client.post(reverse("assessment_details", args=[assessment.pk]), details_post_data(**{field: ""}))
    assert response.status_code == 302
    row = task_list_row(task_list_page(alice_client, assessment), "details")
    assert row.status == "In progress" and row.tag_class == "govuk-tag govuk-tag--light-blue"


@pytest.mark.parametrize(
    "field",
    ["title", "organisation", "work_type", "description", "population_and_place", "lead_and_team", "public_advisers"],
)
def test_details_status_needs_every_detail_the_report_shows(field):
    # The form insists on only some of these; every one must be filled in all the same.
    assert details_status(Assessment(**DETAILS)) == Status.COMPLETED
    assert details_status(Assessment(**DETAILS | {field: ""})) == Status.IN_PROGRESS


def test_task_list_links_to_the_introduction_report_and_export(alice_client, assessment):
    page = task_list_page(alice_client, assessment)
    assert task_list_row(page, "introduction").href == reverse("assessment_introduction", args=[assessment.pk])
    assert task_list_row(page, "report").href == reverse("assessment_report", args=[assessment.pk])
    assert task_list_row(page, "export").href == reverse("assessment_export", args=[assessment.pk])


def test_your_assessments_shows_each_assessments_status_and_percent_complete(alice, alice_client, assessment):
    started = assessment_create(owner=alice, details={**DETAILS, "title": "Started"})
    finished = assessment_create(owner=alice, details={**DETAILS, "title": "Finished"})
    untouched = assessment_create(owner=alice, details={**DETAILS, "title": "Untouched"})
    save_section(alice_client, started, 1)
    answer_only(alice_client, started, 1, "s1_problem")  # the other six answers cleared: 1 of 26 is 4%
    complete_every_section(alice_client, finished)
    save_section(alice_client, assessment, 1)  # 7 of 26 answered: 27%
    mark_complete(alice_client, assessment, 1)

    response = alice_client.get(reverse("assessment_list"))
    assert response.status_code == 200
    page = response.content.decode()
    seen = {
        title: (row["Status"], row["Complete"], row["href"])
        for title in ["Untouched", "Started", DETAILS["title"], "Finished"]
        for row in [assessment_list_row(page, title)]
    }
    assert seen == {
        "Untouched": ("Not started", "0%", reverse("assessment_task_list", args=[untouched.pk])),
        "Started": ("In progress", "4%", reverse("assessment_task_list", args=[started.pk])),
        DETAILS["title"]: ("In progress", "27%", reverse("assessment_task_list", args=[assessment.pk])),
        "Finished": ("Completed", "100%", reverse("assessment_task_list", args=[finished.pk])),
    }


def test_your_assessments_and_the_task_list_agree(alice, alice_client, assessment):
    """The list works progress out for many assessments at once; it must match each task list."""
    finished = assessment_create(owner=alice, details={**DETAILS, "title": "Finished"})
    complete_every_section(alice_client, finished)
    save_section(alice_client, assessment, 3)
    answer_only(alice_client, assessment, 3, "s3_baseline")  # the others cleared, and not counted
    listed = summaries([assessment, finished])
    for each in [assessment, finished]:
        state = assessment_progress(each)
        assert (listed[each.pk].percent, listed[each.pk].status) == (state.percent, state.status)


def test_overall_status_is_never_completed_for_a_toolkit_without_sections():
    assert overall_status(answered=0, sections_completed=0, sections_total=0, details_complete=True) == (
        Status.NOT_STARTED
    )


def test_sections_completed_alone_make_an_assessment_in_progress():
    # A section can be complete with nothing answered only if it has no required questions.
    assert overall_status(answered=0, sections_completed=1, sections_total=4, details_complete=True) == (
        Status.IN_PROGRESS
    )


@pytest.mark.parametrize(
    "part, whole, expected", [(0, 0, 0), (0, 26, 0), (1, 26, 4), (13, 26, 50), (25, 26, 96), (26, 26, 100)]
)
def test_percent_is_rounded_to_the_nearest_whole_number(part, whole, expected):
    assert percent(part, whole) == expected


def test_the_report_shows_the_same_progress_as_the_task_list(alice_client, assessment, total):
    save_section(alice_client, assessment, 1)
    mark_complete(alice_client, assessment, 1)
    answer_only(alice_client, assessment, 2, "s2_barriers")
    response = alice_client.get(reverse("assessment_report", args=[assessment.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    table = re.search(r"<caption>Progress by section</caption>(.*?)</table>", page, re.S)
    assert table, "no progress table in the report"
    rows = [text_of(row) for row in re.findall(r"<tbody>(.*?)</tbody>", table[1], re.S)[0].split("</tr>")[:-1]]
    titles = [f"{s.number}. {s.title}" for s in assessment.toolkit_version.sections.all()]
    assert rows == [
        f"{titles[0]} 7 of 7 Completed",
        f"{titles[1]} 1 of 5 In progress",
        f"{titles[2]} 0 of 6 Not started",
        f"{titles[3]} 0 of 8 Not started",
    ]
    # 8 of 26 is 30.8%.
    assert f"<td>In progress: 8 of {total} questions answered (31%)</td>" in page


@pytest.mark.parametrize(
    "written, expected",
    [
        ({}, Status.NOT_STARTED),
        ({"summary_changes": "Advice at the GP."}, Status.IN_PROGRESS),
        ({"summary_inequalities": "A", "summary_changes": "B", "summary_uncertainties": "  "}, Status.IN_PROGRESS),
        ({"summary_inequalities": "A", "summary_changes": "B", "summary_uncertainties": "C"}, Status.COMPLETED),
    ],
)
def test_the_summary_of_findings_is_completed_when_all_three_answers_are_written(written, expected):
    assert summary_status(Assessment(**DETAILS | written)) == expected


def test_the_summary_of_findings_does_not_change_the_assessments_own_status(alice_client, assessment):
    written = {"summary_inequalities": "A", "summary_changes": "B", "summary_uncertainties": "C"}
    alice_client.post(reverse("assessment_summary", args=[assessment.pk]), written)
    state = assessment_progress(Assessment.objects.get(pk=assessment.pk))
    assert (state.status, state.summary_status) == (Status.NOT_STARTED, Status.COMPLETED)
