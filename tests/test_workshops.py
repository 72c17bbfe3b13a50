"""Workshops: creating one, joining with a code, the dashboard, side by side, closing and deleting.

The cast: tara is a trainer who runs the workshop, trevor another trainer, alice an account
holder with no part in it; participants join as guests through the join page.
"""

import csv
import io
import re
import zipfile
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader

from accounts.models import User
from assessments.models import Answer, AnswerRevision, Assessment, Membership, Role
from assessments.services import answer_save, assessment_create, section_answers_save
from tests.conftest import DETAILS, PASSWORD, client_for, join_as, make_workshop
from tests.helpers import (
    ClientResponse,
    answer_for,
    at_once,
    error_summary,
    hidden_inputs,
    idle_too_long,
    run_queued_tasks,
    sign_in,
)
from workshops import codes, services
from workshops.models import JoinCodeFailure, Participant, ReportsZip, Workshop
from workshops.services import deletion_plan, guest_create, workshop_close, workshop_join


def _participant(workshop: Workshop, name: str) -> Participant:
    return Participant.objects.select_related("user", "assessment").get(workshop=workshop, user__display_name=name)


def _assessment(participant: Participant) -> Assessment:
    """The participant's assessment (theirs, or their group's), which every participant here has."""
    assert participant.assessment is not None, f"{participant.user.display_name} has no assessment"
    return participant.assessment


def _found(pattern: str, page: str, flags: int = 0) -> str:
    """The first group of pattern's first match in the page, which must have one."""
    found = re.search(pattern, page, flags)
    assert found is not None, f"{pattern!r} is not on the page"
    return found[1]


def _answer_json(client: Client, assessment: Assessment, key: str, value: object, base: int) -> ClientResponse:
    return client.post(
        reverse("answer_save", args=[assessment.pk, key]),
        {"value": value, "base_version": base, "client_id": f"{key}-{base}-{abs(hash(str(value)))}"},
        content_type="application/json",
    )


# --- Codes ------------------------------------------------------------------------------


def test_join_codes_avoid_look_alike_characters_and_are_long_enough():
    assert not set("0O1Il") & set(codes.ALPHABET)
    assert len(codes.ALPHABET) ** codes.LENGTH > 10**11
    code = codes.new_code()
    assert len(code) == 8 and codes.normalise(f" {code[:4].lower()}-{code[4:]} ") == code
    assert codes.normalise("K7MQ-4QX0") == ""  # a zero is never part of a code


def test_creating_a_workshop_shows_the_code_the_link_and_a_qr_code(tara, toolkit_version):
    client = client_for(tara)
    data = {
        "name": "HIAT for public health teams",
        "date_0": "27",
        "date_1": "3",
        "date_2": "2027",
        "time": "09:30",
        "description": "Morning session.",
        "toolkit_version": toolkit_version.pk,
        "mode": "groups",
        "group_names": "Table 1\nTable 2\n\n",
        "case_study": "",
        "capacity": "40",
        "creation_token": "6f1c5a44-3b8e-4a55-9c39-2f5f4a1d2e10",
    }
    response = client.post(reverse("workshop_new"), data)
    assert response.status_code == 302
    again = client.post(reverse("workshop_new"), data)  # a double submit makes one workshop
    assert again["Location"] == response["Location"]
    workshop = Workshop.objects.get()
    assert [g.name for g in workshop.groups.all()] == ["Table 1", "Table 2"]
    assert workshop.starts_at.hour == 9 and workshop.capacity == 40
    page = client.get(response["Location"]).content.decode()
    assert codes.shown(workshop.join_code) in page
    assert f"/join/{workshop.join_code}/" in page
    assert '<svg role="img"' in page and "<title>QR code for the link to join" in page


def test_creating_a_workshop_with_bad_input_keeps_what_was_typed(tara, alice, toolkit_version):
    others = assessment_create(owner=alice, details=dict(DETAILS))
    data = {
        "name": "<script>alert(1)</script>\x00",
        "date_0": "31",
        "date_1": "2",
        "date_2": "2027",
        "time": "25:00",
        "toolkit_version": toolkit_version.pk,
        "mode": "groups",
        "group_names": "A\na",
        "case_study": str(others.pk),
        "capacity": "100000",
    }
    response = client_for(tara).post(reverse("workshop_new"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert error_summary(page) == [
        "Enter a real date, for example 27 3 2027",
        "Enter a time like 09:30 or 14:00",
        "Give each group a different name",
        "Select one of your own assessments",
        f"Enter a number up to {500}",
    ]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert not Workshop.objects.exists()


def test_the_trainers_group_is_made_by_a_migration(db):
    from django.contrib.auth.models import Group

    assert Group.objects.filter(name="Trainers").exists()


def test_unknown_and_impossible_workshop_ids_are_404(tara):
    client = client_for(tara)
    for workshop_id in (1, 0, 2**63, 10**30):
        assert client.get(f"/workshops/{workshop_id}/").status_code == 404
        assert client.post(f"/workshops/{workshop_id}/close/", {"read_only": "yes"}).status_code == 404


def test_only_trainers_see_the_workshops_area(alice_client, tara):
    assert alice_client.get(reverse("workshop_list")).status_code == 404
    assert alice_client.get(reverse("workshop_new")).status_code == 404
    assert "Workshops</a>" not in alice_client.get(reverse("assessment_list")).content.decode()
    trainer_page = client_for(tara).get(reverse("assessment_list")).content.decode()
    assert f'href="{reverse("workshop_list")}">Workshops</a>' in trainer_page


# --- Joining ----------------------------------------------------------------------------


def test_joining_with_the_right_code_lands_a_guest_in_their_own_assessment(workshop, tara):
    client = Client()
    page = client.get(reverse("join_code", args=[workshop.join_code])).content.decode()
    assert "Your name" in page and "Sign in</a> and join with it instead" in page
    client, response = join_as(workshop, "Priya", client=client)
    participant = _participant(workshop, "Priya")
    assert response.status_code == 302
    assert response["Location"] == reverse("assessment_task_list", args=[participant.assessment_id])
    guest = participant.user
    assert participant.guest and not guest.has_usable_password() and guest.email.endswith("@guest.invalid")
    assessment = _assessment(participant)
    assert assessment.owner == guest
    assert assessment.toolkit_version == workshop.toolkit_version
    # The trainer may open it, read-only; the participant sees their task list.
    assert Membership.objects.get(assessment=participant.assessment, user=tara).role == Role.VIEWER
    task_list = client.get(response["Location"]).content.decode()
    assert "You are owner of this assessment" in task_list and "Keep your work" in task_list


def test_workshop_assessments_stay_out_of_the_trainers_own_list(workshop, tara):
    from assessments.services import assessment_create
    from tests.conftest import DETAILS
    from tests.helpers import assessment_list_row

    own = assessment_create(owner=tara, details={**DETAILS, "title": "Tara's own project"})
    for name in ("Priya", "Sam"):
        join_as(workshop, name)
    page = client_for(tara).get(reverse("assessment_list")).content.decode()
    assert assessment_list_row(page, own.title)["Your role"] == "Owner"
    assert "Priya" not in page and "Sam" not in page
    assert "The 2 assessments made in workshops you run are not listed here" in page
    assert f'<a class="govuk-link" href="{reverse("workshop_list")}">your workshops</a>' in page
    # Still theirs to read: the access is unchanged, only the list is.
    participant = _participant(workshop, "Priya")
    assert client_for(tara).get(reverse("assessment_task_list", args=[participant.assessment_id])).status_code == 200


def test_the_join_page_takes_the_code_in_any_spelling(workshop):
    code = workshop.join_code
    response = Client().post(reverse("join"), {"code": f" {code[:4].lower()} {code[4:].lower()} "})
    assert response.status_code == 302 and response["Location"] == reverse("join_code", args=[code])
    spelled = Client().get(reverse("join_code", args=[f"{code[:4]}-{code[4:]}".lower()]))
    assert spelled.status_code == 302 and spelled["Location"] == reverse("join_code", args=[code])


@pytest.mark.parametrize("typed", ["ABCD-EFGH", "", "x" * 5000, "ABC\x00DEFGH", "<b>A</b>"])
def test_a_wrong_code_says_so_and_keeps_what_was_typed(workshop, typed):
    response = Client().post(reverse("join"), {"code": typed})
    assert response.status_code in (400, 404)
    page = response.content.decode()
    assert error_summary(page), page
    assert "<b>A</b>" not in page
    if typed == "ABCD-EFGH":
        assert error_summary(page) == ["No open workshop has that code. Check it with your trainer and try again"]
        assert 'value="ABCD-EFGH"' in page
        assert JoinCodeFailure.objects.count() == 1


def test_a_wrong_code_in_the_link_says_so(db):
    response = Client().get(reverse("join_code", args=["ABCDEFGH"]))
    assert response.status_code == 404
    assert "No open workshop has that code" in response.content.decode()


def test_a_closed_workshop_says_so_and_takes_nobody_new(workshop):
    joined, _response = join_as(workshop, "Early Bird")
    workshop_close(workshop=workshop, read_only=False)
    response = Client().get(reverse("join_code", args=[workshop.join_code]))
    assert response.status_code == 410
    assert "This workshop has closed" in response.content.decode()
    _client, late = join_as(workshop, "Late Comer")
    assert late.status_code == 410
    assert not Participant.objects.filter(user__display_name="Late Comer").exists()
    assert not User.objects.filter(display_name="Late Comer").exists()
    # Someone who joined before it closed still gets back to their work.
    again = joined.get(reverse("join_code", args=[workshop.join_code]))
    assert again.status_code == 302 and "/assessments/" in again["Location"]


def test_a_full_workshop_says_so(tara, toolkit_version):
    workshop = make_workshop(tara, toolkit_version, capacity=2)
    for name in ("One", "Two"):
        assert join_as(workshop, name)[1].status_code == 302
    _client, third = join_as(workshop, "Three")
    assert third.status_code == 409
    assert "This workshop is full" in third.content.decode()
    assert Participant.objects.filter(workshop=workshop).count() == 2


def test_a_double_submit_joins_once(workshop):
    client, first = join_as(workshop, "Double")
    _client, second = join_as(workshop, "Double", client=client)
    assert second.status_code == 302 and second["Location"] == first["Location"]
    assert Participant.objects.filter(workshop=workshop).count() == 1


def _join_page(workshop) -> dict[str, object]:
    """The join page's form as a browser would send it: its token, and a name."""
    page = Client().get(reverse("join_code", args=[workshop.join_code])).content.decode()
    return {**hidden_inputs(page), "display_name": "Double"}


def test_a_join_page_sent_twice_makes_one_guest_whichever_answer_the_browser_keeps(workshop):
    data = _join_page(workshop)
    assert re.fullmatch(r"[0-9a-f-]{36}", str(data["creation_token"]))
    url = reverse("join_code", args=[workshop.join_code])
    # The browser dropped the first answer (a double click): the second comes with no session.
    first, second = Client().post(url, data), Client().post(url, data)
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    participant = Participant.objects.get(workshop=workshop)
    assert User.objects.filter(display_name="Double").count() == 1
    # The second answer signed its browser in as the same guest, with a browser key that works.
    assert second.cookies[services.BROWSER_KEY_COOKIE].value.startswith(f"{participant.pk}:")
    assert services.guest_return(workshop=workshop, cookie=second.cookies[services.BROWSER_KEY_COOKIE].value)


@pytest.mark.django_db(transaction=True)
def test_a_join_page_sent_twice_at_the_same_moment_makes_one_guest(tara, toolkit_version):
    workshop = make_workshop(tara, toolkit_version)
    data = _join_page(workshop)
    url = reverse("join_code", args=[workshop.join_code])
    responses = at_once(2, lambda _i: Client().post(url, data))
    assert [r.status_code for r in responses] == [302, 302]
    assert Participant.objects.filter(workshop=workshop).count() == 1
    assert Assessment.objects.exclude(owner=tara).count() == 1


def test_a_join_page_sent_again_much_later_joins_anew_without_an_error(workshop):
    data = _join_page(workshop)
    url = reverse("join_code", args=[workshop.join_code])
    assert Client().post(url, data).status_code == 302
    Participant.objects.update(joined_at=timezone.now() - services.SAME_PAGE_JOIN_WINDOW - timedelta(seconds=1))
    assert Client().post(url, data).status_code == 302
    assert Participant.objects.filter(workshop=workshop).count() == 2


def test_a_join_page_does_not_lead_back_into_an_account_that_has_a_password_since(workshop):
    data = _join_page(workshop)
    url = reverse("join_code", args=[workshop.join_code])
    Client().post(url, data)
    kept = Participant.objects.get(workshop=workshop).user
    kept.set_password("a-long-pass-2027-x")
    kept.save()
    again = Client().post(url, data)
    assert again.status_code == 302
    assert Participant.objects.filter(workshop=workshop).count() == 2
    assert again.wsgi_request.user != kept


@pytest.mark.parametrize("name", ["", "   ", "\x00\x00", "n" * 151])
def test_a_bad_name_is_refused_with_a_message(workshop, name):
    _client, response = join_as(workshop, name)
    assert response.status_code == 400
    assert error_summary(response.content.decode())
    assert not Participant.objects.exists()


def test_the_trainer_cannot_join_their_own_workshop(workshop, tara):
    _client, response = join_as(workshop, "", client=client_for(tara))
    assert response.status_code == 200
    assert "You run this workshop" in response.content.decode()
    assert not Participant.objects.exists()


def test_an_existing_user_joins_with_their_own_account(workshop, alice, alice_client):
    page = alice_client.get(reverse("join_code", args=[workshop.join_code])).content.decode()
    assert "You will join as Alice Owner" in page and "Your name" not in page
    response = alice_client.post(reverse("join_code", args=[workshop.join_code]), {})
    assert response.status_code == 302
    participant = _participant(workshop, "Alice Owner")
    assert participant.user == alice and not participant.guest
    assert _assessment(participant).owner == alice


@override_settings(WORKSHOP_JOIN_FAILURE_LIMIT=5)
def test_guessing_codes_is_throttled_per_address(workshop):
    guesser = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(5):
        assert guesser.post(reverse("join"), {"code": f"ABCDEFG{codes.ALPHABET[n]}"}).status_code == 404
    refused = guesser.post(reverse("join"), {"code": workshop.join_code})
    assert refused.status_code == 429
    assert "Too many workshop codes" in refused.content.decode()
    assert guesser.get(reverse("join_code", args=[workshop.join_code])).status_code == 429
    # The rest of the room, behind another address, joins as usual.
    _client, response = join_as(workshop, "Someone Else", ip="198.51.100.7")
    assert response.status_code == 302


def test_a_room_behind_one_address_is_not_throttled_by_right_codes(workshop):
    for n in range(30):
        assert join_as(workshop, f"Person {n}", ip="192.0.2.1")[1].status_code == 302
    assert not JoinCodeFailure.objects.exists()


def test_a_guest_gets_back_in_on_the_same_browser_after_their_session_ends(workshop):
    client, response = join_as(workshop, "Sam")
    assessment_url = response["Location"]
    client.cookies.pop("sessionid")
    assert client.get(assessment_url).status_code == 302  # signed out
    back = client.get(reverse("join_code", args=[workshop.join_code]))
    assert back.status_code == 302 and back["Location"] == assessment_url
    assert client.get(assessment_url).status_code == 200
    # The key opens nothing for another browser, nor for a tampered key.
    stranger = Client()
    stranger.cookies["hiat_workshop_key"] = client.cookies["hiat_workshop_key"].value + "x"
    assert stranger.get(reverse("join_code", args=[workshop.join_code])).status_code == 200
    assert "_auth_user_id" not in stranger.session


def test_a_guest_signed_out_for_being_idle_carries_on_from_the_sign_in_page_with_their_text(workshop):
    client, response = join_as(workshop, "Sam")
    assessment = _assessment(Participant.objects.get(workshop=workshop))
    section = reverse("section", args=[assessment.pk, 1])
    assert client.get(section).status_code == 200
    idle_too_long(client)
    # They press "Save and continue" after the limit: the text is kept, they are asked to sign in.
    sent = client.post(section, {"s1_problem": "Typed while listening to the trainer", "continue": ""})
    assert sent.status_code == 302 and sent["Location"].startswith(reverse("login"))
    page = client.get(sent["Location"]).content.decode()
    # No password to sign in with: the page offers the way back instead.
    assert "Carry on with your workshop" in page and "Carry on as Sam</button>" in page
    assert f'action="{reverse("join_return")}"' in page and f'name="next" value="{section}"' in page
    back = client.post(reverse("join_return"), {"next": section})
    assert back.status_code == 302 and back["Location"] == section
    assert "Signed in again. What you typed has been saved." in client.get(section, follow=True).content.decode()
    assert Answer.objects.get(assessment=assessment, question__key="s1_problem").text == (
        "Typed while listening to the trainer"
    )


def test_the_way_back_needs_this_browsers_key_and_an_account_still_without_a_password(workshop):
    client, _response = join_as(workshop, "Sam")
    key = client.cookies[services.BROWSER_KEY_COOKIE].value
    # Another browser, or a tampered key: sent to join again, signed in as nobody.
    for cookie in ("", key + "x", "1:" + key.partition(":")[2], "not-a-key"):
        stranger = Client()
        if cookie:
            stranger.cookies[services.BROWSER_KEY_COOKIE] = cookie
        refused = stranger.post(reverse("join_return"), {"next": "/assessments/"})
        assert refused.status_code == 302 and refused["Location"] == reverse("join")
        assert "_auth_user_id" not in stranger.session
    # Only ever back to a page of this site.
    client.cookies.pop("sessionid")
    away = client.post(reverse("join_return"), {"next": "https://example.com/phish"})
    assert away["Location"] == reverse("assessment_list")
    # Once the account has a password, it signs in with it like any other.
    user = Participant.objects.get(workshop=workshop).user
    user.set_password("a-long-pass-phrase-2027")
    user.save()
    client.cookies.pop("sessionid")
    assert client.post(reverse("join_return"), {"next": "/assessments/"})["Location"] == reverse("join")
    page = client.get(reverse("login")).content.decode()
    assert "Carry on with your workshop" not in page


def test_only_a_guest_signed_out_on_this_browser_is_offered_the_way_back(alice):
    assert "Carry on with your workshop" not in Client().get(reverse("login")).content.decode()
    # Someone with a password signed out for being idle signs in as usual.
    client = client_for(alice)
    client.get(reverse("assessment_list"))
    idle_too_long(client)
    assert client.get(reverse("assessment_list")).status_code == 302
    assert "Carry on with your workshop" not in client.get(reverse("login")).content.decode()


def test_a_guest_adds_an_email_and_password_and_signs_in_later_to_the_same_assessment(workshop):
    client, response = join_as(workshop, "Kim")
    assessment_url = response["Location"]
    keep = client.post(
        reverse("join_keep"),
        {"email": "Kim@Example.org", "password1": "a-long-pass-phrase-2027", "password2": "a-long-pass-phrase-2027"},
    )
    assert keep.status_code == 302
    participant = _participant(workshop, "Kim")
    assert participant.user.email == "kim@example.org" and participant.user.has_usable_password()
    assert client.get(assessment_url).status_code == 200  # still signed in
    later = Client()
    assert sign_in(later, "kim@example.org", "a-long-pass-phrase-2027")
    page = later.get(assessment_url)
    assert page.status_code == 200 and "You are owner of this assessment" in page.content.decode()
    # Once kept, the page is no longer offered.
    assert later.get(reverse("join_keep")).status_code == 302


def test_keeping_work_refuses_a_taken_address_and_weak_passwords(workshop, alice):
    client, _response = join_as(workshop, "Kim")
    taken = client.post(
        reverse("join_keep"),
        {"email": alice.email, "password1": "a-long-pass-phrase-2027", "password2": "a-long-pass-phrase-2027"},
    )
    assert taken.status_code == 400
    assert "Another account already uses this email address" in error_summary(taken.content.decode())[0]
    weak = client.post(reverse("join_keep"), {"email": "kim@example.org", "password1": "password", "password2": "x"})
    assert weak.status_code == 400 and error_summary(weak.content.decode()) == ["The passwords do not match"]
    assert not _participant(workshop, "Kim").user.has_usable_password()


def test_an_account_with_a_password_cannot_use_keep_your_work(alice_client, alice):
    assert (
        alice_client.post(
            reverse("join_keep"),
            {"email": "x@example.org", "password1": "a-long-pass-2027", "password2": "a-long-pass-2027"},
        ).status_code
        == 302
    )
    alice.refresh_from_db()
    assert alice.email == "alice@example.org"


def test_each_participant_starts_with_a_copy_of_the_case_study(tara, toolkit_version):
    case = assessment_create(owner=tara, details=dict(DETAILS))
    section = toolkit_version.sections.get(number=1)
    values = {q.key: answer_for(q) for q in section.questions.all()}
    section_answers_save(assessment=case, section=section, values=values, user=tara)
    workshop = make_workshop(tara, toolkit_version, case_study=case)
    join_as(workshop, "Copy One")
    join_as(workshop, "Copy Two")
    one, two = _participant(workshop, "Copy One"), _participant(workshop, "Copy Two")
    assert one.assessment_id != two.assessment_id != case.pk
    for participant in (one, two):
        copied = {a.question.key: a.text for a in Answer.objects.filter(assessment=participant.assessment)}
        assert copied == {a.question.key: a.text for a in Answer.objects.filter(assessment=case)}
        # Written through the services: the participant's first version, with its history.
        revision = AnswerRevision.objects.filter(answer__assessment=participant.assessment).first()
        assert revision is not None and revision.author == participant.user and revision.version == 1
        assert _assessment(participant).title == f"{workshop.name}: {participant.user.display_name}"
        assert _assessment(participant).owner == participant.user
    # The case study itself is untouched.
    assert Answer.objects.filter(assessment=case, version=1).count() == len(values)


# --- Groups -----------------------------------------------------------------------------


@pytest.fixture
def group_workshop(tara, toolkit_version):
    return make_workshop(tara, toolkit_version, mode=Workshop.Mode.GROUPS, group_names=["Red", "Blue"])


def test_group_members_edit_one_assessment_with_the_conflict_rules(group_workshop):
    red = group_workshop.groups.get(name="Red")
    page = Client().get(reverse("join_code", args=[group_workshop.join_code])).content.decode()
    assert "Which group are you in?" in page and "Red" in page and "Blue" in page
    first, _r = join_as(group_workshop, "Ann", group=red.pk)
    second, _r = join_as(group_workshop, "Ben", group=red.pk)
    ann, ben = _participant(group_workshop, "Ann"), _participant(group_workshop, "Ben")
    assert ann.assessment_id == ben.assessment_id
    assessment = _assessment(ann)
    assert assessment.owner == ann.user
    assert Membership.objects.get(assessment=assessment, user=ben.user).role == Role.EDITOR
    # Both start from version 0; the second save is refused as a conflict, not written over.
    assert _answer_json(first, assessment, "s1_problem", "Ann's words", 0).status_code == 200
    conflict = _answer_json(second, assessment, "s1_problem", "Ben's words", 0)
    assert conflict.status_code == 409
    assert conflict.json()["value"] == "Ann's words" and conflict.json()["updated_by"] == "Ann"
    assert _answer_json(second, assessment, "s1_problem", "Ben's words", 1).status_code == 200
    assert Answer.objects.get(assessment=assessment, question__key="s1_problem").text == "Ben's words"


def test_group_mode_needs_a_group_of_this_workshop(group_workshop, tara, toolkit_version):
    other = make_workshop(tara, toolkit_version, mode=Workshop.Mode.GROUPS, group_names=["Elsewhere"])
    for group in (None, "", "abc", other.groups.get().pk):
        _client, response = join_as(group_workshop, "Ann", group=group)
        assert response.status_code == 400
        assert error_summary(response.content.decode())[0].startswith("Select")
    assert not Participant.objects.exists() and not User.objects.filter(display_name="Ann").exists()


# --- Dashboard --------------------------------------------------------------------------


def _join_many(workshop: Workshop, how_many: int) -> None:
    section = workshop.toolkit_version.sections.get(number=1)
    question = section.questions.get(key="s1_problem")
    while Participant.objects.filter(workshop=workshop).count() < how_many:
        n = Participant.objects.filter(workshop=workshop).count()
        guest = guest_create(display_name=f"Participant {n}")
        participant = workshop_join(workshop=workshop, user=guest)
        if n % 2:
            answer_save(
                assessment=_assessment(participant),
                question=question,
                value=f"Answer {n}",
                base_version=0,
                user=guest,
            )


def test_the_dashboard_shows_everyone_against_every_section(workshop, tara):
    client_a, response = join_as(workshop, "Ann")
    join_as(workshop, "Ben")
    assessment = _assessment(_participant(workshop, "Ann"))
    _answer_json(client_a, assessment, "s1_problem", "Words", 0)
    page = client_for(tara).get(reverse("workshop_dashboard", args=[workshop.pk])).content.decode()
    assert "2 of 30 people have joined" in page
    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', page, re.S)[1:]
    assert len(rows) == 2
    assert (
        "Ann" in rows[0]
        and "In progress" in rows[0]
        and reverse("assessment_task_list", args=[assessment.pk]) in rows[0]
    )
    assert "Ben" in rows[1] and "In progress" not in rows[1] and rows[1].count("Not started") == 4
    # The trainer opens a participant's assessment read-only.
    trainer = client_for(tara)
    assert "You are viewer of this assessment" in trainer.get(response["Location"]).content.decode()
    assert _answer_json(trainer, assessment, "s1_problem", "Trainer's words", 1).status_code == 403


@pytest.mark.parametrize("mode", ["individual", "groups"])
def test_the_dashboard_runs_the_same_queries_with_3_and_60_participants(tara, toolkit_version, mode):
    workshop = make_workshop(tara, toolkit_version, mode=mode, capacity=100, group_names=["A", "B", "C"])
    if mode == "groups":  # groups: everyone in one of three groups
        groups = list(workshop.groups.all())

        def join_one(n: int) -> None:
            guest = guest_create(display_name=f"Participant {n}")
            workshop_join(workshop=workshop, user=guest, group_id=groups[n % 3].pk)

    client = client_for(tara)

    def queries_with(how_many: int) -> int:
        if mode == "groups":
            for n in range(Participant.objects.filter(workshop=workshop).count(), how_many):
                join_one(n)
        else:
            _join_many(workshop, how_many)
        urls = [reverse("workshop_dashboard", args=[workshop.pk]), reverse("workshop_progress", args=[workshop.pk])]
        counts = []
        for url in urls:
            client.get(url)  # once first: the session's once-a-minute activity note is not counted
            with CaptureQueriesContext(connection) as context:
                response = client.get(url)
            assert response.status_code == 200
            assert f"{how_many} of 100 people have joined" in response.content.decode()
            counts.append(len(context.captured_queries))
        return sum(counts)

    assert queries_with(3) == queries_with(60)


def test_the_progress_fragment_answers_304_until_something_changes(workshop, tara):
    client_a, _response = join_as(workshop, "Ann")
    trainer = client_for(tara)
    url = reverse("workshop_progress", args=[workshop.pk])
    first = trainer.get(url)
    etag = first["ETag"]
    assert first.status_code == 200 and "Ann" in first.content.decode()
    with CaptureQueriesContext(connection) as context:
        unchanged = trainer.get(url, HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert len(context.captured_queries) <= 4  # session, user, the workshop, the fingerprint
    _answer_json(client_a, _assessment(_participant(workshop, "Ann")), "s1_problem", "New words", 0)
    changed = trainer.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    join_as(workshop, "Ben")
    assert trainer.get(url, HTTP_IF_NONE_MATCH=changed["ETag"]).status_code == 200


def test_trainer_a_gets_404_on_trainer_bs_workshop(workshop, trevor):
    other = client_for(trevor)
    for name in ("workshop_dashboard", "workshop_progress", "workshop_answers_csv", "workshop_close"):
        response = other.get(reverse(name, args=[workshop.pk]))
        assert response.status_code == 404
        assert workshop.name not in response.content.decode()
    assert workshop.name not in other.get(reverse("workshop_list")).content.decode()


# --- Side by side -----------------------------------------------------------------------


def test_side_by_side_shows_answers_only_after_reveal_and_names_only_when_chosen(workshop, tara):
    for name, words in (("Ann", "Ann's answer about housing"), ("Ben", "Ben's answer about transport")):
        client, _r = join_as(workshop, name)
        _answer_json(client, _assessment(_participant(workshop, name)), "s1_problem", words, 0)
    join_as(workshop, "Cat")  # has not answered
    trainer = client_for(tara)
    url = reverse("workshop_question", args=[workshop.pk, "s1_problem"])
    hidden = trainer.get(url).content.decode()
    assert "The answers are hidden" in hidden and "housing" not in hidden and "transport" not in hidden
    assert trainer.post(url, {"do": "reveal"}).status_code == 302
    shown = trainer.get(url).content.decode()
    assert "housing" in shown and "transport" in shown and "1 not answered yet" in shown
    assert "Answer 1" in shown and "Answer 2" in shown and ">Ann<" not in shown and ">Ben<" not in shown
    trainer.post(url, {"do": "names"})
    named = trainer.get(url).content.decode()
    assert ">Ann</h2>" in named and ">Ben</h2>" in named
    trainer.post(url, {"do": "hide"})
    assert "housing" not in trainer.get(url).content.decode()
    assert trainer.get(reverse("workshop_question", args=[workshop.pk, "no_such_question"])).status_code == 404


# --- Exports ----------------------------------------------------------------------------


def test_the_csv_has_a_row_per_assessment_and_question_and_no_formulas(workshop, tara):
    dangerous = ['=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)", "\tTabbed"]
    questions = list(workshop.toolkit_version.sections.get(number=1).questions.filter(answer_type="long_text"))
    client, _r = join_as(workshop, "=Evil Name")
    assessment = _assessment(_participant(workshop, "=Evil Name"))
    for question, value in zip(questions, dangerous, strict=False):
        saved = _answer_json(client, assessment, question.key, value + " end", 0)
        assert saved.status_code == 200, (question.key, saved.content)
    join_as(workshop, "Quiet")
    response = client_for(tara).get(reverse("workshop_answers_csv", args=[workshop.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    total_questions = sum(s.questions.count() for s in workshop.toolkit_version.sections.all())
    assert rows[0][0] == "Workshop" and len(rows) == 1 + 2 * total_questions
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row
    evil = [r for r in rows[1:] if r[2] == "'=Evil Name"]
    answers = {r[7]: r[9] for r in evil}
    for question, value in zip(questions, dangerous, strict=False):
        assert answers[question.key] == "'" + value + " end"


@pytest.mark.parametrize(
    "value, cell",
    [("=1+1", "'=1+1"), ("+44 1234", "'+44 1234"), ("-x", "'-x"), ("@a", "'@a"), ("\tb", "'\tb"), ("\rc", "'\rc")],
)
def test_csv_cells_that_a_spreadsheet_would_run_are_made_text(value, cell):
    from workshops.presenters import csv_cell

    assert csv_cell(value) == cell
    assert csv_cell("Plain = words") == "Plain = words" and csv_cell(None) == ""


def _run_until_zip_is_made(limit: int = 20) -> None:
    """Run the worker until nothing is left; the ZIP task checks back later, so bring that forward."""
    for _ in range(limit):
        DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
        if not run_queued_tasks():
            return


def test_the_reports_zip_is_built_by_the_worker_from_the_reports(workshop, tara):
    for name in ("Ann", "Ben"):
        client, _r = join_as(workshop, name)
        _answer_json(client, _assessment(_participant(workshop, name)), "s1_problem", f"{name} wrote this", 0)
    trainer = client_for(tara)
    url = reverse("workshop_reports_zip", args=[workshop.pk])
    first = trainer.get(url)
    assert first.status_code == 303 and first["Location"] == reverse("workshop_reports_preparing", args=[workshop.pk])
    preparing = trainer.get(first["Location"])
    assert preparing.status_code == 200 and "The reports are being prepared" in preparing.content.decode()
    assert trainer.get(reverse("workshop_reports_status", args=[workshop.pk])).json()["status"] == "queued"
    _run_until_zip_is_made()
    assert ReportsZip.objects.get().status == ReportsZip.Status.READY
    assert trainer.get(reverse("workshop_reports_status", args=[workshop.pk])).json()["status"] == "ready"
    response = trainer.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = sorted(archive.namelist())
    assert len(names) == 2 and all(n.endswith(".pdf") for n in names)
    texts = ["".join(page.extract_text() for page in PdfReader(io.BytesIO(archive.read(n))).pages) for n in names]
    assert any("Ann wrote this" in t for t in texts) and any("Ben wrote this" in t for t in texts)
    # A change since makes a new ZIP; the same state is served again without one.
    assert trainer.get(url).status_code == 200
    join_as(workshop, "Cal")
    assert trainer.get(url).status_code == 303


# --- Closing and deleting ---------------------------------------------------------------


def test_closing_read_only_stops_every_change_and_editable_keeps_them(workshop, tara):
    client, response = join_as(workshop, "Ann")
    assessment = _assessment(_participant(workshop, "Ann"))
    trainer = client_for(tara)
    assert trainer.post(reverse("workshop_close", args=[workshop.pk]), {"read_only": "yes"}).status_code == 302
    refused = _answer_json(client, assessment, "s1_problem", "After closing", 0)
    assert refused.status_code == 403
    assert client.get(reverse("section", args=[assessment.pk, 1])).status_code == 403
    page = client.get(response["Location"]).content.decode()
    assert "This assessment is read-only" in page
    assert client.get(reverse("assessment_report", args=[assessment.pk])).status_code == 200
    assert not Answer.objects.filter(assessment=assessment).exists()
    # The trainer changes their mind: editable again.
    assert trainer.post(reverse("workshop_close", args=[workshop.pk]), {"read_only": "no"}).status_code == 302
    assert _answer_json(client, assessment, "s1_problem", "After reopening edits", 0).status_code == 200


def test_closing_needs_a_choice(workshop, tara):
    response = client_for(tara).post(reverse("workshop_close", args=[workshop.pk]), {"read_only": "maybe"})
    assert response.status_code == 200 and error_summary(response.content.decode()) == ["Select an option"]
    workshop.refresh_from_db()
    assert workshop.is_open


def test_deletion_removes_exactly_what_was_listed_and_tells_who_it_said(
    workshop, tara, alice, toolkit_version, django_capture_on_commit_callbacks
):
    guest_client, _r = join_as(workshop, "Gus Guest")
    kept_client, _r = join_as(workshop, "Kay Kept")
    kept_client.post(
        reverse("join_keep"),
        {"email": "kay@example.org", "password1": "a-long-pass-phrase-2027", "password2": "a-long-pass-phrase-2027"},
    )
    alice_client = client_for(alice)
    alice_client.post(reverse("join_code", args=[workshop.join_code]), {})
    gus, kay, ali = (_participant(workshop, n) for n in ("Gus Guest", "Kay Kept", "Alice Owner"))
    # Gus also started an assessment of his own: it goes with his account, so it is listed.
    own = assessment_create(owner=gus.user, details={**DETAILS, "title": "Gus's own assessment"})
    unrelated = assessment_create(owner=tara, details={**DETAILS, "title": "Tara's own work"})
    trainer = client_for(tara)
    page = trainer.get(reverse("workshop_delete", args=[workshop.pk])).content.decode()
    deleted_list = _found(r'id="will-be-deleted">(.*?)</ul>', page, re.S)
    kept_list = _found(r'id="will-be-kept">(.*?)</ul>', page, re.S)
    told_list = _found(r'id="will-be-told">(.*?)</ul>', page, re.S)
    assert _assessment(gus).title in deleted_list and "Gus&#x27;s own assessment" in deleted_list
    assert "the account of Gus Guest" in deleted_list
    assert _assessment(kay).title in kept_list and _assessment(ali).title in kept_list
    assert _assessment(kay).title not in deleted_list
    assert "kay@example.org" in told_list and "alice@example.org" in told_list and "guest.invalid" not in told_list
    plan = deletion_plan(workshop)
    digest = _found(r'name="plan" value="([0-9a-f]+)"', page)
    assert digest == plan.digest

    with django_capture_on_commit_callbacks(execute=True):  # the emails are queued once the deletion commits
        response = trainer.post(reverse("workshop_delete", args=[workshop.pk]), {"plan": digest})
    assert response.status_code == 302 and response["Location"] == reverse("workshop_list")
    assert not Workshop.objects.filter(pk=workshop.pk).exists()
    assert not Participant.objects.exists()
    assert not User.objects.filter(pk=gus.user.pk).exists()
    assert not Assessment.objects.filter(pk__in=[gus.assessment_id, own.pk]).exists()
    assert set(Assessment.objects.values_list("pk", flat=True)) == {kay.assessment_id, ali.assessment_id, unrelated.pk}
    assert User.objects.filter(pk__in=[kay.user.pk, alice.pk, tara.pk]).count() == 3
    assert not Membership.objects.filter(user=tara).exists()  # the trainer no longer sees what was kept
    assert kept_client.get(reverse("assessment_task_list", args=[kay.assessment_id])).status_code == 200
    run_queued_tasks()
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "kay@example.org"]
    assert all("has been deleted" in m.subject and "Your work stays in your account" in m.body for m in mail.outbox)


def test_deletion_refuses_when_someone_joined_since_the_page_was_shown(workshop, tara):
    join_as(workshop, "Ann")
    trainer = client_for(tara)
    page = trainer.get(reverse("workshop_delete", args=[workshop.pk])).content.decode()
    digest = _found(r'name="plan" value="([0-9a-f]+)"', page)
    join_as(workshop, "Ben")
    response = trainer.post(reverse("workshop_delete", args=[workshop.pk]), {"plan": digest}, follow=True)
    assert "Something changed since this page was shown" in response.content.decode()
    assert Workshop.objects.filter(pk=workshop.pk).exists()
    assert Participant.objects.count() == 2
    for bad in ("", "x" * 100, "\x00"):
        assert trainer.post(reverse("workshop_delete", args=[workshop.pk]), {"plan": bad}).status_code in (302, 400)
    assert Workshop.objects.filter(pk=workshop.pk).exists()


def test_a_trainer_deleting_their_account_deletes_their_workshops_guests(workshop, tara):
    join_as(workshop, "Gus Guest")
    gus = _participant(workshop, "Gus Guest").user
    client = client_for(tara)
    page = client.get(reverse("account_delete")).content.decode()
    assert f"The workshop “{workshop.name}”" in page
    assert client.post(reverse("account_delete"), {"password": PASSWORD}).status_code == 302
    assert not Workshop.objects.exists() and not User.objects.filter(pk=gus.pk).exists()


def test_a_guest_signed_out_for_inactivity_is_sent_back_through_the_workshop_code(workshop):
    client, response = join_as(workshop, "Sam")
    page = client.get(response["Location"]).content.decode()
    assert f'data-sign-in-url="{reverse("join")}"' in page
    assert "Enter the workshop code again" in Client().get(reverse("login")).content.decode()
