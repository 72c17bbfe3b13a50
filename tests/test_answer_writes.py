"""Nothing typed is lost: versioned answer saves, conflicts, replays, history and races.

Two people (or two tabs) on one answer: the second save is refused with the newer text, and
both texts are kept. Two stale pages that changed different answers: both are kept. A save
sent twice is applied once. Saves that arrive together never give a server error.
"""

import html
import io
import json
import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.test import Client
from django.urls import reverse

from accounts.models import User
from assessments import services
from assessments.models import Answer, AnswerRevision, AnswerSaveReceipt, Assessment, Membership, Role
from tests.conftest import CONTENT_FILE, DETAILS, PASSWORD, client_for
from tests.helpers import at_once, author_name, details_post_data, hidden_inputs, section_page_data
from toolkit_content.loader import read_file, toolkit_load
from toolkit_content.models import Question


@pytest.fixture
def bob(assessment) -> User:
    user = User.objects.create_user("bob@example.org", PASSWORD, display_name="Bob Editor")
    Membership.objects.create(assessment=assessment, user=user, role=Role.EDITOR, added_by=assessment.owner)
    return user


def save(client: Client, assessment: Assessment, key: str, value, base: int, client_id: str = ""):
    url = reverse("answer_save", args=[assessment.pk, key])
    body = {"value": value, "base_version": base, "client_id": client_id}
    return client.post(url, body, content_type="application/json")


def stored(assessment: Assessment, key: str) -> Answer:
    return Answer.objects.get(assessment=assessment, question__key=key)


# --- The JSON endpoint -------------------------------------------------------------------


def test_a_first_save_makes_version_one_and_the_next_version_two(alice_client, assessment):
    first = save(alice_client, assessment, "s1_problem", "Falls are rising.", 0, "edit-1")
    assert first.status_code == 200 and first.json()["version"] == 1
    second = save(alice_client, assessment, "s1_problem", "Falls are rising fast.", 1, "edit-2")
    assert second.status_code == 200 and second.json()["version"] == 2
    assert stored(assessment, "s1_problem").text == "Falls are rising fast."
    assert "saved_at" in second.json()


def test_the_second_of_two_people_on_one_answer_gets_the_newer_text_and_nothing_is_overwritten(
    alice_client, assessment, bob
):
    bob_client = client_for(bob)
    assert save(alice_client, assessment, "s1_problem", "Alice's words", 0).status_code == 200
    refused = save(bob_client, assessment, "s1_problem", "Bob's words", 0)
    assert refused.status_code == 409
    assert refused.json() | {"updated_at": None} == {
        "error": "conflict",
        "version": 1,
        "value": "Alice's words",
        "updated_by": "Alice Owner",
        "updated_at": None,
    }
    assert stored(assessment, "s1_problem").text == "Alice's words"
    # Bob decides to keep his: he saves again from the version he has now seen.
    assert save(bob_client, assessment, "s1_problem", "Bob's words", 1).json()["version"] == 2
    history = [(r.text, author_name(r)) for r in stored(assessment, "s1_problem").revisions.all()]
    assert history == [("Bob's words", "Bob Editor"), ("Alice's words", "Alice Owner")]


def test_saving_the_text_already_stored_is_never_a_conflict(alice_client, assessment, bob):
    save(alice_client, assessment, "s1_problem", "Same words", 0)
    response = save(client_for(bob), assessment, "s1_problem", "Same words", 0)
    assert response.status_code == 200 and response.json()["version"] == 1


def test_a_save_sent_twice_is_applied_once(alice_client, assessment, bob):
    first = save(alice_client, assessment, "s1_problem", "Once only", 0, "retry-me")
    # Bob saves meanwhile; the retried request still gets the answer the first one got.
    save(client_for(bob), assessment, "s1_problem", "Bob's words", 1)
    again = save(alice_client, assessment, "s1_problem", "Once only", 0, "retry-me")
    assert again.status_code == 200 and again.json() == first.json()
    answer = stored(assessment, "s1_problem")
    assert answer.version == 2 and answer.text == "Bob's words"
    assert AnswerSaveReceipt.objects.filter(client_id="retry-me").count() == 1


def test_choice_answers_round_trip_as_lists_and_strings(alice_client, assessment):
    question = assessment.toolkit_version.sections.get(number=1).questions.get(key="s1_dimensions")
    values = [c["value"] for c in question.choices[:2]]
    response = save(alice_client, assessment, "s1_dimensions", list(reversed(values)), 0)
    assert response.status_code == 200
    assert stored(assessment, "s1_dimensions").selected == sorted(values)
    refused = save(alice_client, assessment, "s1_dimensions", [values[0]], 0)
    assert refused.status_code == 409 and refused.json()["value"] == sorted(values)


@pytest.mark.parametrize(
    "body,status,message",
    [
        ("not json", 400, "could not be read"),
        ("[1, 2]", 400, "no answer"),
        ('{"base_version": 0}', 400, "no answer"),
        ('{"value": "x"}', 400, "which version"),
        ('{"value": "x", "base_version": true}', 400, "which version"),
        ('{"value": "x", "base_version": -1}', 400, "which version"),
        ('{"value": "x", "base_version": "0"}', 400, "which version"),
        ('{"value": 5, "base_version": 0}', 400, "must be text"),
        ('{"value": ["x"], "base_version": 0}', 400, "must be text"),
        ('{"value": "x", "base_version": 0, "client_id": 7}', 400, "client id"),
        ('{"value": "x", "base_version": 0, "client_id": "' + "c" * 101 + '"}', 400, "client id"),
        ('{"value": "' + "x" * 20_001 + '", "base_version": 0}', 413, "20,000 characters"),
        ('{"value": "' + "line\\n" * 401 + '", "base_version": 0}', 413, "400 lines"),
        (b"\xff\xfe not utf-8", 400, "could not be read"),
    ],
)
def test_bad_saves_get_a_readable_message_and_change_nothing(alice_client, assessment, body, status, message):
    url = reverse("answer_save", args=[assessment.pk, "s1_problem"])
    response = alice_client.post(url, body, content_type="application/json")
    assert response.status_code == status
    assert message in response.json()["error"]
    assert not Answer.objects.filter(assessment=assessment).exists()


def test_an_invalid_choice_and_an_unknown_question_are_refused(alice_client, assessment):
    refused = save(alice_client, assessment, "s1_dimensions", ["not-an-option"], 0)
    assert refused.status_code == 400 and "from the list" in refused.json()["error"]
    unknown = save(alice_client, assessment, "no_such_question", "x", 0)
    assert unknown.status_code == 400 and "no such question" in unknown.json()["error"]


def test_a_body_over_the_size_limit_is_refused_before_it_is_read(alice_client, assessment):
    url = reverse("answer_save", args=[assessment.pk, "s1_problem"])
    body = json.dumps({"value": "x" * 300_000, "base_version": 0})
    response = alice_client.post(url, body, content_type="application/json")
    assert response.status_code == 413 and "too long" in response.json()["error"]


def test_control_characters_are_dropped_and_markup_is_kept_as_text(alice_client, assessment):
    text = "<script>alert(1)</script>\x00 Ünïcödé 你好 👩🏽‍⚕️"
    assert save(alice_client, assessment, "s1_problem", text, 0).status_code == 200
    assert stored(assessment, "s1_problem").text == "<script>alert(1)</script> Ünïcödé 你好 👩🏽‍⚕️"


def test_who_may_save_answers(assessment, bob, charlie_client):
    viewer = User.objects.create_user("vera@example.org", PASSWORD, display_name="Vera Viewer")
    Membership.objects.create(assessment=assessment, user=viewer, role=Role.VIEWER, added_by=assessment.owner)
    assert save(client_for(viewer), assessment, "s1_problem", "x", 0).status_code == 403
    assert save(charlie_client, assessment, "s1_problem", "x", 0).status_code == 404
    signed_out = save(Client(), assessment, "s1_problem", "x", 0)
    assert signed_out.status_code == 401 and signed_out.json()["sign_in_url"] == reverse("login")
    assert not Answer.objects.filter(assessment=assessment).exists()
    assert save(client_for(bob), assessment, "s1_problem", "x", 0).status_code == 200


def test_someone_removed_from_the_team_cannot_save_from_a_page_they_still_have_open(assessment, bob):
    bob_client = client_for(bob)
    Membership.objects.filter(user=bob).delete()
    assert save(bob_client, assessment, "s1_problem", "x", 0).status_code == 404
    with pytest.raises(PermissionDenied):
        services.answer_save(
            assessment=assessment,
            question=assessment.toolkit_version.sections.get(number=1).questions.get(key="s1_problem"),
            value="x",
            base_version=0,
            user=bob,
        )


def test_every_changing_save_bumps_the_revision_and_a_repeat_does_not(alice_client, assessment):
    revision = assessment.revision
    save(alice_client, assessment, "s1_problem", "One", 0)
    save(alice_client, assessment, "s1_problem", "One", 1)
    assessment.refresh_from_db()
    assert assessment.revision == revision + 1


# --- History -----------------------------------------------------------------------------


def test_one_persons_saves_within_a_minute_fold_into_one_history_entry(alice_client, assessment, bob):
    for version, text in enumerate(["F", "Fa", "Falls"]):
        save(alice_client, assessment, "s1_problem", text, version)
    answer = stored(assessment, "s1_problem")
    assert [(r.version, r.text) for r in answer.revisions.all()] == [(3, "Falls")]
    AnswerRevision.objects.filter(answer=answer).update(
        started_at=answer.revisions.get().started_at - timedelta(seconds=61)
    )
    save(alice_client, assessment, "s1_problem", "Falls rise", 3)
    save(client_for(bob), assessment, "s1_problem", "Falls rise with age", 4)
    save(alice_client, assessment, "s1_problem", "Falls rise with age.", 5)
    assert [(r.version, author_name(r)) for r in answer.revisions.all()] == [
        (6, "Alice Owner"),
        (5, "Bob Editor"),
        (4, "Alice Owner"),
        (3, "Alice Owner"),
    ]


def test_restoring_an_old_version_makes_a_new_version_and_keeps_the_history(alice, alice_client, assessment):
    save(alice_client, assessment, "s1_problem", "First draft", 0)
    AnswerRevision.objects.update(started_at=AnswerRevision.objects.get().started_at - timedelta(minutes=5))
    save(alice_client, assessment, "s1_problem", "Second draft", 1)
    question = stored(assessment, "s1_problem").question
    with pytest.raises(services.AnswerConflict):
        services.answer_restore(assessment=assessment, question=question, version=1, base_version=1, user=alice)
    saved = services.answer_restore(assessment=assessment, question=question, version=1, base_version=2, user=alice)
    answer = stored(assessment, "s1_problem")
    assert (saved.version, answer.text) == (3, "First draft")
    assert [(r.version, r.kind, r.restored_from, r.text) for r in answer.revisions.all()] == [
        (3, "restore", 1, "First draft"),
        (2, "edit", None, "Second draft"),
        (1, "edit", None, "First draft"),
    ]


# --- The section form without JavaScript --------------------------------------------------


def test_two_stale_pages_that_changed_different_answers_both_keep_their_change(alice_client, assessment, bob):
    url = reverse("section", args=[assessment.pk, 1])
    bob_client = client_for(bob)
    save(alice_client, assessment, "s1_problem", "Written this morning", 0)
    alices_page, bobs_page = section_page_data(alice_client, url), section_page_data(bob_client, url)
    alices_page |= {"s1_problem": "Alice's change", "later": ""}
    bobs_page |= {"s1_groups_affected": "Bob's change", "later": ""}
    assert alice_client.post(url, alices_page).status_code == 302
    assert bob_client.post(url, bobs_page).status_code == 302
    assert stored(assessment, "s1_problem").text == "Alice's change"
    assert stored(assessment, "s1_groups_affected").text == "Bob's change"


def test_a_stale_page_that_changed_the_same_answer_asks_which_to_keep(alice_client, assessment, bob):
    url = reverse("section", args=[assessment.pk, 1])
    bob_client = client_for(bob)
    bobs_page = section_page_data(bob_client, url)
    save(alice_client, assessment, "s1_problem", "Alice's <b>words</b>", 0)
    bobs_page |= {"s1_problem": "Bob's words", "s1_groups_affected": "Bob's other change", "continue": ""}
    response = bob_client.post(url, bobs_page)
    page = response.content.decode()
    assert response.status_code == 409
    assert "Alice Owner changed 1.1" in page and "Alice&#x27;s &lt;b&gt;words&lt;/b&gt;" in page
    assert 'id="id_s1_problem">\nBob&#x27;s words</textarea>' in page  # his text, in the box, not lost
    assert "Your other changes have been saved" in page
    assert stored(assessment, "s1_problem").text == "Alice's <b>words</b>"
    assert stored(assessment, "s1_groups_affected").text == "Bob's other change"

    # Saving again without choosing is an error that keeps his text.
    resubmit = section_page_from(page) | {"continue": ""}
    again = bob_client.post(url, resubmit)
    assert "Choose whether to keep your answer to 1.1 or the newer one" in again.content.decode()
    assert stored(assessment, "s1_problem").text == "Alice's <b>words</b>"

    # He keeps his: it is saved as the next version, and both are in the history.
    assert bob_client.post(url, resubmit | {"s1_problem-resolve": "mine"}).status_code == 302
    answer = stored(assessment, "s1_problem")
    assert (answer.text, answer.version) == ("Bob's words", 2)
    assert [r.text for r in answer.revisions.all()] == ["Bob's words", "Alice's <b>words</b>"]


def test_choosing_the_newer_answer_keeps_it_and_discards_mine(alice_client, assessment, bob):
    url = reverse("section", args=[assessment.pk, 1])
    bob_client = client_for(bob)
    bobs_page = section_page_data(bob_client, url) | {"s1_problem": "Bob's words", "continue": ""}
    save(alice_client, assessment, "s1_problem", "Alice's words", 0)
    page = bob_client.post(url, bobs_page).content.decode()
    response = bob_client.post(url, section_page_from(page) | {"s1_problem-resolve": "theirs", "continue": ""})
    assert response.status_code == 302
    assert stored(assessment, "s1_problem").text == "Alice's words"
    assert stored(assessment, "s1_problem").version == 1


def section_page_from(page: str) -> dict[str, object]:
    """The conflict page's form as the browser would post it back (hidden inputs and the boxes)."""
    data: dict[str, object] = {k: v for k, v in hidden_inputs(page).items() if k != "csrfmiddlewaretoken"}
    for name, text in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S):
        data[name] = html.unescape(text.removeprefix("\n"))
    return data


# --- Races --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_simultaneous_first_saves_of_a_section_never_fail(alice, assessment):
    url = reverse("section", args=[assessment.pk, 1])
    clients = [client_for(alice) for _ in range(8)]
    pages = [section_page_data(c, url) for c in clients]

    def post(i: int) -> int:
        data = pages[i] | {"s1_problem": f"Tab {i}", "s1_groups_affected": f"Tab {i} groups", "later": ""}
        return clients[i].post(url, data).status_code

    statuses = at_once(8, post)
    # One tab's first save wins; every other tab is shown the conflict, none gets an error.
    assert sorted(statuses) == [302] + [409] * 7
    assert Answer.objects.filter(assessment=assessment).count() == 2


@pytest.mark.django_db(transaction=True)
def test_twenty_people_saving_different_answers_at_once_lose_nothing(alice, assessment):
    questions = Question.objects.filter(section__version=assessment.toolkit_version, answer_type="long_text")
    keys = list(questions.values_list("key", flat=True)[:20])
    assert len(keys) == 20
    clients = [client_for(alice) for _ in range(20)]
    responses = at_once(20, lambda i: save(clients[i], assessment, keys[i], f"Person {i}", 0, f"client-{i}"))
    assert [r.status_code for r in responses] == [200] * 20
    for i, key in enumerate(keys):
        assert (stored(assessment, key).text, stored(assessment, key).version) == (f"Person {i}", 1)
    assessment.refresh_from_db()
    assert assessment.revision == 1 + 20


@pytest.mark.django_db(transaction=True)
def test_submitting_create_assessment_twice_makes_one(alice):
    toolkit_load(content=read_file(CONTENT_FILE))
    client = client_for(alice)
    page = client.get(reverse("assessment_new")).content.decode()
    token = hidden_inputs(page)["creation_token"]
    data = details_post_data() | {"creation_token": token}
    statuses = at_once(2, lambda i: client.post(reverse("assessment_new"), data).status_code)
    assert statuses == [302, 302]
    assert Assessment.objects.filter(owner=alice).count() == 1
    # The same page again later still makes no second one; a fresh page makes a new one.
    client.post(reverse("assessment_new"), data)
    assert Assessment.objects.filter(owner=alice).count() == 1
    client.post(reverse("assessment_new"), details_post_data())
    assert Assessment.objects.filter(owner=alice).count() == 2


def test_details_are_unchanged_by_the_new_assessment_token(alice_client, toolkit_version):
    client = alice_client
    response = client.post(reverse("assessment_new"), details_post_data() | {"creation_token": "not-a-uuid"})
    assert response.status_code == 302
    assert Assessment.objects.get().title == details_post_data()["title"] != DETAILS["title"]


# --- Project details ------------------------------------------------------------------------


def details_page_data(client: Client, assessment: Assessment) -> dict[str, object]:
    """The details form as the page shows it, with its hidden fingerprints."""
    page = client.get(reverse("assessment_details", args=[assessment.pk])).content.decode()
    shown = {k: v for k, v in hidden_inputs(page).items() if k.endswith("-shown")}
    return (
        details_post_data(
            title=assessment.title,
            organisation=assessment.organisation,
            work_type=assessment.work_type,
            description=assessment.description,
            population_and_place=assessment.population_and_place,
            lead_and_team=assessment.lead_and_team,
            public_advisers=assessment.public_advisers,
            start_date_0="",
            start_date_1="",
            start_date_2="",
            review_date_0="",
            review_date_1="",
            review_date_2="",
        )
        | shown
    )


def test_two_tabs_changing_different_details_keep_both(alice_client, assessment, bob):
    url = reverse("assessment_details", args=[assessment.pk])
    bob_client = client_for(bob)
    alices_tab, bobs_tab = details_page_data(alice_client, assessment), details_page_data(bob_client, assessment)
    assert len([k for k in alices_tab if k.endswith("-shown")]) == 10
    assert alice_client.post(url, alices_tab | {"title": "Alice's title"}).status_code == 302
    assert bob_client.post(url, bobs_tab | {"organisation": "Bob's organisation"}).status_code == 302
    assessment.refresh_from_db()
    assert (assessment.title, assessment.organisation) == ("Alice's title", "Bob's organisation")


def test_a_stale_tab_changing_the_same_detail_is_told_and_keeps_its_text(alice_client, assessment, bob):
    url = reverse("assessment_details", args=[assessment.pk])
    bob_client = client_for(bob)
    bobs_tab = details_page_data(bob_client, assessment)
    alice_client.post(url, details_page_data(alice_client, assessment) | {"title": "Alice's <title>"})
    response = bob_client.post(url, bobs_tab | {"title": "Bob's title"})
    page = response.content.decode()
    assert response.status_code == 409
    assert "Someone else changed this while you were editing, to: “Alice&#x27;s &lt;title&gt;”" in page
    assert 'value="Bob&#x27;s title"' in page
    assessment.refresh_from_db()
    assert assessment.title == "Alice's <title>"
    # Saving again keeps his, on purpose.
    again = {k: v for k, v in hidden_inputs(page).items() if k.endswith("-shown")}
    assert bob_client.post(url, bobs_tab | again | {"title": "Bob's title"}).status_code == 302
    assessment.refresh_from_db()
    assert assessment.title == "Bob's title"


def test_old_save_receipts_are_pruned_and_recent_ones_kept(alice_client, assessment):
    from django.core.management import call_command

    save(alice_client, assessment, "s1_problem", "Old", 0, "old-save")
    save(alice_client, assessment, "s1_problem", "New", 1, "new-save")
    AnswerSaveReceipt.objects.filter(client_id="old-save").update(saved_at=F("saved_at") - timedelta(days=8))
    call_command("prune_save_receipts", stdout=io.StringIO())
    assert list(AnswerSaveReceipt.objects.values_list("client_id", flat=True)) == ["new-save"]
