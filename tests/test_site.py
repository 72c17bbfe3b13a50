"""Site-wide behaviour: health check, settings helpers, no inline script or style."""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from hiat_site.env import env_bool, env_email, env_int, env_list, env_str


def test_healthz_answers_ok_when_the_database_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok"


def test_env_helpers_fail_loudly(monkeypatch):
    monkeypatch.setenv("X_BOOL", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_BOOL"):
        env_bool("X_BOOL")
    monkeypatch.setenv("X_INT", "ten")
    with pytest.raises(ImproperlyConfigured, match="X_INT"):
        env_int("X_INT", 1)
    monkeypatch.delenv("X_REQUIRED", raising=False)
    with pytest.raises(ImproperlyConfigured, match="X_REQUIRED"):
        env_str("X_REQUIRED")
    monkeypatch.setenv("X_LIST", "a.example, b.example,")
    assert env_list("X_LIST", []) == ["a.example", "b.example"]
    monkeypatch.setenv("X_BOOL", "Yes")
    assert env_bool("X_BOOL") is True
    monkeypatch.setenv("X_EMAIL", "the accessibility team")
    with pytest.raises(ImproperlyConfigured, match="X_EMAIL"):
        env_email("X_EMAIL", "a@example.org")
    monkeypatch.setenv("X_EMAIL", " help@nhs.example ")
    assert env_email("X_EMAIL", "a@example.org") == "help@nhs.example"


def test_accessibility_statement_says_how_to_report_a_problem_and_what_happens_next(client, db, settings):
    settings.ACCESSIBILITY_CONTACT_EMAIL = "digital-access@trust.nhs.example"
    page = " ".join(client.get("/accessibility/").content.decode().split())
    assert page.count('href="mailto:digital-access@trust.nhs.example"') == 2  # formats, and problems
    assert "Reporting accessibility problems with this service" in page
    assert "reply within 5 working days" in page
    assert "Enforcement procedure" in page and "Equality and Human Rights Commission (EHRC)" in page
    assert 'href="https://www.equalityadvisoryservice.com/"' in page
    assert "1280 pixels" in page and "375 pixels" in page  # what is tested, at both widths


def test_the_accessibility_contact_is_the_configured_address():
    assert os.environ["ACCESSIBILITY_CONTACT_EMAIL"] == settings.ACCESSIBILITY_CONTACT_EMAIL


def test_secret_key_is_required_unless_debug(tmp_path):
    import subprocess
    import sys

    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "hiat_site.settings", "DEBUG": "0"}
    code = "import django; django.setup()"
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True
    )
    assert result.returncode != 0 and "Set the SECRET_KEY environment variable" in result.stderr
    env["DEBUG"] = "1"
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


# Inline code a strict Content-Security-Policy would block: a <script> without src (whatever
# its type), <style>, style= attributes, on…= handlers and javascript: URLs.
INLINE_CODE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=|\son[a-z]+\s*=|javascript:", re.IGNORECASE)


@pytest.mark.parametrize(
    "snippet",
    [
        "<script>x()</script>",
        '<script type="module">x()</script>',
        "<style>",
        '<p style="x">',
        '<img onload="x">',
        '<a href="javascript:x()">',
        '<body ONCLICK = "x">',
    ],
)
def test_inline_code_check_catches(snippet):
    assert INLINE_CODE.search(snippet)


def test_inline_code_check_allows_static_scripts():
    assert not INLINE_CODE.search('<script type="module" src="/static/js/app.js"></script><p class="one">')


def test_templates_have_no_inline_script_or_style():
    templates = list(Path(settings.BASE_DIR, "templates").rglob("*.html"))
    assert {"base.html", "task_list.html", "check.html", "body.html"} <= {path.name for path in templates}
    offenders = [f"{path}: {match.group(0)}" for path in templates if (match := INLINE_CODE.search(path.read_text()))]
    assert offenders == []
