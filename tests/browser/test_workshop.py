"""A workshop in the browser: a trainer creates it, two people join with the code (one on a
phone) and answer, the dashboard follows them without a reload, and side by side shows both
answers only once revealed. Every page passes the axe scan at desktop and phone widths."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import _checked_context, sign_in_context
from tests.browser.test_accessibility import VIEWPORTS, assert_no_axe_violations
from tests.conftest import make_trainer
from workshops.models import Workshop

pytestmark = pytest.mark.browser

SAVED = re.compile(r"^Saved at \d\d:\d\d$")
ANSWERS = {
    "Priya": "Private renters in Eastgate pay the most for the coldest homes.",
    "Olu": "Bus routes were cut in the wards with the lowest car ownership.",
}


def _scan_at_both_widths(page: Page) -> None:
    original = page.viewport_size
    assert original is not None
    for viewport in VIEWPORTS.values():
        page.set_viewport_size(viewport)
        assert_no_axe_violations(page)
    page.set_viewport_size(original)


def _join_and_answer(page: Page, *, code: str, name: str, by_link: bool) -> None:
    if by_link:  # the link under the QR code
        page.goto(f"/join/{code.replace('-', '')}/")
    else:
        page.goto("/")
        page.get_by_role("link", name="Join with the workshop code").click()
        page.get_by_label("Workshop code").fill(code.lower().replace("-", " "))
        _scan_at_both_widths(page)
        page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Join “HIAT in practice”")).to_be_visible()
    page.get_by_label("Your name").fill(name)
    _scan_at_both_widths(page)
    page.get_by_role("button", name="Join the workshop").click()
    expect(page.get_by_text("You have joined “HIAT in practice”.")).to_be_visible()
    _scan_at_both_widths(page)
    page.get_by_role("link", name="1. Understand the inequalities").click()
    field = page.locator("textarea[name=s1_problem]")
    field.fill(ANSWERS[name])
    field.blur()
    expect(page.locator("#s1_problem-autosave-status")).to_have_text(SAVED)


def test_a_workshop_from_creation_to_side_by_side(browser, page: Page, second_context, live_server, toolkit_version):
    trainer = make_trainer("tara@example.org", "Tara Trainer")
    sign_in_context(page.context, live_server, trainer)
    page.set_viewport_size(VIEWPORTS["desktop"])

    # The trainer creates the workshop.
    page.goto("/assessments/")
    page.get_by_role("link", name="Workshops").click()
    page.get_by_role("button", name="Create a workshop").click()
    page.get_by_label("Workshop name").fill("HIAT in practice")
    page.get_by_label("Day").fill("27")
    page.get_by_label("Month").fill("3")
    page.get_by_label("Year").fill("2027")
    page.get_by_label("Start time").fill("09:30")
    page.get_by_label("Individual: everyone works on their own assessment").check()
    page.get_by_label("How many people can join?").fill("30")
    page.get_by_role("button", name="Create workshop").click()
    expect(page.get_by_role("heading", name="HIAT in practice")).to_be_visible()
    code = page.locator("#join-code").inner_text().replace("Workshop code:", "").strip()
    assert code == _shown_code()
    expect(page.get_by_text("Nobody has joined yet.")).to_be_visible()
    _scan_at_both_widths(page)
    page.evaluate("window.stillTheSamePage = true")

    # Two people join: one on a laptop with the code, one on a phone with the link.
    laptop = second_context.new_page()
    laptop.set_viewport_size(VIEWPORTS["desktop"])
    _join_and_answer(laptop, code=code, name="Priya", by_link=False)
    with _checked_context(browser, live_server, viewport=VIEWPORTS["phone"], is_mobile=True, has_touch=True) as phone:
        _join_and_answer(phone.new_page(), code=code, name="Olu", by_link=True)

    # The dashboard has followed them, without a reload.
    progress = page.locator("#workshop-progress")
    expect(progress.get_by_role("row", name=re.compile("^Priya"))).to_contain_text("In progress", timeout=15_000)
    expect(progress.get_by_role("row", name=re.compile("^Olu"))).to_contain_text("In progress", timeout=15_000)
    expect(page.get_by_text("2 of 30 people have joined.")).to_be_visible()
    assert page.evaluate("window.stillTheSamePage") is True
    _scan_at_both_widths(page)

    # Side by side: hidden until revealed, then both answers, without names until asked.
    page.get_by_text("Section 1. Understand the inequalities").click()
    page.get_by_role("link", name=re.compile(r"^1\.1 ")).click()
    expect(page.get_by_text("The answers are hidden.")).to_be_visible()
    for answer in ANSWERS.values():
        expect(page.get_by_text(answer)).to_have_count(0)
    _scan_at_both_widths(page)
    page.get_by_role("button", name="Reveal the answers").click()
    for answer in ANSWERS.values():
        expect(page.get_by_text(answer)).to_be_visible()
    expect(page.get_by_role("heading", name="Priya")).to_have_count(0)
    _scan_at_both_widths(page)
    page.get_by_role("button", name="Show names").click()
    expect(page.get_by_role("heading", name="Priya")).to_be_visible()
    expect(page.get_by_role("heading", name="Olu")).to_be_visible()


def _shown_code() -> str:
    from workshops import codes

    return codes.shown(Workshop.objects.get().join_code)
