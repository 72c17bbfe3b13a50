"""axe-core scan of every page type in Chromium: zero WCAG 2.2 A/AA violations.

Every named URL of the site is either scanned here (SCANNED) or listed in NOT_PAGES with
the reason it is not an HTML page, so a new page type cannot be added without joining the
scan (test_every_named_url_is_scanned fails).
"""

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.db.models import F
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import BrowserContext, Page, ViewportSize, expect
from pytest_django.live_server_helper import LiveServer

from accounts.middleware import LAST_ACTIVITY
from accounts.models import DataExport, User
from assessments import pdf as report_pdf_module
from assessments.models import AnswerRevision, Assessment, Invitation, Membership, Role
from assessments.services import (
    answer_save,
    assessment_create,
    assessment_update_details,
    section_answers_save,
    section_complete,
    section_reopen,
)
from assessments.team import team_invite, token_hash
from tests.browser.conftest import _csp_violations, sign_in_context
from tests.conftest import DETAILS
from tests.helpers import answer_for, make_content_editor, run_queued_tasks
from tests.versions import publish_revised_version, publish_version
from toolkit_content.models import ToolkitVersion
from toolkit_content.services import version_create_draft
from workshops.models import Workshop

pytestmark = pytest.mark.browser

AXE = Axe()
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# axe's best-practice rules behind the structure checks: headings in order, one h1,
# one main landmark, all content in landmarks, a way to skip repeated content.
STRUCTURE_RULES = ["heading-order", "page-has-heading-one", "landmark-one-main", "region", "landmark-unique", "bypass"]
# WCAG 2.2 SC 2.5.8 Target Size (Minimum). axe ships this rule turned off: a default scan
# skips it, and only selecting rules by the wcag22aa tag runs it. It is enabled by name,
# and the scan checks that it ran, so a change of options cannot silently drop it.
ALWAYS_RUN = ["target-size"]
# Every page type is scanned on a desktop and on a phone: 375 CSS pixels is the width of
# the most common phones, where GOV.UK Frontend switches to its narrow layout.
VIEWPORTS: dict[str, ViewportSize] = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 375, "height": 812}}

NOT_PAGES = {
    "logout": "POST only; redirects to the start page",
    "healthz": "plain-text health check",
    "favicon": "redirect to the icon file",
    "assessment_export": "JSON download",
    "assessment_report_pdf": "PDF download (its accessibility is tested in tests/test_report.py)",
    "assessment_report_docx": "Word download (headings, tables, language: tests/test_report_docx.py)",
    "assessment_report_status": "JSON status the report-preparing page's script asks for",
    "account_export_request": "POST only; redirects to Your account",
    "account_export_download": "ZIP download",
    "assessment_team_invite": "POST only; the team page with its errors is scanned as team-invite-errors",
    "assessment_team_role": "POST only; redirects to the team page",
    "assessment_team_remove": "POST only; redirects to the team page",
    "assessment_team_transfer": "POST only; redirects to the task list",
    "assessment_team_revoke": "POST only; redirects to the team page",
    "assessment_team_leave": "POST only; redirects to Your assessments",
    "section_reopen": "POST only; redirects to the section's check page",
    "answer_save": "JSON endpoint for saving one answer (autosave)",
    "account_session": "JSON for the timeout warning (the warning is scanned in test_timeout_warning.py)",
    "answer_restore": "POST only; redirects to the answer's history page (scanned as answer-history-restored)",
    "join_return": "POST only; redirects to the page the guest was on (its button is scanned as login-guest)",
    "workshop_progress": "HTML fragment the dashboard's script puts into the dashboard (scanned there)",
    "workshop_answers_csv": "CSV download",
    "workshop_reports_zip": "ZIP download (or 303 to the preparing page, scanned as workshop-reports-preparing)",
    "workshop_reports_status": "JSON status the preparing page's script asks for",
}


@dataclass
class World:
    page: Page
    context: BrowserContext
    live_server: LiveServer
    alice: User
    assessment: Assessment
    viewport: ViewportSize | None = None

    def sign_in(self) -> None:
        sign_in_context(self.context, self.live_server, self.alice)

    def url(self, suffix: str = "") -> str:
        return f"/assessments/{self.assessment.pk}/{suffix}"


def _signed_in(path: Callable[[World], str]) -> Callable[[World], None]:
    def visit(world: World) -> None:
        world.sign_in()
        world.page.goto(path(world))

    return visit


def _section_page(number: int) -> Callable[[World], None]:
    return _signed_in(lambda world: world.url(f"sections/{number}/"))


def _anonymous(path: str) -> Callable[[World], None]:
    def visit(world: World) -> None:
        world.page.goto(path)

    return visit


def _submit_empty(path: str, button: str, *, signed_in: bool = False) -> Callable[[World], None]:
    def visit(world: World) -> None:
        if signed_in:
            world.sign_in()
        world.page.goto(path if path.startswith("/") else world.url(path))
        world.page.get_by_role("button", name=button).click()
        expect(world.page.locator(".govuk-error-summary")).to_be_visible()

    return visit


def _section_too_long(world: World) -> None:
    world.sign_in()
    world.page.goto(world.url("sections/2/"))
    world.page.locator("textarea").first.fill("x" * 20_001)
    world.page.get_by_role("button", name="Save and continue").click()
    expect(world.page.locator(".govuk-error-summary")).to_be_visible()


def _summary_too_long(world: World) -> None:
    world.sign_in()
    world.page.goto(world.url("summary/"))
    world.page.get_by_label("What the work will change").fill("x" * 1_501)
    world.page.get_by_role("button", name="Save and continue").click()
    expect(world.page.locator(".govuk-error-summary")).to_be_visible()


def _autosave(state: str) -> Callable[[World], None]:
    """The section page with one of autosave's messages under the first question (static/js/autosave.js)."""

    def visit(world: World) -> None:
        world.sign_in()
        world.page.goto(world.url("sections/2/"))
        field = world.page.locator("textarea").first
        if state == "conflict":  # someone else saved the answer after the page was loaded
            question = world.assessment.toolkit_version.sections.get(number=2).questions.all()[0]
            answer_save(
                assessment=world.assessment, question=question, value="Theirs.", base_version=0, user=world.alice
            )
        elif state == "signed-out":
            Session.objects.all().delete()
        field.fill("x" * 20_001 if state == "too-long" else "Mine.")
        world.page.keyboard.press("Tab")
        shown = {
            "conflict": world.page.get_by_role("button", name="Keep my answer"),
            "too-long": world.page.locator(".app-autosave__status.govuk-error-message"),
            "signed-out": world.page.get_by_role("link", name="Sign in again"),
        }[state]
        expect(shown).to_be_visible()

    return visit


def _complete_with_gaps(world: World) -> None:
    world.sign_in()
    world.page.goto(world.url("sections/3/check/"))
    world.page.get_by_role("button", name="Mark this section as complete").click()
    expect(world.page.locator(".govuk-error-summary")).to_be_visible()


def _reset_link(world: World) -> None:
    uid = urlsafe_base64_encode(force_bytes(world.alice.pk))
    token = default_token_generator.make_token(world.alice)
    world.page.goto(f"/accounts/reset/{uid}/{token}/")
    expect(world.page.get_by_role("heading", name="Choose a new password")).to_be_visible()


def _csrf_failure(world: World) -> None:
    world.page.goto("/accounts/login/")
    world.context.clear_cookies()
    world.page.get_by_label("Email address").fill("alice@example.org")
    world.page.get_by_label("Password").fill("whatever-it-is")
    world.page.get_by_role("button", name="Sign in").click()
    expect(world.page.get_by_role("heading", name="You cannot do that")).to_be_visible()


def _report_failed(world: World) -> None:
    def broken_render(self, *args, **kwargs):
        raise RuntimeError("renderer failure")

    world.sign_in()
    world.page.goto(world.url("report.pdf"))
    original = report_pdf_module.HTML.render
    report_pdf_module.HTML.render = broken_render
    try:
        run_queued_tasks()  # the worker's render process fails
    finally:
        report_pdf_module.HTML.render = original
    world.page.goto(world.url("report/preparing/"))
    expect(world.page.get_by_role("heading", name="Sorry, the PDF report could not be made")).to_be_visible()


def _report_preparing(*, javascript: bool) -> Callable[[World], None]:
    """The page a download link leads to while the worker makes the file (no worker runs here)."""

    def visit(world: World) -> None:
        world.sign_in()
        if javascript:
            world.page.goto(world.url("report.pdf"))
        else:
            # axe cannot run where JavaScript is off: the page is opened in a browser without
            # JavaScript, and what it shows there is scanned here, without its scripts.
            browser = world.context.browser
            assert browser is not None
            context = browser.new_context(base_url=world.live_server.url, java_script_enabled=False)
            context.set_default_timeout(10_000)
            violations = _csp_violations(context)
            sign_in_context(context, world.live_server, world.alice)
            no_js = context.new_page()
            no_js.set_viewport_size(world.viewport or VIEWPORTS["desktop"])
            no_js.goto(world.url("report.pdf"))
            expect(no_js.get_by_role("link", name="Check again")).to_be_visible()
            html = re.sub(r"<script\b[^>]*>.*?</script>", "", no_js.content(), flags=re.S)
            context.close()
            assert not violations, violations
            world.page.goto(world.url("report/"))
            world.page.set_content(html)
        expect(world.page.get_by_role("heading", name="Your report is being prepared")).to_be_visible()
        expect(world.page.get_by_role("link", name="Check again")).to_be_visible()

    return visit


def _report_over_limits(world: World) -> None:
    world.sign_in()
    world.page.goto(world.url("report.pdf"))
    with override_settings(REPORT_RENDER_WALL_SECONDS=0.01):
        run_queued_tasks()
    world.page.goto(world.url("report.pdf"))
    expect(world.page.get_by_role("heading", name="Your report is too big to make into a PDF")).to_be_visible()


def _fill_and_submit(path: str, fields: dict[str, str], button: str) -> Callable[[World], None]:
    def visit(world: World) -> None:
        world.sign_in()
        world.page.goto(path)
        for label, value in fields.items():
            world.page.get_by_label(label, exact=True).fill(value)
        world.page.get_by_role("button", name=button).click()
        expect(world.page.locator(".govuk-error-summary")).to_be_visible()

    return visit


def _account_export_states(state: str) -> Callable[[World], None]:
    def visit(world: World) -> None:
        expires = timezone.now() + timedelta(hours=24)
        DataExport.objects.create(user=world.alice, status=state, expires_at=expires, content=b"PK", size=2)
        world.sign_in()
        world.page.goto("/accounts/")

    return visit


def _locked_out(world: World) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "alice@example.org", "password": "wrong"})
    world.page.goto("/accounts/login/")
    world.page.get_by_label("Email address").fill("alice@example.org")
    world.page.get_by_label("Password").fill("still-wrong")
    world.page.get_by_role("button", name="Sign in").click()
    expect(world.page.get_by_role("heading", name="Sign-in paused for this account")).to_be_visible()


def _report_too_long(world: World) -> None:
    # Answers saved before the line limit, written as the services would have saved them.
    for section in world.assessment.toolkit_version.sections.prefetch_related("questions"):
        values = {q.key: "x\n" * 10_000 for q in section.questions.all() if q.answer_type == "long_text"}
        section_answers_save(assessment=world.assessment, section=section, values=values, user=world.alice)
    world.sign_in()
    world.page.goto(world.url("report.pdf"))
    run_queued_tasks()
    world.page.goto(world.url("report.pdf"))
    expect(world.page.get_by_role("heading", name="Your report is too long to make into a PDF")).to_be_visible()


def _team_with_members(world: World) -> None:
    bob = User.objects.create_user("bob@example.org", "correct-horse-battery-staple", display_name="Bob Editor")
    team_invite(assessment=world.assessment, email=bob.email, role=Role.EDITOR, invited_by=world.alice, site_url="")
    team_invite(
        assessment=world.assessment, email="new@example.org", role=Role.VIEWER, invited_by=world.alice, site_url=""
    )
    world.sign_in()
    world.page.goto(world.url("team/"))


def _team_invite_errors(world: World) -> None:
    world.sign_in()
    world.page.goto(world.url("team/"))
    world.page.get_by_label("Email address").fill("not an email")
    world.page.get_by_role("button", name="Add to team").click()
    expect(world.page.locator(".govuk-error-summary")).to_be_visible()


def _invitation(*, signed_in: bool) -> Callable[[World], None]:
    def visit(world: World) -> None:
        token = "a-test-invitation-token"
        Invitation.objects.create(
            assessment=world.assessment,
            email="new@example.org",
            role=Role.VIEWER,
            token_hash=token_hash(token),
            invited_by=world.alice,
            expires_at=timezone.now() + timedelta(days=14),
        )
        if signed_in:
            world.sign_in()
        world.page.goto(f"/invitations/{token}/")

    return visit


def _answer_history(*, restore: bool) -> Callable[[World], None]:
    """1.1's history with three entries (alice's first and second, then bob's): differences and restore buttons."""

    def visit(world: World) -> None:
        question = world.assessment.toolkit_version.sections.get(number=1).questions.get(key="s1_problem")
        # A minute after the world's first save, so the next one is an entry of its own.
        AnswerRevision.objects.filter(answer__question=question).update(
            started_at=F("started_at") - timedelta(minutes=2)
        )
        rewritten = "Answer to s1_problem, rewritten with <b>new</b> words.\n\nSecond paragraph for 1.1."
        answer_save(assessment=world.assessment, question=question, value=rewritten, base_version=1, user=world.alice)
        bob = User.objects.create_user("bob@example.org", "correct-horse-battery-staple", display_name="Bob Editor")
        Membership.objects.create(assessment=world.assessment, user=bob, role=Role.EDITOR, added_by=world.alice)
        edited = "Answer to s1_problem, edited by Bob.\n\nSecond paragraph for 1.1, and a third."
        answer_save(assessment=world.assessment, question=question, value=edited, base_version=2, user=bob)
        world.sign_in()
        world.page.goto(world.url("answers/s1_problem/history/"))
        expect(world.page.locator("ins").first).to_be_visible()
        button = world.page.get_by_role("button", name="Restore this version version 1")
        expect(button).to_be_visible()
        if restore:
            button.click()
            expect(world.page.get_by_text("Version 1 restored. It is now version 4.")).to_be_visible()

    return visit


def _check_reopened(world: World) -> None:
    """Section 1 completed, reopened and completed again: the latest and a "Section history"."""
    section = world.assessment.toolkit_version.sections.get(number=1)
    section_reopen(assessment=world.assessment, section=section, user=world.alice)
    section_complete(assessment=world.assessment, section=section, user=world.alice)
    world.sign_in()
    world.page.goto(world.url("sections/1/check/"))
    world.page.get_by_text("Section history").click()
    expect(world.page.get_by_text("Marked as in progress again by Alice Owner")).to_be_visible()


def _moved_to_a_newer_version(world: World) -> None:
    """2027.1 published and the assessment moved to it: 3.2a's answer is kept with its question."""
    from assessments.services import assessment_move_version

    revised = publish_revised_version()
    baseline = world.assessment.toolkit_version.sections.get(number=3).questions.get(key="s3_baseline")
    answer_save(assessment=world.assessment, question=baseline, value="partly", base_version=0, user=world.alice)
    section_2 = world.assessment.toolkit_version.sections.get(number=2)
    section_answers_save(
        assessment=world.assessment, section=section_2, values={"s2_barriers": "Costs and travel."}, user=world.alice
    )
    assessment_move_version(
        assessment=world.assessment,
        from_version_id=world.assessment.toolkit_version_id,
        to_version_id=revised.pk,
        user=world.alice,
    )


def _task_list_with_newer_version(world: World) -> None:
    publish_revised_version()
    world.sign_in()
    world.page.goto(world.url())
    expect(
        world.page.get_by_role("link", name="See what moving this assessment to version 2027.1 changes")
    ).to_be_visible()


def _move_preview(world: World) -> None:
    publish_revised_version()
    world.sign_in()
    world.page.goto(world.url("toolkit-version/"))
    expect(world.page.get_by_role("heading", name="Move to version 2027.1 of the toolkit")).to_be_visible()


def _move_refused(world: World) -> None:
    """The preview again after pressing "Move" on a page older than the newest version."""
    publish_revised_version()
    world.sign_in()
    world.page.goto(world.url("toolkit-version/"))
    publish_version("2027.2")
    world.page.get_by_role("button", name="Move to version 2027.1").click()
    expect(world.page.locator(".govuk-error-summary")).to_be_visible()


def _after_the_move(path: str) -> Callable[[World], None]:
    def visit(world: World) -> None:
        _moved_to_a_newer_version(world)
        world.sign_in()
        world.page.goto(world.url(path))

    return visit


def _section_preview(world: World) -> None:
    """A draft's section as a content editor previews it from the admin ("View on site")."""
    editor = make_content_editor()
    draft = version_create_draft(source=world.assessment.toolkit_version)
    sign_in_context(world.context, world.live_server, editor)
    world.page.goto(f"/assessments/preview/sections/{draft.sections.get(number=2).pk}/")
    expect(world.page.get_by_text("Nothing typed here is saved.")).to_be_visible()


def _server_error(world: World) -> None:
    # The 500 template is static HTML; load it on the site so its stylesheet resolves.
    world.page.goto("/accessibility/")
    world.page.set_content(render_to_string("500.html"))


def _workshop(world: World, *, group_names: list[str] | None = None, **overrides: object) -> Workshop:
    """Alice as a trainer with a workshop; two guests joined, one has answered 1.1."""
    from django.contrib.auth.models import Group

    from tests.conftest import make_workshop
    from workshops.services import guest_create, workshop_join

    world.alice.groups.add(Group.objects.get_or_create(name="Trainers")[0])
    workshop = make_workshop(world.alice, world.assessment.toolkit_version, group_names=group_names, **overrides)
    groups = list(workshop.groups.all())
    question = world.assessment.toolkit_version.sections.get(number=1).questions.get(key="s1_problem")
    for n, name in enumerate(("Priya Participant", "Olu Participant")):
        guest = guest_create(display_name=name)
        participant = workshop_join(
            workshop=workshop, user=guest, group_id=groups[n % len(groups)].pk if groups else None
        )
        if n == 0:
            assert participant.assessment is not None
            answer_save(
                assessment=participant.assessment,
                question=question,
                value="Housing costs <b>rise</b> fastest for private renters.",
                base_version=0,
                user=guest,
            )
    return workshop


def _trainer_page(path: str, *, group_names: list[str] | None = None, **overrides: object) -> Callable[[World], None]:
    def visit(world: World) -> None:
        workshop = _workshop(world, group_names=group_names, **overrides)
        world.sign_in()
        world.page.goto(path.format(id=workshop.pk, code=workshop.join_code))

    return visit


def _workshop_question(*, revealed: bool, names: bool = False) -> Callable[[World], None]:
    def visit(world: World) -> None:
        workshop = _workshop(world)
        world.sign_in()
        world.page.goto(f"/workshops/{workshop.pk}/questions/s1_problem/")
        if revealed:
            world.page.get_by_role("button", name="Reveal the answers").click()
            expect(world.page.get_by_text("fastest for private renters")).to_be_visible()
        if names:
            world.page.get_by_role("button", name="Show names").click()
            expect(world.page.get_by_role("heading", name="Priya Participant")).to_be_visible()

    return visit


def _workshop_errors(path: str, button: str) -> Callable[[World], None]:
    def visit(world: World) -> None:
        workshop = _workshop(world)
        world.sign_in()
        world.page.goto(path.format(id=workshop.pk))
        world.page.get_by_role("button", name=button).click()
        expect(world.page.locator(".govuk-error-summary")).to_be_visible()

    return visit


def _join_page(
    *, signed_in: bool = False, group_names: list[str] | None = None, **overrides: object
) -> Callable[[World], None]:
    """The join page of someone else's workshop (Alice joins it, or a signed-out visitor)."""

    def visit(world: World) -> None:
        from tests.conftest import make_trainer, make_workshop

        trainer = make_trainer("tara@example.org", "Tara Trainer")
        workshop = make_workshop(trainer, world.assessment.toolkit_version, group_names=group_names, **overrides)
        if signed_in:
            world.sign_in()
        world.page.goto(f"/join/{workshop.join_code}/")

    return visit


def _join_name_errors(world: World) -> None:
    _join_page(mode="groups", group_names=["Red table", "Blue table"])(world)
    world.page.get_by_role("button", name="Join the workshop").click()
    expect(world.page.locator(".govuk-error-summary")).to_be_visible()


def _join_refused(state: str) -> Callable[[World], None]:
    def visit(world: World) -> None:
        from tests.conftest import make_trainer, make_workshop
        from workshops.services import guest_create, workshop_close, workshop_join

        trainer = make_trainer("tara@example.org", "Tara Trainer")
        workshop = make_workshop(trainer, world.assessment.toolkit_version, capacity=1)
        if state == "closed":
            workshop_close(workshop=workshop, read_only=True)
        else:
            workshop_join(workshop=workshop, user=guest_create(display_name="First"))
        world.page.goto(f"/join/{workshop.join_code}/")
        expect(world.page.locator("#join-refused")).to_be_visible()

    return visit


def _join_throttled(world: World) -> None:
    with override_settings(WORKSHOP_JOIN_FAILURE_LIMIT=1):
        world.page.goto("/join/ABCDEFGH/")
        world.page.goto("/join/ABCDEFGH/")
        expect(world.page.get_by_role("heading", name="Too many codes tried")).to_be_visible()


def _guest(path: str, *, submit: str = "") -> Callable[[World], None]:
    """A guest who joined on this browser: "Keep your work", or their task list."""

    def visit(world: World) -> None:
        from tests.conftest import make_trainer, make_workshop
        from workshops.services import guest_create, workshop_join

        trainer = make_trainer("tara@example.org", "Tara Trainer")
        workshop = make_workshop(trainer, world.assessment.toolkit_version)
        guest = guest_create(display_name="Gus Guest")
        participant = workshop_join(workshop=workshop, user=guest)
        sign_in_context(world.context, world.live_server, guest)
        world.page.goto(path.format(assessment=participant.assessment_id))
        if submit:
            world.page.get_by_role("button", name=submit).click()
            expect(world.page.locator(".govuk-error-summary")).to_be_visible()

    return visit


def _guest_signed_out(world: World) -> None:
    """A guest signed out for being idle: the sign-in page offers the way back without a password."""
    _guest("/assessments/{assessment}/")(world)
    key = world.context.cookies(world.live_server.url)
    store = import_module(settings.SESSION_ENGINE).SessionStore
    session = store(session_key=next(c["value"] for c in key if c["name"] == settings.SESSION_COOKIE_NAME))
    session[LAST_ACTIVITY] = (timezone.now() - timedelta(minutes=settings.SESSION_IDLE_MINUTES + 1)).isoformat()
    session.save()
    world.page.reload()
    expect(world.page.get_by_role("button", name="Carry on as Gus Guest")).to_be_visible()


# url name -> {scenario id: how to get there}
SCANNED: dict[str, dict[str, Callable[[World], None]]] = {
    "start": {"start": _anonymous("/"), "start-signed-in": _signed_in(lambda w: "/")},
    "accessibility_statement": {"accessibility": _anonymous("/accessibility/")},
    "signup": {
        "signup": _anonymous("/accounts/signup/"),
        "signup-errors": _submit_empty("/accounts/signup/", "Create account"),
    },
    "login": {
        "login": _anonymous("/accounts/login/"),
        "login-errors": _submit_empty("/accounts/login/", "Sign in"),
        "login-guest": _guest_signed_out,
    },
    "password_reset": {
        "password-reset": _anonymous("/accounts/password-reset/"),
        "password-reset-errors": _submit_empty("/accounts/password-reset/", "Send reset link"),
    },
    "password_reset_done": {"password-reset-sent": _anonymous("/accounts/password-reset/sent/")},
    "password_reset_confirm": {
        "password-reset-form": _reset_link,
        "password-reset-bad-link": _anonymous("/accounts/reset/MQ/bad-token/"),
    },
    "password_reset_complete": {"password-reset-complete": _anonymous("/accounts/reset/done/")},
    "assessment_list": {"assessment-list": _signed_in(lambda w: "/assessments/")},
    "assessment_new": {
        "assessment-new": _signed_in(lambda w: "/assessments/new/"),
        "assessment-new-errors": _submit_empty("/assessments/new/", "Create assessment", signed_in=True),
    },
    "assessment_task_list": {
        "task-list": _signed_in(lambda w: w.url()),
        "task-list-newer-version": _task_list_with_newer_version,
        "task-list-kept-answers": _after_the_move(""),
    },
    "assessment_introduction": {"introduction": _signed_in(lambda w: w.url("introduction/"))},
    "assessment_details": {"details": _signed_in(lambda w: w.url("details/"))},
    "assessment_summary": {
        "summary": _signed_in(lambda w: w.url("summary/")),
        "summary-errors": _summary_too_long,
    },
    "section": {
        **{f"section-{n}": _section_page(n) for n in (1, 2, 3, 4)},
        "section-errors": _section_too_long,
        **{f"section-autosave-{state}": _autosave(state) for state in ("conflict", "too-long", "signed-out")},
    },
    "section_check": {
        "check-completed": _signed_in(lambda w: w.url("sections/1/check/")),
        "check-in-progress": _signed_in(lambda w: w.url("sections/3/check/")),
        "check-reopened": _check_reopened,
    },
    "answer_history": {
        "answer-history": _answer_history(restore=False),
        "answer-history-restored": _answer_history(restore=True),
        "answer-history-empty": _signed_in(lambda w: w.url("answers/s2_theory_of_change/history/")),
        "answer-history-moved": _after_the_move("answers/s1_problem/history/"),
        "answer-history-kept": _after_the_move("answers/s2_barriers/history/"),
    },
    "assessment_toolkit_version": {
        "move-version-preview": _move_preview,
        "move-version-errors": _move_refused,
        "move-version-newest": _signed_in(lambda w: w.url("toolkit-version/")),
    },
    "section_complete": {"complete-with-gaps": _complete_with_gaps},
    "assessment_report": {"report-preview": _signed_in(lambda w: w.url("report/"))},
    "assessment_report_preparing": {
        "report-preparing": _report_preparing(javascript=True),
        "report-preparing-no-js": _report_preparing(javascript=False),
    },
    "assessment_team": {
        "team-owner": _team_with_members,
        "team-invite-errors": _team_invite_errors,
    },
    "invitation_accept": {
        "invitation-signed-out": _invitation(signed_in=False),
        "invitation-signed-in": _invitation(signed_in=True),
        "invitation-invalid": _anonymous("/invitations/not-a-real-token/"),
    },
    "account": {
        "account": _signed_in(lambda w: "/accounts/"),
        "account-export-pending": _account_export_states("pending"),
        "account-export-ready": _account_export_states("ready"),
    },
    "account_name": {
        "account-name": _signed_in(lambda w: "/accounts/name/"),
        "account-name-errors": _fill_and_submit("/accounts/name/", {"Your name": ""}, "Save name"),
    },
    "account_email": {
        "account-email": _signed_in(lambda w: "/accounts/email/"),
        "account-email-errors": _fill_and_submit(
            "/accounts/email/",
            {"New email address": "charlie@example", "Your current password": "wrong"},
            "Change email address",
        ),
    },
    "account_password": {
        "account-password": _signed_in(lambda w: "/accounts/password/"),
        "account-password-errors": _submit_empty("/accounts/password/", "Change password", signed_in=True),
    },
    "account_sign_out_everywhere": {"sign-out-everywhere": _signed_in(lambda w: "/accounts/sign-out-everywhere/")},
    "account_delete": {
        "account-delete": _signed_in(lambda w: "/accounts/delete/"),
        "account-delete-errors": _fill_and_submit(
            "/accounts/delete/", {"Your current password": "wrong"}, "Delete your account"
        ),
    },
    "privacy": {"privacy": _anonymous("/privacy/"), "privacy-signed-in": _signed_in(lambda w: "/privacy/")},
    "section_preview": {"section-preview-draft": _section_preview},
    "admin:login": {"admin-login": _anonymous("/admin/login/")},
    "workshop_list": {"workshop-list": _trainer_page("/workshops/")},
    "workshop_new": {
        "workshop-new": _trainer_page("/workshops/new/"),
        "workshop-new-errors": _workshop_errors("/workshops/new/", "Create workshop"),
    },
    "workshop_dashboard": {
        "workshop-dashboard": _trainer_page("/workshops/{id}/"),
        "workshop-dashboard-groups": _trainer_page("/workshops/{id}/", mode="groups", group_names=["Red", "Blue"]),
    },
    "workshop_question": {
        "workshop-question-hidden": _workshop_question(revealed=False),
        "workshop-question-revealed": _workshop_question(revealed=True),
        "workshop-question-named": _workshop_question(revealed=True, names=True),
    },
    "workshop_reports_preparing": {"workshop-reports-preparing": _trainer_page("/workshops/{id}/reports.zip")},
    "workshop_close": {
        "workshop-close": _trainer_page("/workshops/{id}/close/"),
        "workshop-close-errors": _workshop_errors("/workshops/{id}/close/", "Close the workshop"),
    },
    "workshop_delete": {"workshop-delete": _trainer_page("/workshops/{id}/delete/")},
    "join": {"join": _anonymous("/join/"), "join-errors": _submit_empty("/join/", "Continue")},
    "join_code": {
        "join-name": _join_page(),
        "join-name-signed-in": _join_page(signed_in=True),
        "join-name-groups": _join_page(mode="groups", group_names=["Red table", "Blue table"]),
        "join-name-errors": _join_name_errors,
        "join-closed": _join_refused("closed"),
        "join-full": _join_refused("full"),
        "join-throttled": _join_throttled,
    },
    "join_keep": {
        "join-keep": _guest("/join/keep-your-work/"),
        "join-keep-errors": _guest("/join/keep-your-work/", submit="Keep my work"),
        "guest-task-list": _guest("/assessments/{assessment}/"),
    },
    "errors": {
        "404": _signed_in(lambda w: f"/assessments/{uuid.uuid4()}/"),
        "403-csrf": _csrf_failure,
        "500": _server_error,
        "locked-out": _locked_out,
        "report-pdf-failed": _report_failed,
        "report-pdf-too-long": _report_too_long,
        "report-pdf-over-limits": _report_over_limits,
    },
}

SCENARIOS = [
    (name, scenario_id, visit) for name, scenarios in SCANNED.items() for scenario_id, visit in scenarios.items()
]


def named_urls(resolver: URLResolver | None = None, namespace: str = "") -> set[str]:
    names = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            names |= named_urls(pattern, f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(namespace + pattern.name)
    return names


def test_every_named_url_is_scanned():
    site = {n for n in named_urls() if not n.startswith("admin:")}
    missing = site - set(SCANNED) - set(NOT_PAGES)
    assert not missing, f"Add these pages to SCANNED in {__file__}: {sorted(missing)}"
    assert "admin:login" in SCANNED


@pytest.fixture
def world(
    page: Page, context: BrowserContext, live_server: LiveServer, alice: User, toolkit_version: ToolkitVersion
) -> World:
    assessment = assessment_create(owner=alice, details=dict(DETAILS))
    for number in (1, 3):
        section = toolkit_version.sections.get(number=number)
        questions = list(section.questions.all())
        if number == 3:  # partly answered: leaves required questions open
            questions = questions[:2]
        section_answers_save(
            assessment=assessment, section=section, values={q.key: answer_for(q) for q in questions}, user=alice
        )
    section_complete(assessment=assessment, section=toolkit_version.sections.get(number=1), user=alice)
    return World(page=page, context=context, live_server=live_server, alice=alice, assessment=assessment)


def assert_no_axe_violations(page: Page, *, structure: bool = True, preload: bool = True) -> None:
    """`preload=False` for Django's admin pages: their forms.css @imports widgets.css, which axe
    re-reads by adding a <style> element that our CSP (rightly) blocks; the page itself has no
    inline style. Only css-orientation-lock needs the preloaded styles."""
    results = AXE.run(
        page,
        options={
            "runOnly": {"type": "tag", "values": WCAG_TAGS},
            "rules": {rule: {"enabled": True} for rule in ALWAYS_RUN},
            "resultTypes": ["violations"],
            "preload": preload,
        },
    )
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"
    ran = {r["id"] for kind in ("violations", "passes", "incomplete", "inapplicable") for r in results.response[kind]}
    assert set(ALWAYS_RUN) <= ran, f"axe did not run {set(ALWAYS_RUN) - ran}"
    if structure:
        results = AXE.run(page, options={"runOnly": {"type": "rule", "values": STRUCTURE_RULES}})
        assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
@pytest.mark.parametrize("name, scenario_id, visit", SCENARIOS, ids=[s[1] for s in SCENARIOS])
def test_page_has_no_axe_violations(world: World, name, scenario_id, visit, viewport):
    world.page.set_viewport_size(viewport)
    world.viewport = viewport
    visit(world)
    page = world.page
    # Django's own admin sign-in page is held to WCAG but not to our page-structure rules.
    assert_no_axe_violations(page, structure=name != "admin:login")
    if name != "admin:login":
        assert page.locator("h1").count() == 1
        assert page.title().endswith(" – HIAT Assessments"), page.title()
        shows_errors = scenario_id.endswith(("-errors", "-gaps"))
        assert page.title().startswith("Error: ") == shows_errors, page.title()


@pytest.mark.parametrize(
    "path",
    [
        "/assessments/",
        "sections/1/",
        "sections/4/",
        "sections/3/check/",
        "",
        "details/",
        "report/",
        "answers/s1_problem/history/",
    ],
)
def test_pages_reflow_at_320_pixels(world: World, path):
    """320 CSS pixels is what a 1280-pixel screen shows at 400% zoom (WCAG 1.4.10 Reflow)."""
    world.sign_in()
    world.page.set_viewport_size({"width": 320, "height": 640})
    world.page.goto(path if path.startswith("/") else world.url(path))
    overflow = world.page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{path}: {overflow}px of horizontal scrolling at 320px wide"


@pytest.mark.parametrize(
    "path",
    [
        "/assessments/",
        "",
        "introduction/",
        "sections/1/",
        "sections/1/check/",
        "details/",
        "report/",
        "answers/s1_problem/history/",
    ],
)
def test_pages_reflow_with_a_long_unbroken_title(world: World, path):
    """A pasted 200-character title with no spaces must wrap, not push the page sideways."""
    assessment_update_details(
        assessment=world.assessment, details={"title": "Z" * 200, "organisation": "Y" * 300}, user=world.alice
    )
    world.sign_in()
    world.page.set_viewport_size({"width": 320, "height": 640})
    world.page.goto(path if path.startswith("/") else world.url(path))
    overflow = world.page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{path}: {overflow}px of horizontal scrolling at 320px wide"
