"""The section page: what it shows, and a constant number of queries however many questions."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Assessment
from assessments.services import assessment_create
from tests.conftest import DETAILS
from toolkit_content.loader import toolkit_load


def content_with(n_questions: int, label: str) -> dict:
    questions = [
        {
            "key": f"q{i}",
            "number": f"1.{i}",
            "text": f"Question {i}?",
            "hint": "",
            "answer_type": ["long_text", "single_choice", "multiple_choice"][i % 3],
            "required": True,
            "role": "",
            "group": "Parts" if i >= n_questions - 2 else "",
            "choices": [] if i % 3 == 0 else [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}],
        }
        for i in range(n_questions)
    ]
    return {
        "toolkit": {
            "slug": "hiat",
            "name": "HIAT",
            "short_name": "HIAT",
            "attribution": "Adapted.",
            "attribution_url": "",
        },
        "version": {"label": label, "notes": ""},
        "project_details_guidance": "",
        "introduction": [],
        "sections": [
            {
                "number": 1,
                "title": "One",
                "purpose": "Purpose.",
                "guidance": "Guidance.",
                "working_example": {"title": "Example", "body": "Body."},
                "resources": [{"title": "R", "who": "W", "year": 2020, "url": "https://example.org/"}],
                "questions": questions,
            }
        ],
    }


def assessment_with_every_question_answered(client, user, n_questions: int) -> Assessment:
    """A new assessment on a one-section toolkit of n questions, every one answered through the page."""
    toolkit_load(content=content_with(n_questions, f"v{n_questions}"))
    assessment = assessment_create(owner=user, details=dict(DETAILS))
    data: dict[str, object] = {f"q{i}": [f"Answer to q{i}.", "a", ["a", "b"]][i % 3] for i in range(n_questions)}
    data["continue"] = ""
    response = client.post(reverse("section", args=[assessment.pk, 1]), data)
    assert response.status_code == 302, "every answer should have been accepted"
    assert assessment.answers.count() == n_questions
    return assessment


def queries_to_show(client, url: str, *seen: str) -> int:
    """The queries a GET of url runs, once the page is shown with everything in seen on it."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 200, url
    for text in seen:
        assert text in page, f"{text!r} is not on {url}"
    return len(ctx.captured_queries)


def what_a_person_sees(n_questions: int) -> list[str]:
    """Every question's text and every written answer (choice labels are too short to find)."""
    return [f"Question {i}?" for i in range(n_questions)] + [f"Answer to q{i}." for i in range(0, n_questions, 3)]


def test_section_page_runs_the_same_queries_for_3_or_30_questions(alice, alice_client):
    def section_queries(n: int) -> int:
        assessment = assessment_with_every_question_answered(alice_client, alice, n)
        url = reverse("section", args=[assessment.pk, 1])
        return queries_to_show(alice_client, url, "Section 1: One</h1>", *what_a_person_sees(n))

    assert section_queries(3) == section_queries(30)


def test_check_page_runs_the_same_queries_for_3_or_30_questions(alice, alice_client):
    def check_queries(n: int) -> int:
        assessment = assessment_with_every_question_answered(alice_client, alice, n)
        url = reverse("section_check", args=[assessment.pk, 1])
        return queries_to_show(alice_client, url, "Check your answers</h1>", *what_a_person_sees(n))

    assert check_queries(3) == check_queries(30)


def test_section_page_shows_purpose_guidance_example_resources_and_hints(alice_client, assessment):
    section = assessment.toolkit_version.sections.get(number=4)
    page = alice_client.get(reverse("section", args=[assessment.pk, 4])).content.decode()
    assert section.title in page and "govuk-details" in page
    assert "Working example" in page and "Resources for this section" in page
    for question in section.questions.all():
        assert question.number in page
    group = section.questions.exclude(group="").first().group
    assert "<legend" in page and group[:40] in page
    assert "Save and continue" in page and "Save and come back later" in page


def test_hint_is_tied_to_its_field(alice_client, assessment):
    question = (
        assessment.toolkit_version.sections.get(number=1)
        .questions.exclude(hint="")
        .filter(answer_type="long_text")
        .first()
    )
    page = alice_client.get(reverse("section", args=[assessment.pk, 1])).content.decode()
    assert f'aria-describedby="id_{question.key}_hint' in page or f'aria-describedby="{question.key}_hint' in page


def test_assessments_list_runs_the_same_queries_for_2_or_12_assessments(alice, alice_client, toolkit_version):
    def list_queries(total: int) -> int:
        while alice.assessments.count() < total:
            assessment_create(owner=alice, details=dict(DETAILS))
        with CaptureQueriesContext(connection) as ctx:
            response = alice_client.get(reverse("assessment_list"))
        assert response.content.decode().count("View report") == total
        return len(ctx.captured_queries)

    assert list_queries(2) == list_queries(12)


def test_report_preview_runs_the_same_queries_for_3_or_30_questions(alice, alice_client):
    def report_queries(n: int) -> int:
        assessment = assessment_with_every_question_answered(alice_client, alice, n)
        url = reverse("assessment_report", args=[assessment.pk])
        return queries_to_show(alice_client, url, f"{DETAILS['title']}</h1>", *what_a_person_sees(n))

    assert report_queries(3) == report_queries(30)
