"""Autosave on the section page: answers saved while people type, kept on the device until
the server has them, two people editing one answer, and signing out mid-edit."""

import json
import re
import time

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import BrowserContext, Locator, Page, Route, expect

from accounts.models import User
from assessments import services
from assessments.models import Answer, AnswerRevision, Assessment, Membership, Role
from tests.browser.conftest import sign_in_context
from tests.browser.flows import question_field
from tests.conftest import PASSWORD
from tests.helpers import author_name
from toolkit_content.models import Question

pytestmark = pytest.mark.browser

SAVED = re.compile(r"^Saved at \d\d:\d\d$")
OFFLINE = "Not saved: you are offline. Your text is kept on this device and will be saved when you are back online"
KEEPALIVE_SPY_JS = """{
    const fetch = window.fetch;
    window.fetch = (url, options) => {
        window.keepalive = [...(window.keepalive || []), Boolean(options && options.keepalive)];
        return fetch(url, options);
    };
}"""
DRAFTS_JS = "() => Object.entries(localStorage).filter(([key]) => key.startsWith('hiat-draft:'))"


@pytest.fixture
def question(toolkit_version) -> Question:
    """The first question of section 1 (long text)."""
    return toolkit_version.sections.get(number=1).questions.get(key="s1_problem")


@pytest.fixture
def bob(assessment) -> User:
    bob = User.objects.create_user("bob@example.org", PASSWORD, display_name="Bob Editor")
    Membership.objects.create(assessment=assessment, user=bob, role=Role.EDITOR, added_by=assessment.owner)
    return bob


def open_section(page: Page, assessment: Assessment, number: int = 1) -> None:
    page.goto(f"/assessments/{assessment.pk}/sections/{number}/")
    expect(page.get_by_role("heading", level=1, name=re.compile(f"^Section {number}"))).to_be_visible()


def status(page: Page, question: Question) -> Locator:
    return page.locator(f"#{question.key}-autosave-status")


def base(page: Page, question: Question) -> Locator:
    return page.locator(f'input[name="{question.key}-base"]')


def drafts(page: Page) -> list[str]:
    """The values kept in the browser's local storage, waiting for the server."""
    return [entry[1] for entry in page.evaluate(DRAFTS_JS)]


def stored(assessment: Assessment, question: Question) -> Answer | None:
    return Answer.objects.filter(assessment=assessment, question=question).first()


def saved(assessment: Assessment, question: Question) -> Answer:
    """The stored answer to a question that has one."""
    answer = stored(assessment, question)
    assert answer is not None, f"no answer to {question.key} is stored"
    return answer


def test_typing_is_saved_without_pressing_a_button_and_survives_a_reload(
    page: Page, context, live_server, alice, assessment, question
):
    # Saves are sent to outlive the page (a save is often sent as the person leaves).
    context.add_init_script(KEEPALIVE_SPY_JS)
    sign_in_context(context, live_server, alice)
    open_section(page, assessment)
    # What the session-timeout script listens for: each save counts as activity.
    page.evaluate(
        "() => document.addEventListener('hiat:activity', () => (window.activity = (window.activity || 0) + 1))"
    )
    field = question_field(page, question)
    field.press_sequentially("Rents are rising")
    expect(status(page, question)).to_have_text(SAVED)
    expect(status(page, question)).to_have_attribute("aria-live", "polite")
    answer = stored(assessment, question)
    assert answer is not None and (answer.text, answer.version) == ("Rents are rising", 1)
    expect(base(page, question)).to_have_value("1")
    assert drafts(page) == []
    assert page.evaluate("window.activity") == 1
    assert page.evaluate("window.keepalive") == [True]

    # A second save starts from the first one's version (else the server would refuse it).
    field.press_sequentially(" in Eastgate.")
    expect(base(page, question)).to_have_value("2")
    expect(status(page, question)).to_have_text(SAVED)
    assert saved(assessment, question).text == "Rents are rising in Eastgate."

    page.reload()
    expect(question_field(page, question)).to_have_value("Rents are rising in Eastgate.")
    expect(status(page, question)).to_be_empty()
    assert drafts(page) == []


def test_the_save_buttons_work_after_autosave(page: Page, context, live_server, alice, assessment, question):
    sign_in_context(context, live_server, alice)
    open_section(page, assessment)
    field = question_field(page, question)
    field.fill("Saved while typing.")
    expect(base(page, question)).to_have_value("1")
    field.fill("Saved on leaving the box.")
    field.blur()  # sent at once...
    field.fill("Saved by the button.")
    # ...and still in flight: the form waits for it, then sends the newer text against
    # the version it made, so the form's own save is not refused as a conflict.
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
    expect(page.get_by_text("Saved by the button.")).to_be_visible()
    assert saved(assessment, question).text == "Saved by the button."


def test_text_changed_back_to_how_the_page_started_is_saved_by_the_buttons(
    page: Page, context, live_server, alice, assessment, question
):
    sign_in_context(context, live_server, alice)
    open_section(page, assessment)
    field = question_field(page, question)
    field.fill("Saved while typing.")
    expect(base(page, question)).to_have_value("1")
    # Back to blank, as the page started, and saved by the button before autosave runs:
    # the form must not take it for an answer left as it was shown.
    field.fill("")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
    assert saved(assessment, question).text == ""


def test_leaving_the_box_saves_at_once_and_choices_save_when_chosen(
    page: Page, context, live_server, alice, assessment, question, toolkit_version
):
    sign_in_context(context, live_server, alice)
    open_section(page, assessment)
    question_field(page, question).fill("Left at once.")
    page.keyboard.press("Tab")
    # Well inside the 2-second pause that saves while someone is still in the box.
    expect(base(page, question)).to_have_value("1", timeout=1500)
    assert saved(assessment, question).text == "Left at once."

    dimensions = toolkit_version.sections.get(number=1).questions.get(key="s1_dimensions")
    group = question_field(page, dimensions)
    group.get_by_label(dimensions.choices[1]["label"], exact=True).check()
    expect(base(page, dimensions)).to_have_value("1", timeout=1500)
    group.get_by_label(dimensions.choices[0]["label"], exact=True).check()
    expect(base(page, dimensions)).to_have_value("2", timeout=1500)
    expect(status(page, dimensions)).to_have_text(SAVED)
    assert set(saved(assessment, dimensions).selected) == {c["value"] for c in dimensions.choices[:2]}


def test_text_typed_offline_is_kept_and_saved_when_back_online(
    page: Page, context: BrowserContext, live_server, alice, assessment, question
):
    sign_in_context(context, live_server, alice)
    page.clock.install()
    open_section(page, assessment)
    context.set_offline(True)
    question_field(page, question).fill("Typed on a train.")
    expect(status(page, question)).to_have_text(OFFLINE)
    assert drafts(page) and '"Typed on a train."' in drafts(page)[0]
    assert stored(assessment, question) is None

    # With the page's timers stopped, only coming back online can send it.
    page.clock.pause_at(page.evaluate("Date.now()") + 10)
    context.set_offline(False)
    expect(status(page, question)).to_have_text(SAVED)
    assert saved(assessment, question).text == "Typed on a train."
    assert drafts(page) == []


def test_text_typed_offline_on_a_closed_page_is_restored_and_saved(
    page: Page, context: BrowserContext, live_server, alice, assessment, question
):
    sign_in_context(context, live_server, alice)
    open_section(page, assessment)
    context.set_offline(True)
    question_field(page, question).fill("Typed before the battery ran out.")
    expect(status(page, question)).to_have_text(OFFLINE)
    page.close()
    context.set_offline(False)

    page = context.new_page()
    open_section(page, assessment)
    expect(question_field(page, question)).to_have_value("Typed before the battery ran out.")
    restored = re.compile(r"^Restored text you had not saved \(typed at \d\d:\d\d\)\. Saved at \d\d:\d\d$")
    expect(status(page, question)).to_have_text(restored)
    assert saved(assessment, question).text == "Typed before the battery ran out."
    assert drafts(page) == []


def test_a_kept_draft_from_an_older_version_asks_which_answer_to_keep(
    page: Page, context: BrowserContext, live_server, alice, bob, assessment, question
):
    sign_in_context(context, live_server, alice)
    open_section(page, assessment)
    context.set_offline(True)
    question_field(page, question).fill("Alice's offline text.")
    expect(status(page, question)).to_have_text(OFFLINE)
    page.close()
    context.set_offline(False)
    services.answer_save(assessment=assessment, question=question, value="Bob's text.", base_version=0, user=bob)

    page = context.new_page()
    open_section(page, assessment)
    panel = page.locator(".app-conflict")
    expect(panel.get_by_role("heading", name=re.compile(r"^Bob Editor changed this answer at"))).to_be_focused()
    expect(panel).to_contain_text("Bob's text.")
    expect(question_field(page, question)).to_have_value("Alice's offline text.")
    assert saved(assessment, question).text == "Bob's text."  # nothing saved until Alice chooses
    page.get_by_role("button", name="Keep my answer").click()
    expect(status(page, question)).to_have_text(SAVED)
    assert saved(assessment, question).text == "Alice's offline text."


ALICES = "Alice's <em>answer</em>."


def two_editors_in_conflict(page: Page, context, second_context, live_server, alice, bob, assessment, question) -> Page:
    """Alice and Bob open the same section; Alice's answer is saved; Bob, still on the
    version he opened, types his own: the page of Bob that this returns shows the conflict."""
    sign_in_context(context, live_server, alice)
    sign_in_context(second_context, live_server, bob)
    bobs_page = second_context.new_page()
    open_section(page, assessment)
    open_section(bobs_page, assessment)
    question_field(page, question).fill(ALICES)
    expect(status(page, question)).to_have_text(SAVED)
    question_field(bobs_page, question).fill("Bob's answer.")
    bobs_page.keyboard.press("Tab")
    panel = bobs_page.locator(".app-conflict")
    heading = panel.get_by_role("heading", name=re.compile(r"^Alice Owner changed this answer at \d\d:\d\d"))
    expect(heading).to_be_visible()
    expect(panel).to_contain_text(ALICES)  # shown as text...
    expect(panel.locator("em")).to_have_count(0)  # ...never as HTML
    expect(panel).to_contain_text("Bob's answer.")
    expect(status(bobs_page, question)).to_contain_text("Not saved: Alice Owner changed this answer")
    return bobs_page


def history(assessment: Assessment, question: Question) -> list[tuple[str, str]]:
    revisions = AnswerRevision.objects.filter(answer__assessment=assessment, answer__question=question)
    return [(author_name(r), r.text) for r in revisions.order_by("version").select_related("author")]


def test_two_editors_keep_my_answer(page, context, second_context, live_server, alice, bob, assessment, question):
    bobs_page = two_editors_in_conflict(page, context, second_context, live_server, alice, bob, assessment, question)
    bobs_page.get_by_role("button", name="Keep my answer").click()
    expect(status(bobs_page, question)).to_have_text(SAVED)
    expect(bobs_page.locator(".app-conflict")).to_have_count(0)
    expect(base(bobs_page, question)).to_have_value("2")
    answer = saved(assessment, question)
    assert (answer.text, answer.version, answer.updated_by) == ("Bob's answer.", 2, bob)
    assert history(assessment, question) == [("Alice Owner", ALICES), ("Bob Editor", "Bob's answer.")]
    assert drafts(bobs_page) == []


def test_two_editors_use_their_answer(page, context, second_context, live_server, alice, bob, assessment, question):
    bobs_page = two_editors_in_conflict(page, context, second_context, live_server, alice, bob, assessment, question)
    bobs_page.get_by_role("button", name="Use their answer").click()
    expect(question_field(bobs_page, question)).to_have_value(ALICES)
    expect(question_field(bobs_page, question)).to_be_focused()
    expect(bobs_page.locator(".app-conflict")).to_have_count(0)
    expect(base(bobs_page, question)).to_have_value("1")
    assert drafts(bobs_page) == []
    answer = saved(assessment, question)
    assert (answer.text, answer.version) == (ALICES, 1)
    assert history(assessment, question) == [("Alice Owner", ALICES)]
    # Bob's page carries on from Alice's version: his next change is saved, not refused.
    bobs_page.keyboard.press("Control+End")
    bobs_page.keyboard.type(" Agreed.")
    expect(base(bobs_page, question)).to_have_value("2")
    assert saved(assessment, question).text == f"{ALICES} Agreed."


def test_two_editors_combine_them(page, context, second_context, live_server, alice, bob, assessment, question):
    bobs_page = two_editors_in_conflict(page, context, second_context, live_server, alice, bob, assessment, question)
    bobs_page.get_by_role("button", name="Combine them").click()
    field = question_field(bobs_page, question)
    expect(field).to_be_focused()
    panel = bobs_page.locator(".app-conflict")
    expect(panel).to_contain_text(ALICES)  # still in view while Bob writes
    assert saved(assessment, question).text == ALICES
    field.fill(f"{ALICES} Bob's answer.")
    expect(status(bobs_page, question)).to_have_text(SAVED)
    expect(base(bobs_page, question)).to_have_value("2")
    assert saved(assessment, question).text == f"{ALICES} Bob's answer."
    bobs_page.get_by_role("button", name="Hide their answer").click()
    expect(panel).to_have_count(0)
    expect(field).to_be_focused()


def test_the_forms_own_conflict_page_still_works_with_javascript(
    page: Page, context, live_server, alice, bob, assessment, question
):
    sign_in_context(context, live_server, alice)
    open_section(page, assessment)
    services.answer_save(assessment=assessment, question=question, value="Bob's text.", base_version=0, user=bob)
    question_field(page, question).fill("Alice's text.")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_text("Someone else changed an answer while you were editing")).to_be_visible()
    # The choice is the form's: autosave leaves that question alone until it is made.
    field = question_field(page, question)
    field.fill("Alice's text, reconsidered.")
    field.blur()
    expect(status(page, question)).to_have_count(0)
    page.get_by_label("Keep my answer (in the box below").check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
    assert saved(assessment, question).text == "Alice's text, reconsidered."


def test_signed_out_mid_edit_keeps_the_text_until_signed_in_again(
    page: Page, context, live_server, alice, assessment, question
):
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill(alice.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    open_section(page, assessment)
    Session.objects.all().delete()  # the session ends, as it does after its time limit

    question_field(page, question).fill("Typed after the session ended.")
    page.keyboard.press("Tab")
    expect(status(page, question)).to_have_text(
        "Not saved: you have been signed out. Sign in again — your text is kept on this device."
    )
    assert '"Typed after the session ended."' in drafts(page)[0]
    link = status(page, question).get_by_role("link", name="Sign in again")
    section_path = f"/assessments/{assessment.pk}/sections/1/"
    assert link.get_attribute("href") == f"/accounts/login/?next={section_path.replace('/', '%2F')}"
    assert stored(assessment, question) is None

    link.click()
    page.get_by_label("Email address").fill(alice.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(re.escape(section_path) + "$"))
    expect(question_field(page, question)).to_have_value("Typed after the session ended.")
    expect(status(page, question)).to_have_text(re.compile(r"^Restored text you had not saved .*Saved at \d\d:\d\d$"))
    assert saved(assessment, question).text == "Typed after the session ended."
    assert drafts(page) == []


def test_too_long_an_answer_shows_the_servers_message_and_waits_for_a_change(
    page: Page, context, live_server, alice, assessment, question
):
    sign_in_context(context, live_server, alice)
    open_section(page, assessment)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url) if "/answers/" in request.url else None)
    field = question_field(page, question)
    field.fill("x" * 20_001)
    page.keyboard.press("Tab")
    expect(status(page, question)).to_contain_text(f"Your answer to {question.number} must be 20,000 characters")
    expect(page.locator(f"#div_id_{question.key}")).to_have_class(re.compile("govuk-form-group--error"))
    sent = len(requests)
    field.focus()
    page.keyboard.press("Tab")  # the same text again: not sent again, now or by a retry
    page.wait_for_timeout(1300)  # longer than the first retry's pause (1 s, give or take a fifth)
    assert len(requests) == sent
    field.fill("x" * 20_000)
    expect(status(page, question)).to_have_text(SAVED)
    expect(page.locator(f"#div_id_{question.key}")).not_to_have_class(re.compile("govuk-form-group--error"))
    assert len(saved(assessment, question).text) == 20_000


def test_autosave_works_without_local_storage(page: Page, context, live_server, alice, assessment, question):
    context.add_init_script(
        "Object.defineProperty(window, 'localStorage', {get() { throw new DOMException('denied', 'SecurityError'); }})"
    )
    sign_in_context(context, live_server, alice)
    open_section(page, assessment)
    context.set_offline(True)
    question_field(page, question).fill("No storage here.")
    expect(status(page, question)).to_have_text(
        "Not saved: you are offline. Keep this page open: your text will be saved when you are back online"
    )
    context.set_offline(False)
    expect(status(page, question)).to_have_text(SAVED)
    assert saved(assessment, question).text == "No storage here."


def test_drafts_older_than_30_days_or_already_saved_are_dropped(
    page: Page, context, live_server, alice, assessment, question, toolkit_version
):
    second = toolkit_version.sections.get(number=1).questions.get(key="s1_groups_affected")
    services.answer_save(assessment=assessment, question=second, value="Already saved.", base_version=0, user=alice)
    sign_in_context(context, live_server, alice)
    page.goto("/assessments/")
    prefix = f"hiat-draft:{alice.pk}:{assessment.pk}:"
    page.evaluate(
        """([prefix, first, second]) => {
            const day = 24 * 60 * 60 * 1000;
            const draft = (value, base, age) =>
                JSON.stringify({value, base, clientId: 'c' + age, time: Date.now() - age});
            localStorage.setItem(prefix + first, draft('Forgotten long ago.', 0, 31 * day));
            localStorage.setItem(prefix + second, draft('Already saved.', 0, day));
            localStorage.setItem('hiat-draft:0:another-assessment:q', draft('Old elsewhere.', 0, 40 * day));
        }""",
        [prefix, question.key, second.key],
    )
    page.goto("/assessments/")  # any page tidies drafts older than 30 days, whatever the assessment
    assert len(drafts(page)) == 1
    open_section(page, assessment)  # the section page drops a draft equal to what it shows
    expect(question_field(page, question)).to_have_value("")
    expect(question_field(page, second)).to_have_value("Already saved.")
    assert drafts(page) == []
    assert stored(assessment, question) is None
    assert saved(assessment, second).version == 1


def test_a_save_whose_answer_was_lost_is_sent_again_and_applied_once(
    page: Page, context, live_server, alice, assessment, question
):
    sign_in_context(context, live_server, alice)
    open_section(page, assessment)
    sent: list[dict] = []

    def lose_the_first_answer(route: Route) -> None:
        sent.append(json.loads(route.request.post_data or "{}"))
        response = route.fetch()  # the server saves it...
        if len(sent) == 1:
            route.fulfill(status=503, body="Service unavailable")  # ...but its answer is lost
        else:
            route.fulfill(response=response)

    page.route("**/answers/**", lose_the_first_answer)
    question_field(page, question).fill("Sent twice, saved once.")
    page.keyboard.press("Tab")
    expect(status(page, question)).to_have_text("Not saved, retrying")
    expect(status(page, question)).to_have_text(SAVED)
    assert len(sent) == 2 and sent[0] == sent[1]  # the same client id, value and version
    expect(base(page, question)).to_have_value("1")
    answer = saved(assessment, question)
    assert (answer.text, answer.version) == ("Sent twice, saved once.", 1)
    assert drafts(page) == []


@pytest.mark.parametrize("leave_by", ["link", "address", "closing"])
def test_leaving_the_page_straight_after_typing_saves_the_text(
    page: Page, context, live_server, alice, assessment, question, leave_by
):
    sign_in_context(context, live_server, alice)
    open_section(page, assessment)
    question_field(page, question).fill("Typed, then off to the task list.")
    if leave_by == "link":  # the box loses focus first
        page.get_by_role("link", name="Back").click()
        expect(page.get_by_role("heading", name=assessment.title)).to_be_visible()
    elif leave_by == "address":  # typed in the address bar: the page is hidden with the box still focused
        page.goto(f"/assessments/{assessment.pk}/")
        expect(page.get_by_role("heading", name=assessment.title)).to_be_visible()
    else:  # the tab is closed
        page.close(run_before_unload=True)
    deadline = time.monotonic() + 5
    while stored(assessment, question) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert saved(assessment, question).text == "Typed, then off to the task list."
