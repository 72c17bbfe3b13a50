"""The "report is being prepared" page asks for the file's status less often as it waits.

At the end of a workshop 200 people may wait at once while the worker renders; a page that
asked every 2 s all the while would send 100 requests a second to the server the people
still typing depend on.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in_context

pytestmark = pytest.mark.browser


def test_the_preparing_page_backs_off_to_one_check_every_six_seconds(
    page: Page, context, live_server, alice, assessment
):
    sign_in_context(context, live_server, alice)
    status_url = reverse("assessment_report_status", args=[assessment.pk])
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url) if status_url in request.url else None)
    page.clock.install()
    page.goto(reverse("assessment_report_pdf", args=[assessment.pk]))  # no worker runs: it stays queued
    expect(page.get_by_role("heading", name="Your report is being prepared")).to_be_visible()

    page.clock.run_for(2_100)
    page.wait_for_timeout(300)
    assert len(asked) == 1  # the first check, after 2 s
    for _ in range(58):  # one minute more, a second at a time, letting each check answer
        page.clock.run_for(1_000)
        page.wait_for_timeout(30)
    page.wait_for_timeout(300)
    # Checks at about 2, 4.8, 8.7, 14.2, 20.2, 26.2 ... 56.2 s: 11 in the first minute, where
    # checking every 2 s would make 30.
    assert 9 <= len(asked) <= 12, asked
    expect(page.get_by_role("status")).to_contain_text("We are making your report")
