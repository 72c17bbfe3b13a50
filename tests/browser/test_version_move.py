"""In Chromium: the owner sees a newer toolkit version offered, reads the preview, moves the
assessment (a double click moves it once), and finds the kept answer on the task list."""

import pytest
from playwright.sync_api import Page, expect

from assessments.models import AnswerRevision, Assessment
from assessments.services import section_answers_save
from assessments.version_move import KEPT_HEADING
from tests.browser.conftest import sign_in_context
from tests.versions import publish_revised_version

pytestmark = pytest.mark.browser


def test_the_owner_moves_to_a_newer_version_and_keeps_every_answer(page: Page, live_server, alice, assessment):
    section_2 = assessment.toolkit_version.sections.get(number=2)
    values = {"s2_theory_of_change": "Advice raises income.", "s2_barriers": "Costs and travel."}
    section_answers_save(assessment=assessment, section=section_2, values=values, user=alice)
    publish_revised_version()
    sign_in_context(page.context, live_server, alice)

    page.goto(f"/assessments/{assessment.pk}/")
    page.get_by_role("link", name="See what moving this assessment to version 2027.1 changes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Move to version 2027.1 of the toolkit")
    expect(page.get_by_role("heading", name="Answers that carry over (1)")).to_be_visible()
    expect(page.get_by_text("Version 2027.1 does not ask this question.")).to_be_visible()

    page.get_by_role("button", name="Move to version 2027.1").dblclick()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "This assessment now uses version 2027.1 of the toolkit. 1 answer carried over."
    )
    expect(page.get_by_role("heading", name=KEPT_HEADING)).to_be_visible()
    expect(page.get_by_text("Costs and travel.")).to_be_visible()

    assessment = Assessment.objects.get(pk=assessment.pk)
    assert assessment.toolkit_version.label == "2027.1"
    moves = AnswerRevision.objects.filter(answer__assessment=assessment, kind__in=["move", "kept"])
    assert moves.count() == 2  # once for each answer, however often the button was pressed
