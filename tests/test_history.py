"""An answer's history page (every version, who saved it, what changed), restoring an earlier
version from it, and the record of who completed and reopened a section on its check page.

The cast: alice owns the assessment, bob is an editor on its team, vera a viewer, charlie
an outsider. Section 1's 1.1 (s1_problem) is a long text question, 1.4a (s1_dimensions) a
checklist.
"""

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.http import urlencode

from accounts.models import User
from assessments import presenters, services
from assessments.history_views import CONFLICT_MESSAGE, HISTORY_PAGE_SIZE
from assessments.models import Answer, AnswerRevision, Membership, Role, SectionCompletion
from tests.conftest import PASSWORD, client_for
from tests.helpers import summary_rows, text_of
from tests.test_section_page import content_with
from toolkit_content.loader import toolkit_load
from toolkit_content.models import Question


@pytest.fixture
def bob(assessment) -> User:
    user = User.objects.create_user("bob@example.org", PASSWORD, display_name="Bob Editor")
    Membership.objects.create(assessment=assessment, user=user, role=Role.EDITOR, added_by=assessment.owner)
    return user


@pytest.fixture
def vera(assessment) -> User:
    user = User.objects.create_user("vera@example.org", PASSWORD, display_name="Vera Viewer")
    Membership.objects.create(assessment=assessment, user=user, role=Role.VIEWER, added_by=assessment.owner)
    return user


@pytest.fixture
def problem(assessment) -> Question:
    return assessment.toolkit_version.sections.get(number=1).questions.get(key="s1_problem")


@pytest.fixture
def dimensions(assessment) -> Question:
    return assessment.toolkit_version.sections.get(number=1).questions.get(key="s1_dimensions")


def save(assessment, question: Question, value, user: User) -> int:
    """Save an answer as the section page would, from the current version; returns the new version."""
    answer = Answer.objects.filter(assessment=assessment, question=question).first()
    base = answer.version if answer else 0
    return services.answer_save(
        assessment=assessment, question=question, value=value, base_version=base, user=user
    ).version


def a_minute_later(assessment, question: Question) -> None:
    """Move the newest history entry's start back 61 seconds, as if a minute had passed."""
    newest = AnswerRevision.objects.filter(answer__assessment=assessment, answer__question=question).first()
    assert newest is not None
    AnswerRevision.objects.filter(pk=newest.pk).update(started_at=newest.started_at - timedelta(seconds=61))


def history_url(assessment, key: str = "s1_problem") -> str:
    return reverse("answer_history", args=[assessment.pk, key])


def restore_url(assessment, key: str = "s1_problem") -> str:
    return reverse("answer_restore", args=[assessment.pk, key])


@dataclass(frozen=True)
class SeenEntry:
    version: int
    heading: str
    meta: str
    body: str  # everything else a person reads in the entry, hidden "added:"/"removed:" too
    added: list[str]
    removed: list[str]
    restore_button: str


def history_entries(page: str) -> list[SeenEntry]:
    """The entries of a history page, in the order shown."""
    entries = []
    for version, entry in re.findall(
        r'<li class="app-history__entry" id="version-(\d+)">(.*?)</li>\s*(?=<li class="app-history__entry"|</ol>)',
        page,
        re.S,
    ):
        heading = re.search(r"<h2[^>]*>(.*?)</h2>", entry, re.S)
        meta = re.search(r'<p class="govuk-body-s app-history__meta">(.*?)</p>', entry, re.S)
        button = re.search(r"<button[^>]*>(.*?)</button>", entry, re.S)
        assert heading and meta, entry
        body = entry[meta.end() : button.start() if button else len(entry)]
        entries.append(
            SeenEntry(
                version=int(version),
                heading=text_of(heading[1]),
                meta=text_of(meta[1]),
                body=text_of(body),
                added=[text_of(m) for m in re.findall(r'<ins class="app-diff__added">(.*?)</ins>', entry, re.S)],
                removed=[text_of(m) for m in re.findall(r'<del class="app-diff__removed">(.*?)</del>', entry, re.S)],
                restore_button=text_of(button[1]) if button else "",
            )
        )
    return entries


def messages_on(page: str) -> list[str]:
    """The success, information and error messages at the top of a page."""
    found = re.findall(r'<p class="govuk-notification-banner__heading">(.*?)</p>', page, re.S)
    found += re.findall(r'<div class="govuk-error-summary__body"><p class="govuk-body">(.*?)</p>', page, re.S)
    return [text_of(message) for message in found]


def history_page(client, assessment, key: str = "s1_problem") -> str:
    response = client.get(history_url(assessment, key))
    assert response.status_code == 200
    page = response.content.decode()
    assert "History of your answer to" in page
    return page


def restore(client, assessment, version, base_version, key: str = "s1_problem"):
    return client.post(restore_url(assessment, key), {"version": version, "base_version": base_version})


# --- The history page -------------------------------------------------------------------


def test_entries_are_listed_newest_first_with_who_saved_them(alice_client, assessment, problem, alice, bob):
    save(assessment, problem, "Alice's first words.", alice)
    save(assessment, problem, "Bob's words.", bob)
    save(assessment, problem, "Alice's words again.", alice)
    page = history_page(alice_client, assessment)
    assert '<h1 class="govuk-heading-l">History of your answer to 1.1</h1>' in page
    assert html.escape(problem.text, quote=True) in page
    entries = history_entries(page)
    assert [e.version for e in entries] == [3, 2, 1]
    assert entries[0].heading == "Version 3 Current version"
    assert [e.heading for e in entries[1:]] == ["Version 2", "Version 1"]
    assert [e.meta.split(" on ")[0] for e in entries] == [
        "Edited by Alice Owner",
        "Edited by Bob Editor",
        "Edited by Alice Owner",
    ]
    assert entries[2].body == "Alice's first words."


def test_one_persons_saves_within_a_minute_are_one_entry(alice_client, assessment, problem, alice):
    for words in ("One.", "One, two.", "One, two, three."):
        save(assessment, problem, words, alice)
    (entry,) = history_entries(history_page(alice_client, assessment))
    assert entry.version == 3 and entry.heading == "Version 3 Current version"
    assert entry.body == "One, two, three."


def test_another_persons_save_starts_a_new_entry(alice_client, assessment, problem, alice, bob):
    save(assessment, problem, "Alice's words.", alice)
    save(assessment, problem, "Bob's words.", bob)
    assert [e.version for e in history_entries(history_page(alice_client, assessment))] == [2, 1]


def test_a_save_over_a_minute_after_the_entry_began_starts_a_new_entry(alice_client, assessment, problem, alice):
    save(assessment, problem, "Morning words.", alice)
    a_minute_later(assessment, problem)
    save(assessment, problem, "Later words.", alice)
    assert [e.version for e in history_entries(history_page(alice_client, assessment))] == [2, 1]


def test_a_folded_entry_says_when_it_began_and_ended(alice_client, assessment, problem, alice):
    save(assessment, problem, "Words.", alice)
    AnswerRevision.objects.filter(answer__question=problem).update(
        started_at=datetime(2027, 3, 3, 14, 2, 10, tzinfo=UTC), saved_at=datetime(2027, 3, 3, 14, 3, 5, tzinfo=UTC)
    )
    (entry,) = history_entries(history_page(alice_client, assessment))
    assert entry.meta == "Edited by Alice Owner on 3 March 2027, between 14:02 and 14:03"


def test_differences_show_words_added_and_removed_as_text(alice_client, assessment, problem, alice, bob):
    save(assessment, problem, "Families <script>alert('x')</script> on low incomes.", alice)
    save(assessment, problem, "Families on low incomes and <b>carers</b>.", bob)
    page = history_page(alice_client, assessment)
    newest, oldest = history_entries(page)
    assert newest.removed == ["removed: <script>alert('x')</script>"]
    assert newest.added == ["added: and <b>carers</b>"]
    assert newest.body == "Families removed: <script>alert('x')</script> on low incomes added: and <b>carers</b> ."
    assert oldest.added == oldest.removed == []
    # Every answer is text on the page, never markup.
    assert "<script>alert" not in page and "<b>carers" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


def test_choices_added_and_removed_are_listed(alice_client, assessment, dimensions, alice, bob):
    first, second, third = (c["value"] for c in dimensions.choices[:3])
    labels = [c["label"] for c in dimensions.choices[:3]]
    save(assessment, dimensions, [first, second], alice)
    save(assessment, dimensions, [second, third], bob)
    newest, oldest = history_entries(history_page(alice_client, assessment, "s1_dimensions"))
    assert newest.removed == [f"removed: {labels[0]}"]
    assert newest.added == [f"added: {labels[2]}"]
    assert labels[1] in newest.body
    assert oldest.body == f"{labels[0]} {labels[1]}"


def test_an_answer_never_saved_has_no_history_yet(alice_client, assessment):
    page = history_page(alice_client, assessment)
    assert "There is no history of this answer yet." in page
    assert history_entries(page) == []


def test_a_cleared_answer_shows_what_was_removed(alice_client, assessment, problem, alice, bob):
    save(assessment, problem, "Words someone cleared.", alice)
    save(assessment, problem, "", bob)
    newest, _oldest = history_entries(history_page(alice_client, assessment))
    assert "This version is blank" in newest.body
    assert newest.removed == ["removed: Words someone cleared."]


def test_a_restored_version_says_which_it_brought_back(alice_client, assessment, problem, alice, bob):
    save(assessment, problem, "First words.", alice)
    save(assessment, problem, "Second words.", bob)
    restore(alice_client, assessment, 1, 2)
    newest = history_entries(history_page(alice_client, assessment))[0]
    assert newest.meta.startswith("Restored version 1 by Alice Owner on ")


def test_the_history_page_runs_the_same_queries_for_3_or_30_entries(alice_client, assessment, problem, alice, bob):
    def queries_with(entries: int) -> int:
        while AnswerRevision.objects.filter(answer__question=problem).count() < entries:
            count = AnswerRevision.objects.filter(answer__question=problem).count()
            save(assessment, problem, f"Words, version {count + 1}.", alice if count % 2 else bob)
        with CaptureQueriesContext(connection) as context:
            page = history_page(alice_client, assessment)
        assert len(history_entries(page)) == entries
        return len(context.captured_queries)

    assert queries_with(3) == queries_with(30)


def test_a_long_history_shows_its_newest_entries(alice_client, assessment, problem, alice, bob):
    for n in range(HISTORY_PAGE_SIZE + 2):
        save(assessment, problem, f"Words, version {n + 1}.", alice if n % 2 else bob)
    page = history_page(alice_client, assessment)
    entries = history_entries(page)
    assert len(entries) == HISTORY_PAGE_SIZE and entries[0].version == HISTORY_PAGE_SIZE + 2
    # The oldest shown is still compared with the one before it.
    assert entries[-1].added == ["added: 3"] and entries[-1].removed == ["removed: 2"]
    assert f"Only the newest {HISTORY_PAGE_SIZE} versions are shown here." in page


# --- Restoring a version ----------------------------------------------------------------


def test_restore_makes_a_new_version_with_the_old_text(alice_client, assessment, problem, alice, bob):
    save(assessment, problem, "First words.", alice)
    save(assessment, problem, "Second words.", bob)
    revision = assessment.revision
    response = restore(alice_client, assessment, 1, 2)
    assert response.status_code == 302 and response["Location"] == history_url(assessment)
    answer = Answer.objects.get(assessment=assessment, question=problem)
    assert (answer.text, answer.version, answer.updated_by) == ("First words.", 3, alice)
    newest = answer.revisions.first()
    assert newest is not None
    assert (newest.version, newest.kind, newest.restored_from, newest.author) == (3, "restore", 1, alice)
    assert newest.text == "First words."
    assessment.refresh_from_db()
    assert assessment.revision > revision
    page = history_page(alice_client, assessment)
    assert messages_on(page) == ["Version 1 restored. It is now version 3."]
    assert [e.version for e in history_entries(page)] == [3, 2, 1]


def test_each_older_entry_has_a_restore_button_naming_its_version(alice_client, assessment, problem, alice, bob):
    save(assessment, problem, "First words.", alice)
    save(assessment, problem, "Second words.", bob)
    page = history_page(alice_client, assessment)
    current, older = history_entries(page)
    assert current.restore_button == ""
    assert older.restore_button == "Restore this version version 1"
    form = re.search(rf'<form method="post" action="{restore_url(assessment)}"[^>]*>(.*?)</form>', page, re.S)
    assert form is not None
    assert '<input type="hidden" name="version" value="1">' in form[1]
    assert '<input type="hidden" name="base_version" value="2">' in form[1]


def test_restore_from_a_page_someone_has_since_changed_writes_nothing(alice_client, assessment, problem, alice, bob):
    save(assessment, problem, "First words.", alice)
    save(assessment, problem, "Second words.", bob)
    a_minute_later(assessment, problem)
    save(assessment, problem, "Bob's newer words.", bob)  # after alice's page showed version 2
    revision = assessment.revision
    response = restore(alice_client, assessment, 1, 2)
    assert response.status_code == 302
    answer = Answer.objects.get(assessment=assessment, question=problem)
    assert (answer.text, answer.version) == ("Bob's newer words.", 3)
    assert answer.revisions.count() == 3
    assessment.refresh_from_db()
    assert assessment.revision == revision
    page = history_page(alice_client, assessment)
    assert messages_on(page) == [CONFLICT_MESSAGE]
    assert "<title>Error: " in page


def test_pressing_restore_twice_makes_one_new_version(alice_client, assessment, problem, alice, bob):
    save(assessment, problem, "First words.", alice)
    save(assessment, problem, "Second words.", bob)
    restore(alice_client, assessment, 1, 2)
    assert messages_on(history_page(alice_client, assessment)) == ["Version 1 restored. It is now version 3."]
    second = restore(alice_client, assessment, 1, 2)
    assert second.status_code == 302
    answer = Answer.objects.get(assessment=assessment, question=problem)
    assert (answer.text, answer.version, answer.revisions.count()) == ("First words.", 3, 3)
    page = history_page(alice_client, assessment)
    assert messages_on(page) == ["Version 1 is the same as the current version, so nothing was changed."]


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"version": "", "base_version": "2"},
        {"version": "abc", "base_version": "2"},
        {"version": "1", "base_version": "two"},
        {"version": "-1", "base_version": "2"},
        {"version": "0", "base_version": "2"},
        {"version": "1", "base_version": "-5"},
        {"version": "1.5", "base_version": "2"},
        {"version": "99999999999999999999", "base_version": "2"},
        {"version": "1\x00", "base_version": "2"},
    ],
)
def test_a_missing_or_broken_version_gets_a_message(alice_client, assessment, problem, alice, bob, data):
    save(assessment, problem, "First words.", alice)
    save(assessment, problem, "Second words.", bob)
    response = alice_client.post(restore_url(assessment), data)
    assert response.status_code == 302 and response["Location"] == history_url(assessment)
    page = history_page(alice_client, assessment)
    assert messages_on(page) == ["Choose a version to restore from the list below."]
    assert Answer.objects.get(question=problem).version == 2


@pytest.mark.parametrize("version", ["7", "3"])
def test_a_version_not_in_this_answers_history_gets_a_message(alice_client, assessment, problem, alice, bob, version):
    save(assessment, problem, "First words.", alice)
    save(assessment, problem, "Second words.", bob)
    # Another answer has a version 3; this one does not.
    other = assessment.toolkit_version.sections.get(number=1).questions.get(key="s1_gradient")
    for n, user in enumerate((alice, bob, alice)):
        save(assessment, other, f"Other words {n}.", user)
    response = restore(alice_client, assessment, version, 2)
    assert response.status_code == 302
    page = history_page(alice_client, assessment)
    assert messages_on(page) == [f"This answer has no version {version} to restore. Choose one from the list below."]
    assert Answer.objects.get(question=problem).version == 2


def test_the_back_link_and_restore_return_to_the_page_the_person_came_from(
    alice_client, assessment, problem, alice, bob
):
    save(assessment, problem, "First words.", alice)
    save(assessment, problem, "Second words.", bob)
    check = reverse("section_check", args=[assessment.pk, 1])
    page = alice_client.get(history_url(assessment), {"return_url": check}).content.decode()
    assert f'<a href="{check}" class="govuk-back-link">Back</a>' in page
    response = alice_client.post(restore_url(assessment), {"version": 1, "base_version": 2, "return_url": check})
    assert response["Location"] == f"{history_url(assessment)}?return_url={check.replace('/', '%2F')}"
    elsewhere = alice_client.get(history_url(assessment), {"return_url": "https://example.com/"}).content.decode()
    section = reverse("section", args=[assessment.pk, 1])
    assert f'<a href="{section}#id_s1_problem" class="govuk-back-link">Back</a>' in elsewhere


# --- Who may see and restore --------------------------------------------------------------


def test_a_viewer_can_read_the_history_but_not_restore(assessment, problem, alice, bob, vera):
    save(assessment, problem, "First words.", alice)
    save(assessment, problem, "Second words.", bob)
    viewer = client_for(vera)
    page = history_page(viewer, assessment)
    assert [e.version for e in history_entries(page)] == [2, 1]
    assert "Restore this version" not in page
    check = reverse("section_check", args=[assessment.pk, 1])
    assert f'<a href="{check}" class="govuk-back-link">Back</a>' in page
    # Refused before anything else is looked at, whatever the form says.
    for version in (1, "abc", 7):
        assert restore(viewer, assessment, version, 2).status_code == 403
    answer = Answer.objects.get(question=problem)
    assert (answer.text, answer.version) == ("Second words.", 2)


def test_an_editor_can_restore(assessment, problem, alice, bob):
    save(assessment, problem, "First words.", alice)
    save(assessment, problem, "Second words.", alice)  # folded: one entry, version 2
    a_minute_later(assessment, problem)
    save(assessment, problem, "Third words.", alice)
    assert restore(client_for(bob), assessment, 2, 3).status_code == 302
    assert Answer.objects.get(question=problem).text == "Second words."


def test_an_outsider_gets_404_for_history_and_restore(charlie_client, assessment, problem, alice):
    save(assessment, problem, "Private words.", alice)
    for response in (charlie_client.get(history_url(assessment)), restore(charlie_client, assessment, 1, 1)):
        assert response.status_code == 404
        assert "Private words." not in response.content.decode()
        assert assessment.title not in response.content.decode()


def test_a_question_key_not_in_the_assessments_toolkit_version_is_404(alice_client, assessment, problem, alice):
    save(assessment, problem, "Words.", alice)
    toolkit_load(content=content_with(3, "another version"))  # has questions q0 to q2
    for key in ("no_such_question", "q0"):
        assert alice_client.get(history_url(assessment, key)).status_code == 404
        assert restore(alice_client, assessment, 1, 1, key=key).status_code == 404


# --- Links to the history -----------------------------------------------------------------


def test_the_section_page_links_to_the_history_of_saved_answers_only(alice_client, assessment, problem, alice):
    save(assessment, problem, "Words.", alice)
    page = alice_client.get(reverse("section", args=[assessment.pk, 1])).content.decode()
    links = re.findall(
        r'<p class="govuk-body app-history-link"><a class="govuk-link" href="([^"]*)">(.*?)</a></p>', page
    )
    assert [(href, text_of(text)) for href, text in links] == [
        (history_url(assessment), "See the history of this answer to 1.1")
    ]
    # Under its own question: after 1.1's field, before 1.2's.
    assert page.index('id="id_s1_problem"') < page.index("app-history-link") < page.index('id="id_s1_groups_affected"')


def test_the_check_page_links_to_the_history_of_each_saved_answer(assessment, problem, alice, vera):
    save(assessment, problem, "Words.", alice)
    check = reverse("section_check", args=[assessment.pk, 1])
    back = urlencode({"return_url": check})
    history = ("History of the answer to question 1.1", f"{history_url(assessment)}?{back}")
    change = ("Change question 1.1", f"{reverse('section', args=[assessment.pk, 1])}?{back}#id_s1_problem")
    owner_rows = summary_rows(client_for(alice).get(check).content.decode())
    assert owner_rows[0].actions == (change, history)
    # Viewers cannot change answers, but can read their history.
    viewer_rows = summary_rows(client_for(vera).get(check).content.decode())
    assert viewer_rows[0].actions == (history,)
    # Only answers someone has saved have a history.
    for rows in (owner_rows, viewer_rows):
        assert all("History" not in text for row in rows[1:] for text, _href in row.actions)


# --- The section's completion record ------------------------------------------------------


def at(hour: int, minute: int, day: int = 3) -> datetime:
    return datetime(2027, 3, day, hour, minute, tzinfo=UTC)  # London is on GMT in early March


def test_the_check_page_says_who_completed_the_section_and_when(alice_client, assessment, alice):
    section = assessment.toolkit_version.sections.get(number=1)
    completion = SectionCompletion.objects.create(assessment=assessment, section=section, completed_by=alice)
    SectionCompletion.objects.filter(pk=completion.pk).update(completed_at=at(14, 2))
    page = alice_client.get(reverse("section_check", args=[assessment.pk, 1])).content.decode()
    assert "Completed by Alice Owner on 3 March 2027 at 14:02." in text_of(page)
    assert "Section history" not in page


def test_the_check_page_keeps_the_record_of_completions_and_reopenings(assessment, alice, bob, vera):
    section = assessment.toolkit_version.sections.get(number=1)
    first = SectionCompletion.objects.create(assessment=assessment, section=section, completed_by=alice)
    SectionCompletion.objects.filter(pk=first.pk).update(
        completed_at=at(14, 2), reopened_at=at(9, 30, day=4), reopened_by=bob
    )
    second = SectionCompletion.objects.create(assessment=assessment, section=section, completed_by=bob)
    SectionCompletion.objects.filter(pk=second.pk).update(completed_at=at(11, 15, day=5))
    page = client_for(vera).get(reverse("section_check", args=[assessment.pk, 1])).content.decode()
    latest = re.search(r'<p class="govuk-body app-completion-record">(.*?)</p>', page, re.S)
    assert latest is not None
    assert text_of(latest[1]) == "Completed by Bob Editor on 5 March 2027 at 11:15."
    details = re.search(
        r'<details class="govuk-details">\s*<summary[^>]*>(.*?)</summary>(.*?)</details>', page[latest.end() :], re.S
    )
    assert details is not None
    assert text_of(details[1]) == "Section history"
    assert [text_of(item) for item in re.findall(r"<li>(.*?)</li>", details[2], re.S)] == [
        "Marked as in progress again by Bob Editor on 4 March 2027 at 09:30.",
        "Completed by Alice Owner on 3 March 2027 at 14:02.",
    ]


def test_reopening_through_the_page_is_recorded_with_who_did_it(alice_client, assessment, alice, bob):
    section = assessment.toolkit_version.sections.get(number=1)
    services.section_answers_save(
        assessment=assessment,
        section=section,
        values={q.key: "Words." for q in section.questions.all() if q.answer_type == "long_text"},
        user=alice,
    )
    alice_client.post(reverse("section_complete", args=[assessment.pk, 1]))
    client_for(bob).post(reverse("section_reopen", args=[assessment.pk, 1]))
    page = text_of(alice_client.get(reverse("section_check", args=[assessment.pk, 1])).content.decode())
    assert "Marked as in progress again by Bob Editor on " in page
    assert "Completed by Alice Owner on " in page


def test_an_account_that_is_gone_is_still_named(alice_client, assessment, alice, bob):
    section = assessment.toolkit_version.sections.get(number=1)
    SectionCompletion.objects.create(assessment=assessment, section=section, completed_by=bob)
    bob.delete()
    page = text_of(alice_client.get(reverse("section_check", args=[assessment.pk, 1])).content.decode())
    assert "Completed by Someone who no longer has an account on " in page


# --- The differences themselves -----------------------------------------------------------


def rebuilt(parts: list[presenters.DiffPart]) -> tuple[str, str]:
    """(the older text, the newer text) put back together from a difference."""
    older = "".join(p.text for p in parts if p.change != presenters.Change.ADDED)
    newer = "".join(p.text for p in parts if p.change != presenters.Change.REMOVED)
    return older, newer


def test_a_changed_phrase_reads_as_one_removal_and_one_addition():
    parts = presenters.word_diff("the quick brown fox", "the slow red fox")
    assert [(p.change.value, p.text) for p in parts] == [
        ("same", "the "),
        ("removed", "quick brown"),
        ("added", "slow red"),
        ("same", " fox"),
    ]


def test_changed_line_breaks_are_differences_too():
    parts = presenters.word_diff("One.\n\nTwo.", "One.\nTwo.")
    assert [(p.change.value, p.text) for p in parts] == [
        ("same", "One."),
        ("removed", "\n\n"),
        ("added", "\n"),
        ("same", "Two."),
    ]


def test_long_answers_are_compared_sentence_by_sentence_then_word_by_word():
    sentences = [f"Sentence {n} says something about group {n % 7}. " for n in range(800)]
    older = "".join(sentences)
    changed = list(sentences)
    changed[10] = "Sentence 10 says something new about group 3. "
    changed[700] = ""
    newer = "".join(changed)
    parts = presenters.word_diff(older, newer)
    assert rebuilt(parts) == (older, newer)
    assert [p.text for p in parts if p.change == presenters.Change.ADDED] == ["new "]
    assert [p.text for p in parts if p.change == presenters.Change.REMOVED] == [sentences[700]]
