"""Browser fixtures: a real Chromium against Django's live server on PostgreSQL.

Outside CI a missing Chromium skips these tests with a message; in CI (CI=true) it fails.
Every page runs under the site's Content-Security-Policy, and a test fails if Chromium
reports a violation on any page it opened.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from tests.browser.chromium import launch_chromium, missing_chromium_message


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    message = missing_chromium_message()
    if message:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message, pytrace=False)
        pytest.skip(f"{message} (browser tests are skipped outside CI only)")
    # Playwright's sync API runs an event loop in this thread; Django's ORM would refuse to
    # run beside it. The tests touch the database only between browser steps.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


def _csp_violations(context: BrowserContext) -> list[str]:
    """Collect what Chromium logs when the Content-Security-Policy blocks something."""
    violations: list[str] = []

    def record(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            violations.append(f"{message.page.url if message.page else '?'}: {message.text}")

    context.on("console", record)
    return violations


@contextmanager
def _checked_context(browser: Browser, live_server: LiveServer, **options: Any) -> Iterator[BrowserContext]:
    context = browser.new_context(base_url=live_server.url, **options)
    context.set_default_timeout(10_000)
    violations = _csp_violations(context)
    yield context
    context.close()
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


@pytest.fixture
def context(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    with _checked_context(browser, live_server) as context:
        yield context


@pytest.fixture
def second_context(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    """Another browser, for a second person working at the same time."""
    with _checked_context(browser, live_server) as context:
        yield context


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def no_js_page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    with _checked_context(browser, live_server, java_script_enabled=False) as context:
        yield context.new_page()


def sign_in_context(context: BrowserContext, live_server: LiveServer, user: User) -> None:
    """Give the browser a session for `user`, as if they had signed in."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
