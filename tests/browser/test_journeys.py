"""Real-browser journeys: mouse, no JavaScript, keyboard only, and error handling."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User
from assessments.models import Answer, Assessment
from tests.browser.conftest import sign_in_context
from tests.browser.flows import answer_question, answer_text_for, create_assessment, question_field, sign_in, sign_up
from tests.report_helpers import pdf_text, squash

pytestmark = pytest.mark.browser

PASSWORD = "a-long-memorable-passphrase"


def section_questions(toolkit_version, number: int) -> list:
    return list(toolkit_version.sections.get(number=number).questions.all())


def test_assessor_completes_section_1_and_downloads_the_report(page: Page, toolkit_version, report_worker):
    sign_up(page, name="Sam Lee", email="sam@example.org", password=PASSWORD)
    create_assessment(page, "Welfare advice in GP practices")

    page.get_by_role("link", name="1. Understand the inequalities").click()
    questions = section_questions(toolkit_version, 1)
    for question in questions:
        answer_question(page, question)
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
    expect(page.get_by_text(answer_text_for(questions[0]))).to_be_visible()

    # Change an answer from check-your-answers and come back to it.
    second = questions[1]
    page.get_by_role("link", name=f"Change question {second.number}").click()
    field = question_field(page, second)
    expect(field).to_be_visible()
    field.fill("A changed answer about who is affected most.")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
    expect(page.get_by_text("A changed answer about who is affected most.")).to_be_visible()

    page.get_by_role("button", name="Mark this section as complete").click()
    expect(page.get_by_text("Section 1 marked as complete.")).to_be_visible()
    row = page.locator(".govuk-task-list__item", has_text="1. Understand the inequalities")
    expect(row.get_by_text("Completed", exact=True)).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, email="sam@example.org", password=PASSWORD)
    page.get_by_role("link", name="Welfare advice in GP practices", exact=True).click()
    page.get_by_role("link", name="Review and download your report").click()
    # Made by the worker: the page that says it is being prepared downloads it when it is ready.
    with page.expect_download(timeout=120_000) as download_info:
        page.get_by_role("button", name="Download the report (PDF)").click()
        expect(page.get_by_role("heading", name="Your report is being prepared")).to_be_visible()
    download = download_info.value
    expect(page.get_by_role("status")).to_contain_text("Your report (PDF) is ready. It is downloading now.")
    assert re.fullmatch(
        r"welfare-advice-in-gp-practices-hiat-report-\d{4}-\d{2}-\d{2}\.pdf", download.suggested_filename
    )
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"%PDF")
    text = squash(pdf_text(data))
    assert squash("A changed answer about who is affected most.") in text
    for question in questions:
        if question.answer_type == "long_text" and question != second:
            assert squash(answer_text_for(question)) in text


def test_section_completed_with_javascript_disabled(no_js_page: Page, alice, toolkit_version):
    page = no_js_page
    alice.set_password(PASSWORD)
    alice.save()
    sign_in(page, email=alice.email, password=PASSWORD)
    assert "govuk-frontend-supported" not in (page.locator("body").get_attribute("class") or "")
    create_assessment(page, "Falls prevention")
    page.get_by_role("link", name="1. Understand the inequalities").click()
    # Details open and close without JavaScript (they are native <details> elements).
    page.get_by_text("Guidance for this section").click()
    questions = section_questions(toolkit_version, 1)
    for question in questions:
        answer_question(page, question)
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("button", name="Mark this section as complete").click()
    expect(page.get_by_text("Section 1 marked as complete.")).to_be_visible()
    assessment = Assessment.objects.get()
    assert assessment.completions.count() == 1
    assert Answer.objects.filter(assessment=assessment).count() == len(questions)


FOCUS_VISIBLE_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {tag: 'BODY', visible: false};
  // GOV.UK radios and checkboxes hide the input and draw focus on the label's ::before box.
  const custom = (el.type === 'radio' || el.type === 'checkbox') && el.labels && el.labels[0];
  const s = custom ? getComputedStyle(el.labels[0], '::before') : getComputedStyle(el);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
  const shadow = s.boxShadow && s.boxShadow !== 'none';
  const highlight = s.backgroundColor === 'rgb(255, 221, 0)';
  const label = (el.labels && el.labels[0] ? el.labels[0].innerText : (el.innerText || el.value || '')).trim();
  return {tag: el.tagName, label, visible: outline || shadow || highlight};
}"""


def tab_to(page: Page, matches, *, limit: int = 200, backwards: bool = False) -> dict:
    """Press Tab until the focused element matches; every focused element must show focus."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        focused = page.evaluate(FOCUS_VISIBLE_JS)
        if focused["tag"] == "BODY":  # focus left the page (browser chrome) between the last and first element
            continue
        assert focused["visible"], f"No visible focus indicator on {focused}"
        if matches(focused):
            return focused
    raise AssertionError("Never reached the element by keyboard")


def starts_with(text: str):
    return lambda focused: focused["label"].startswith(text)


def test_section_completed_with_the_keyboard_only(page: Page, alice, toolkit_version):
    alice.set_password(PASSWORD)
    alice.save()
    page.goto("/accounts/login/")
    tab_to(page, starts_with("Email address"))
    page.keyboard.type(alice.email)
    tab_to(page, starts_with("Password"))
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your assessments")).to_be_visible()

    tab_to(page, starts_with("Start a new assessment"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Start a new assessment")).to_be_visible()
    tab_to(page, starts_with("Project title"))
    page.keyboard.type("Keyboard project")
    tab_to(page, starts_with("Organisation"))
    page.keyboard.type("Eastborough Council")
    tab_to(page, starts_with("Evaluation of an intervention"))
    page.keyboard.press("Space")
    tab_to(page, starts_with("Create assessment"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Keyboard project")).to_be_visible()

    tab_to(page, starts_with("1. Understand the inequalities"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile("^Section 1"))).to_be_visible()
    questions = section_questions(toolkit_version, 1)
    for question in questions:
        if question.answer_type == "long_text":
            tab_to(page, starts_with(f"{question.number} "))
            page.keyboard.type(f"Typed answer {question.number}")
        else:
            for choice in question.choices[:2]:
                tab_to(page, starts_with(choice["label"]))
                page.keyboard.press("Space")
    # Shift+Tab back to the last question, then forward again to the button.
    tab_to(page, starts_with(f"{questions[-2].number} "), backwards=True)
    tab_to(page, starts_with("Save and continue"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
    tab_to(page, starts_with("Mark this section as complete"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Section 1 marked as complete.")).to_be_visible()

    assessment = Assessment.objects.get(title="Keyboard project")
    assert assessment.completions.count() == 1
    answers = {a.question.key: a for a in Answer.objects.filter(assessment=assessment)}
    assert len(answers) == len(questions)
    for question in questions:
        if question.answer_type == "long_text":
            assert answers[question.key].text == f"Typed answer {question.number}"
        else:
            assert len(answers[question.key].selected) >= 1


def test_invalid_submission_focuses_the_error_summary_and_links_to_fields(page: Page, alice, toolkit_version):
    alice.set_password(PASSWORD)
    alice.save()
    sign_in(page, email=alice.email, password=PASSWORD)
    page.get_by_role("button", name="Start a new assessment").click()
    page.get_by_label("Project title").fill("")
    page.get_by_role("button", name="Create assessment").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    assert page.title().startswith("Error: ")
    links = summary.get_by_role("link")
    expected = ["Enter a title for the project", "Enter the organisation or organisations", "Select the type of work"]
    assert links.all_inner_texts() == expected
    for name in expected:
        page.get_by_role("link", name=name).click()
        href = page.get_by_role("link", name=name).get_attribute("href")
        assert href is not None
        target = href.lstrip("#")
        assert page.evaluate("document.activeElement.id") == target

    # A section answer over the limit: the same pattern, and the typed text is kept.
    page.get_by_label("Project title").fill("Limits")
    page.get_by_label("Organisation or organisations").fill("Council")
    page.get_by_label("Service change").check()
    page.get_by_role("button", name="Create assessment").click()
    page.get_by_role("link", name="1. Understand the inequalities").click()
    question = section_questions(toolkit_version, 1)[0]
    too_long = "x" * 20_001
    question_field(page, question).fill(too_long)
    page.get_by_role("button", name="Save and continue").click()
    expect(summary).to_be_focused()
    link = summary.get_by_role("link", name=f"Your answer to {question.number} must be")
    link.click()
    expect(question_field(page, question)).to_be_focused()
    assert question_field(page, question).input_value() == too_long
    assert not User.objects.filter(email="nobody").exists()


def test_too_long_answer_without_javascript_is_kept_with_a_message(no_js_page: Page, alice, toolkit_version):
    page = no_js_page
    alice.set_password(PASSWORD)
    alice.save()
    sign_in(page, email=alice.email, password=PASSWORD)
    create_assessment(page, "Long answers")
    page.get_by_role("link", name="1. Understand the inequalities").click()
    question = section_questions(toolkit_version, 1)[0]
    too_long = "y" * 20_050
    question_field(page, question).fill(too_long)
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("link", name=f"Your answer to {question.number} must be")).to_be_visible()
    assert question_field(page, question).input_value() == too_long


def test_printing_the_report_preview_prints_the_report_alone(page: Page, context, live_server, alice, assessment):
    sign_in_context(context, live_server, alice)
    page.goto(f"{live_server.url}/assessments/{assessment.pk}/report/")
    download = page.get_by_role("button", name="Download the report (PDF)")
    expect(download).to_be_visible()
    page.emulate_media(media="print")
    expect(page.get_by_role("heading", level=1, name=assessment.title)).to_be_visible()
    expect(page.get_by_role("heading", name="Section 1. Understand the inequalities")).to_be_visible()
    for chrome in (download, page.locator(".govuk-header"), page.locator(".govuk-footer")):
        expect(chrome).to_be_hidden()
    expect(page.get_by_role("link", name="Back to task list")).to_be_hidden()
