"""Hostile and accidental input: a clear message, never a server error, nothing saved lost."""

from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from assessments.models import Answer, Assessment
from assessments.services import assessment_create
from tests.conftest import DETAILS
from tests.helpers import details_post_data, error_summary, section_post_data
from tests.test_section_page import content_with
from toolkit_content.loader import toolkit_load


@pytest.fixture
def section1(assessment):
    return assessment.toolkit_version.sections.get(number=1)


@pytest.fixture
def first_text_question(section1):
    return section1.questions.filter(answer_type="long_text").first()


def test_answer_over_20000_characters_is_refused_and_kept_in_the_form(
    alice_client, assessment, section1, first_text_question
):
    url = reverse("section", args=[assessment.pk, 1])
    alice_client.post(url, section_post_data(section1))
    saved = Answer.objects.get(question=first_text_question).text

    data = section_post_data(section1)
    too_long = "word " * 4001  # 20,005 characters
    data[first_text_question.key] = too_long
    response = alice_client.post(url, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert f"Your answer to {first_text_question.number} must be 20,000 characters or fewer" in page
    assert too_long.strip() in page  # the text stays in the box
    assert Answer.objects.get(question=first_text_question).text == saved  # nothing saved was lost


def test_answer_of_exactly_400_lines_is_accepted_whatever_the_line_endings(
    alice_client, assessment, section1, first_text_question
):
    data = section_post_data(section1)
    # Windows line endings, a blank line among them, and a trailing line break the save drops.
    data[first_text_question.key] = "Point one\r\n\r\n" + "Another point\r\n" * 398
    response = alice_client.post(reverse("section", args=[assessment.pk, 1]), data)
    assert response.status_code == 302
    assert Answer.objects.get(question=first_text_question).text.count("\n") == 399


@pytest.mark.parametrize(
    "text, lines",
    [
        ("Another point\n" * 400 + "One too many", 401),
        ("Point\r" * 400 + "Point", 401),  # old Mac line endings are line breaks too
        ("Start" + "\n" * 400 + "End", 401),  # a wall of blank lines prints as pages too
    ],
    ids=["lines", "carriage-returns", "blank-lines"],
)
def test_answer_over_400_lines_is_refused_and_kept_in_the_form(
    alice_client, assessment, section1, first_text_question, text, lines
):
    url = reverse("section", args=[assessment.pk, 1])
    alice_client.post(url, section_post_data(section1))
    saved = Answer.objects.get(question=first_text_question).text

    data = section_post_data(section1)
    data[first_text_question.key] = text
    response = alice_client.post(url, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and "<title>Error:" in page
    assert (
        f"Your answer to {first_text_question.number} must be 400 lines or fewer, counting blank lines "
        f"(you have {lines})" in page
    )
    assert text in page  # the text stays in the box, as typed
    assert Answer.objects.get(question=first_text_question).text == saved  # nothing saved was lost


def test_project_description_over_400_lines_is_refused(alice_client, assessment):
    description = "A line of description\n" * 401
    response = alice_client.post(
        reverse("assessment_details", args=[assessment.pk]), details_post_data(description=description)
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Short description must be 400 lines or fewer (it has 401 lines)" in page
    assert description.rstrip() in page
    assessment.refresh_from_db()
    assert assessment.description == DETAILS["description"]


INVISIBLE_TITLES = {
    "zero-width-spaces": "\u200b\u200b\u200b",
    "byte-order-mark": "\ufeff",
    "word-joiner": "\u2060\u2060",
    "non-breaking-spaces": "\u00a0\u00a0",
    "unicode-spaces": "\u2003\u2009\u3000\u202f",
    "lone-combining-marks": "\u0301\u0308\u20dd",
    "format-characters": "\u200e\u200f\u202e\u2066\u00ad",
    "hangul-filler-and-braille-blank": "\u3164\u2800",
    "mixed": " \u200b\u00a0\u0301\ufeff ",
}


@pytest.mark.parametrize("title", INVISIBLE_TITLES.values(), ids=INVISIBLE_TITLES.keys())
def test_a_title_of_invisible_characters_counts_as_empty(alice_client, assessment, title):
    for url in [reverse("assessment_new"), reverse("assessment_details", args=[assessment.pk])]:
        response = alice_client.post(url, details_post_data(title=title))
        page = response.content.decode()
        assert response.status_code == 200, url
        assert "There is a problem" in page and "Enter a title for the project" in page, url
        assert f'value="{title}"' in page, url  # what was typed stays in the box
    assert list(Assessment.objects.values_list("title", flat=True)) == [DETAILS["title"]]


def test_a_title_with_visible_text_among_invisible_characters_is_kept(alice_client, toolkit_version):
    response = alice_client.post(reverse("assessment_new"), details_post_data(title="\u200bCaf\u0065\u0301 review"))
    assert response.status_code == 302
    assert Assessment.objects.get().title == "\u200bCaf\u0065\u0301 review"


def test_inputs_have_no_maxlength_that_would_silently_cut_pasted_text(alice_client, assessment):
    for path in [reverse("section", args=[assessment.pk, 1]), reverse("assessment_details", args=[assessment.pk])]:
        assert " maxlength=" not in alice_client.get(path).content.decode()  # data-maxlength is the counter's


def test_exactly_20000_characters_is_accepted(alice_client, assessment, section1, first_text_question):
    data = section_post_data(section1)
    data[first_text_question.key] = "x" * 20_000
    response = alice_client.post(reverse("section", args=[assessment.pk, 1]), data)
    assert response.status_code == 302
    assert len(Answer.objects.get(question=first_text_question).text) == 20_000


def test_nul_and_control_characters_are_removed(alice_client, assessment, section1, first_text_question):
    data = section_post_data(section1)
    data[first_text_question.key] = "Line one\x00\x07\x1b\r\nLine two\u0085\tend"
    response = alice_client.post(reverse("section", args=[assessment.pk, 1]), data)
    assert response.status_code == 302
    assert Answer.objects.get(question=first_text_question).text == "Line one\nLine two\tend"


def test_nul_in_project_details_is_removed(alice_client, toolkit_version):
    response = alice_client.post(reverse("assessment_new"), details_post_data(title="Clinic\x00 review"))
    assert response.status_code == 302
    assert Assessment.objects.get().title == "Clinic review"


def test_html_and_script_are_shown_as_text(alice_client, assessment, section1, first_text_question):
    data = section_post_data(section1)
    data[first_text_question.key] = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    alice_client.post(reverse("section", args=[assessment.pk, 1]), data)
    for name in ["section", "section_check"]:
        page = alice_client.get(reverse(name, args=[assessment.pk, 1])).content.decode()
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert" in page
    alice_client.post(reverse("assessment_details", args=[assessment.pk]), details_post_data(title="<b>bold</b>"))
    assert "&lt;b&gt;bold&lt;/b&gt;" in alice_client.get(reverse("assessment_list")).content.decode()


def test_unknown_choice_value_is_a_clear_error(alice_client, assessment, section1):
    question = section1.questions.filter(answer_type="multiple_choice").first()
    data = section_post_data(section1)
    data[question.key] = ["not-a-choice"]
    response = alice_client.post(reverse("section", args=[assessment.pk, 1]), data)
    assert response.status_code == 200
    assert f"Select an answer to {question.number} from the list" in response.content.decode()


def test_empty_section_post_saves_nothing_and_does_not_fail(alice_client, assessment):
    response = alice_client.post(reverse("section", args=[assessment.pk, 1]), {"continue": ""})
    assert response.status_code == 302
    assert not Answer.objects.exists()


def test_double_submit_saves_once(alice_client, assessment, section1):
    url = reverse("section", args=[assessment.pk, 1])
    alice_client.post(url, section_post_data(section1))
    revision = Assessment.objects.get().revision
    alice_client.post(url, section_post_data(section1))
    assert Assessment.objects.get().revision == revision
    assert Answer.objects.count() == section1.questions.count()
    alice_client.post(reverse("section_complete", args=[assessment.pk, 1]))
    alice_client.post(reverse("section_complete", args=[assessment.pk, 1]))
    assert assessment.completions.count() == 1


def test_expired_session_sends_to_sign_in_and_keeps_saved_answers(alice_client, assessment, section1):
    url = reverse("section", args=[assessment.pk, 1])
    alice_client.post(url, section_post_data(section1))
    alice_client.logout()
    response = alice_client.post(url, {"continue": ""})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert Answer.objects.count() == section1.questions.count()


def test_csrf_is_enforced(alice, assessment, section1):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post(reverse("section", args=[assessment.pk, 1]), section_post_data(section1))
    assert response.status_code == 403
    assert "Anything you saved before is still there" in response.content.decode()
    assert not Answer.objects.exists()


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"title": ""}, "Enter a title for the project"),
        ({"title": "x" * 201}, "Project title must be 200 characters or fewer"),
        ({"work_type": ""}, "Select the type of work"),
        ({"work_type": "astrology"}, "Select the type of work"),
        ({"work_type": "other", "work_type_other": ""}, "Enter the type of work"),
        (
            {"start_date_0": "31", "start_date_1": "2", "start_date_2": "2027"},
            "Enter a real date, for example 27 3 2027",
        ),
        (
            {"start_date_0": "1", "start_date_1": "1", "start_date_2": "99999999999"},
            "Enter a real date, for example 27 3 2027",
        ),
        ({"review_date_2": "2026"}, "The review date must be the same as or after the start date"),
    ],
    ids=[
        "no-title",
        "long-title",
        "no-type",
        "unknown-type",
        "other-type-blank",
        "31-february",
        "huge-year",
        "review-first",
    ],
)
def test_project_details_errors_are_clear(alice_client, toolkit_version, overrides, message):
    response = alice_client.post(reverse("assessment_new"), details_post_data(**overrides))
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error:" in page
    assert error_summary(page) == [message]
    assert not Assessment.objects.exists()


def test_new_assessment_without_published_toolkit_says_so(alice_client, db):
    response = alice_client.post(reverse("assessment_new"), details_post_data())
    assert response.status_code == 503
    assert "toolkit content is not available yet" in response.content.decode()


def test_a_30_question_section_of_maximum_length_non_latin_answers_saves(alice, alice_client):
    # What a browser sends: URL-encoded, 12 bytes per emoji, about 7 MB in all.
    content = content_with(30, "big")
    for question in content["sections"][0]["questions"]:
        question.update(answer_type="long_text", choices=[], group="")
    toolkit_load(content=content)
    assessment = assessment_create(owner=alice, details=dict(DETAILS))
    longest = "😀" * 20_000
    data = {f"q{i}": longest for i in range(30)} | {"continue": ""}
    body = urlencode(data)
    assert len(body) > 7_000_000
    response = alice_client.post(
        reverse("section", args=[assessment.pk, 1]), body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 302
    assert Answer.objects.filter(assessment=assessment, text=longest).count() == 30


def test_undecodable_request_gets_a_friendly_400(alice_client, assessment):
    response = alice_client.post(
        reverse("section", args=[assessment.pk, 1]),
        data=b"x" * 10,
        content_type="multipart/form-data; boundary=",
    )
    assert response.status_code == 400
    assert "could not read that request" in response.content.decode()
