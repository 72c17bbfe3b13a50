"""The timeout warning in Chromium (static/js/timeout.js): it comes before the idle limit,
takes focus, is announced, lets people stay signed in, and passes the axe scan.

The limits are shortened to a one-minute session with the warning 55 seconds before its end,
so the warning opens five seconds after a page loads.
"""

import re
from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, expect

from accounts.middleware import LAST_ACTIVITY
from tests.browser.conftest import sign_in_context
from tests.browser.test_accessibility import assert_no_axe_violations

pytestmark = pytest.mark.browser

WARNING = "You’re about to be signed out"


@pytest.fixture
def short_limits(settings):
    settings.SESSION_IDLE_MINUTES = 1
    settings.SESSION_WARNING_MINUTES = 55 / 60


@pytest.fixture
def details_page(page: Page, context: BrowserContext, live_server, alice, assessment, short_limits) -> Page:
    sign_in_context(context, live_server, alice)
    page.goto(f"/assessments/{assessment.pk}/details/")
    return page


def _status(page: Page) -> dict:
    response = page.request.get("/accounts/session/")
    assert response.ok
    return response.json()


def _staying_signed_in(page: Page):
    """Waits for the POST that the dialog sends when someone chooses to stay signed in."""
    return page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/accounts/session/"))


def _last_active_ago(context: BrowserContext, seconds: int) -> None:
    """Pretend the browser's session last did something `seconds` ago."""
    (cookie,) = [c for c in context.cookies() if c["name"] == "sessionid"]
    session = SessionStore(session_key=cookie["value"])
    session[LAST_ACTIVITY] = (timezone.now() - timedelta(seconds=seconds)).isoformat()
    session.save()


def test_the_warning_takes_focus_is_announced_and_staying_signed_in_extends_the_session(details_page: Page):
    page = details_page
    title = page.get_by_label("Project title")
    title.focus()
    dialog = page.get_by_role("dialog", name=WARNING)
    expect(dialog).to_be_hidden()

    expect(dialog).to_be_visible(timeout=15_000)
    expect(dialog).to_have_accessible_description(
        "For your security, we will sign you out in 1 minute. Anything you have typed is kept."
    )
    stay = dialog.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_focused()
    expect(dialog.get_by_role("status")).to_have_text("We will sign you out in 1 minute.")
    expect(dialog.get_by_role("button", name="Sign out")).to_be_visible()
    assert_no_axe_violations(page)
    left_before = _status(page)["expires_in"]
    assert left_before <= 55

    with _staying_signed_in(page):
        stay.click()
    expect(dialog).to_be_hidden()
    expect(title).to_be_focused()
    status = _status(page)
    assert status["signed_in"] is True and status["expires_in"] > left_before and status["expires_in"] >= 58


def test_escape_also_means_stay_signed_in(details_page: Page):
    page = details_page
    dialog = page.get_by_role("dialog", name=WARNING)
    expect(dialog).to_be_visible(timeout=15_000)
    left_before = _status(page)["expires_in"]
    with _staying_signed_in(page):
        page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert _status(page)["expires_in"] > left_before


def test_when_the_time_runs_out_the_page_goes_to_sign_in_and_back(details_page: Page, context, assessment):
    page = details_page
    _last_active_ago(context, 50)
    dialog = page.get_by_role("dialog", name=WARNING)
    expect(dialog).to_be_visible(timeout=15_000)
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=.*/details/$"), timeout=15_000)
    expect(page.get_by_text("You were signed out because you had not done anything for 1 minute.")).to_be_visible()
    assert _status(page) == {"signed_in": False}


def test_a_tab_that_stayed_active_keeps_the_warning_away(details_page: Page, context):
    page = details_page
    # Another tab is used three seconds after this page loaded: when this page asks, five
    # seconds after loading, the warning it planned is not needed yet.
    page.wait_for_timeout(3_000)
    _last_active_ago(context, 0)
    with page.expect_response(lambda r: r.request.method == "GET" and r.url.endswith("/accounts/session/")):
        pass
    page.wait_for_timeout(300)
    expect(page.get_by_role("dialog", name=WARNING)).to_be_hidden()


def test_without_javascript_the_warning_never_shows(no_js_page: Page, live_server, alice, assessment, short_limits):
    sign_in_context(no_js_page.context, live_server, alice)
    no_js_page.goto(f"/assessments/{assessment.pk}/details/")
    expect(no_js_page.get_by_role("heading", name="Project details")).to_be_visible()
    no_js_page.wait_for_timeout(6_000)
    expect(no_js_page.locator("dialog")).to_be_hidden()
