"""Check your answers, as assessments/presenters.py builds it: each question's row, what it
says, and the change links that go to the question's own field and come back.

Section 1 of the shipped toolkit: 1.1 to 1.6 are required text, 1.4a is an optional checklist.
"""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from assessments.answer_types import rules_for
from assessments.presenters import StatusTag, status_tag
from assessments.progress import Status
from tests.helpers import answer_for, section_post_data, summary_rows, task_list_row


@pytest.fixture
def section1(assessment):
    return assessment.toolkit_version.sections.get(number=1)


def check_page(client, assessment, number: int = 1) -> str:
    response = client.get(reverse("section_check", args=[assessment.pk, number]))
    assert response.status_code == 200
    return response.content.decode()


def field_tag(page: str, field_id: str) -> str:
    """The input or textarea tag with this id on a page ("" if there is none)."""
    found = re.search(rf'<(?:input|textarea|select)\b[^>]*\bid="{field_id}"[^>]*>', page)
    return found[0] if found else ""


def test_change_links_go_to_each_questions_own_field_and_back_to_the_check_page(alice_client, assessment, section1):
    alice_client.post(reverse("section", args=[assessment.pk, 1]), section_post_data(section1))
    check_url = reverse("section_check", args=[assessment.pk, 1])
    rows = summary_rows(check_page(alice_client, assessment))
    questions = list(section1.questions.all())
    assert [row.key for row in rows] == [
        f"{q.number} {q.text}" + ("" if q.required else " (optional)") for q in questions
    ]
    for question, row in zip(questions, rows, strict=True):
        assert row.action == f"Change question {question.number}"
        link = urlsplit(row.href)
        assert link.path == reverse("section", args=[assessment.pk, 1])
        assert parse_qs(link.query) == {"return_url": [check_url]}
        # The fragment is the id of this question's first input on the section page.
        section_page = alice_client.get(f"{link.path}?{link.query}").content.decode()
        assert f'name="{question.key}"' in field_tag(section_page, link.fragment), row.href
        # Saving from there comes back to the check page.
        response = alice_client.post(f"{link.path}?{link.query}", section_post_data(section1))
        assert response.status_code == 302 and response["Location"] == check_url


def test_unanswered_questions_say_answer_and_answered_ones_show_the_answer(alice_client, assessment, section1):
    problem = section1.questions.get(key="s1_problem")
    dimensions = section1.questions.get(key="s1_dimensions")
    data = {"s1_problem": answer_for(problem), "s1_dimensions": answer_for(dimensions), "continue": ""}
    alice_client.post(reverse("section", args=[assessment.pk, 1]), data)
    rows = {row.key.split()[0]: row for row in summary_rows(check_page(alice_client, assessment))}
    assert rows["1.1"].action == "Change question 1.1"
    assert rows["1.1"].value == " ".join(str(answer_for(problem)).split())
    assert rows["1.4a"].action == "Change question 1.4a"
    for number in ["1.2", "1.3", "1.4", "1.5", "1.6"]:
        assert rows[number].value == "Not answered"
        assert rows[number].action == f"Answer question {number}"


def test_chosen_options_are_listed_in_the_order_the_question_gives_them(alice_client, assessment, section1):
    question = section1.questions.get(key="s1_dimensions")
    first, second, last = question.choices[0], question.choices[1], question.choices[-1]
    data = {"s1_dimensions": [last["value"], first["value"], second["value"]], "continue": ""}
    alice_client.post(reverse("section", args=[assessment.pk, 1]), data)
    page = check_page(alice_client, assessment)
    row = next(row for row in summary_rows(page) if row.key.startswith("1.4a "))
    assert row.value == f"{first['label']} {second['label']} {last['label']}"


def test_missing_required_answers_link_to_their_own_fields(alice_client, assessment):
    section3 = assessment.toolkit_version.sections.get(number=3)
    response = alice_client.post(reverse("section_complete", args=[assessment.pk, 3]))
    page = response.content.decode()
    assert response.status_code == 200
    links = {text: href for href, text in re.findall(r'<li><a href="([^"]*)">(Answer question [^<]*)</a></li>', page)}
    required = section3.questions.filter(required=True)
    assert set(links) == {f"Answer question {q.number}" for q in required}
    section_page = alice_client.get(reverse("section", args=[assessment.pk, 3])).content.decode()
    for question in required:
        link = urlsplit(links[f"Answer question {question.number}"].replace("&amp;", "&"))
        assert link.path == reverse("section", args=[assessment.pk, 3])
        assert f'name="{question.key}"' in field_tag(section_page, link.fragment), question.key


def test_a_choice_questions_anchor_is_its_first_option_and_a_text_questions_is_its_box(section1):
    # crispy-forms-gds numbers radios and checkboxes from 1; the page test above proves the ids exist.
    dimensions = section1.questions.get(key="s1_dimensions")
    problem = section1.questions.get(key="s1_problem")
    assert rules_for(dimensions).anchor(dimensions) == "id_s1_dimensions_1"
    assert rules_for(problem).anchor(problem) == "id_s1_problem"


def test_statuses_have_their_own_tag_colours_and_completed_is_plain_text():
    assert status_tag(Status.NOT_STARTED) == StatusTag("Not started", "govuk-tag govuk-tag--blue")
    assert status_tag(Status.IN_PROGRESS) == StatusTag("In progress", "govuk-tag govuk-tag--light-blue")
    assert status_tag(Status.COMPLETED) == StatusTag("Completed", "")
    assert StatusTag("Optional").css_class == "govuk-tag govuk-tag--grey"


def test_the_introduction_is_optional_and_the_report_and_export_are_available(alice_client, assessment):
    page = alice_client.get(reverse("assessment_task_list", args=[assessment.pk])).content.decode()
    assert task_list_row(page, "introduction").status == "Optional"
    assert task_list_row(page, "report").status == "Available"
    assert task_list_row(page, "export").status == "Available"
    assert task_list_row(page, "export").tag_class == "govuk-tag govuk-tag--grey"


def test_the_summary_task_comes_first_in_finish_with_its_status_tag(alice_client, assessment):
    page = alice_client.get(reverse("assessment_task_list", args=[assessment.pk])).content.decode()
    row = task_list_row(page, "summary")
    assert row.title == "Summarise your findings"
    assert row.href == reverse("assessment_summary", args=[assessment.pk])
    assert row.hint == "Three short answers, printed first in your report."
    assert (row.status, row.tag_class) == ("Not started", "govuk-tag govuk-tag--blue")
    finish = page[page.index("3. Finish") :]
    assert finish.index('id="summary-status"') < finish.index('id="report-status"') < finish.index('id="export-status"')
