"""The section page: what it shows, and a constant number of queries however many questions."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

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


def queries_for_section_page(client, user, n_questions: int) -> int:
    toolkit_load(content=content_with(n_questions, f"v{n_questions}"))
    assessment = assessment_create(owner=user, details=dict(DETAILS))
    url = reverse("section", args=[assessment.pk, 1])
    # Answer every question first so the page also loads (and shows) answers.
    data = {f"q{i}": ("text" if i % 3 == 0 else ("a" if i % 3 == 1 else ["a", "b"])) for i in range(n_questions)}
    client.post(url, data)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_section_page_runs_the_same_queries_for_3_or_30_questions(alice, alice_client):
    assert queries_for_section_page(alice_client, alice, 3) == queries_for_section_page(alice_client, alice, 30)


def test_check_page_runs_the_same_queries_for_3_or_30_questions(alice, alice_client):
    def check_queries(n: int) -> int:
        queries_for_section_page(alice_client, alice, n)
        from assessments.models import Assessment

        assessment = Assessment.objects.order_by("-created_at").first()
        with CaptureQueriesContext(connection) as ctx:
            alice_client.get(reverse("section_check", args=[assessment.pk, 1]))
        return len(ctx.captured_queries)

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
        queries_for_section_page(alice_client, alice, n)
        from assessments.models import Assessment

        assessment = Assessment.objects.order_by("-created_at").first()
        with CaptureQueriesContext(connection) as ctx:
            alice_client.get(reverse("assessment_report", args=[assessment.pk]))
        return len(ctx.captured_queries)

    assert report_queries(3) == report_queries(30)
