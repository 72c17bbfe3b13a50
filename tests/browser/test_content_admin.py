"""An administrator revises the toolkit in the admin: a draft, a reworded and a moved question,
published; new assessments get the new version, older ones and their reports keep theirs."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.models import User
from assessments.models import Assessment
from assessments.services import assessment_create, section_answers_save
from tests.browser.conftest import sign_in_context
from tests.browser.flows import create_assessment
from tests.browser.test_accessibility import assert_no_axe_violations
from tests.conftest import DETAILS, PASSWORD, client_for
from tests.helpers import answer_for, download_report
from tests.report_helpers import pdf_text, squash
from toolkit_content.models import Question, ToolkitVersion

pytestmark = pytest.mark.browser

REWORDED = "Which groups in your area feel this problem most, and how do you know?"


def _scan(page: Page) -> None:
    # Django's admin is held to WCAG 2.2 AA; our page-structure rules are for the service's pages.
    assert_no_axe_violations(page, structure=False, preload=False)


def _run_action(page: Page, version: ToolkitVersion, action: str) -> None:
    page.goto("/admin/toolkit_content/toolkitversion/")
    page.get_by_role("checkbox", name=f"Select this object for an action - {version}").check()
    page.get_by_label("Action:").select_option(label=action)
    page.get_by_role("button", name="Go").click()


def _question_labels(page: Page) -> list[str]:
    return [text.strip() for text in page.locator("form .govuk-label, form .govuk-fieldset__legend").all_inner_texts()]


def test_admin_rewords_and_moves_a_question_and_publishes(page: Page, context, live_server, alice, toolkit_version):
    older = assessment_create(owner=alice, details=dict(DETAILS))
    section_1 = toolkit_version.sections.get(number=1)
    section_answers_save(
        assessment=older,
        section=section_1,
        values={q.key: answer_for(q) for q in section_1.questions.all()},
        user=alice,
    )
    first, second = list(section_1.questions.all())[:2]
    admin = User.objects.create_superuser("sam@example.org", PASSWORD, display_name="Sam Admin")
    sign_in_context(context, live_server, admin)

    # A new draft from the published version.
    page.goto("/admin/toolkit_content/toolkitversion/")
    expect(page.get_by_role("heading", name="Select toolkit version to change")).to_be_visible()
    _scan(page)
    _run_action(page, toolkit_version, "Create a new draft from the selected version")
    expect(page.get_by_text("Created the draft")).to_be_visible()
    draft = ToolkitVersion.objects.get(status=ToolkitVersion.Status.DRAFT)
    expect(page.get_by_text("Yes: no problems found.")).to_be_visible()
    _scan(page)

    # Section 1 of the draft: reword 1.2, move it above 1.1 and renumber the two (the check
    # refuses numbers that read out of order).
    page.locator("tr", has_text="Understand the inequalities").get_by_role("link", name="Change").click()
    expect(page.get_by_role("heading", name="Change section")).to_be_visible()
    _scan(page)
    page.locator("#id_questions-1-text").fill(REWORDED)
    page.locator("#questions-1").get_by_role("button", name="Move to first position").click()
    page.locator("#id_questions-1-number").fill(first.number)
    page.locator("#id_questions-0-number").fill(second.number)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("was changed successfully")).to_be_visible()
    _scan(page)
    keys = list(Question.objects.filter(section__version=draft, section__number=1).values_list("key", flat=True))
    assert keys[:2] == [second.key, first.key]

    # The published version is read-only: no save button, no fields.
    page.goto(reverse("admin:toolkit_content_section_change", args=[section_1.pk]))
    expect(page.get_by_role("heading", name="View section")).to_be_visible()
    expect(page.get_by_role("button", name="Save", exact=True)).to_have_count(0)

    # Publish.
    _run_action(page, draft, "Publish the selected draft (new assessments start on it)")
    expect(page.get_by_text("Publishing cannot be undone")).to_be_visible()
    page.get_by_role("button", name=f"Publish {draft.label}").click()
    expect(page.get_by_text(f"Published {draft.toolkit.short_name} {draft.label}")).to_be_visible()
    _scan(page)
    draft.refresh_from_db()
    assert draft.status == ToolkitVersion.Status.PUBLISHED

    # A new assessment: the new wording and order.
    context.clear_cookies()
    sign_in_context(context, live_server, alice)
    page.goto("/assessments/")
    create_assessment(page, "A new assessment after the revision")
    newer = Assessment.objects.get(title="A new assessment after the revision")
    assert newer.toolkit_version == draft
    page.goto(f"/assessments/{newer.pk}/sections/1/")
    labels = _question_labels(page)
    assert labels[0] == f"{first.number} {REWORDED}" and labels[1] == f"{second.number} {first.text}"

    # The older assessment, its page and its report: as they were asked.
    page.goto(f"/assessments/{older.pk}/sections/1/")
    labels = _question_labels(page)
    assert labels[0] == f"{first.number} {first.text}" and labels[1] == f"{second.number} {second.text}"
    page.goto(f"/assessments/{older.pk}/report/")
    expect(page.get_by_text(second.text).first).to_be_visible()
    expect(page.get_by_text(REWORDED)).to_have_count(0)
    pdf = download_report(client_for(alice), reverse("assessment_report_pdf", args=[older.pk]))
    text = squash(pdf_text(pdf.content))
    assert squash(f"{second.number} {second.text}") in text and squash(REWORDED) not in text
    assert text.index(squash(first.text)) < text.index(squash(second.text))
