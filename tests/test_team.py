"""The team page: inviting people by email, roles, removing, leaving and handing over ownership."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from assessments.models import Invitation, Membership, Role
from tests.conftest import PASSWORD, client_for
from tests.helpers import download_report, run_queued_tasks
from tests.report_helpers import pdf_text, squash


def _team(assessment) -> str:
    return reverse("assessment_team", args=[assessment.pk])


def _invite(client: Client, assessment, email: str, role: str = "editor"):
    return client.post(reverse("assessment_team_invite", args=[assessment.pk]), {"email": email, "role": role})


def _emailed_link(to: str) -> str:
    run_queued_tasks()
    (message,) = [m for m in mail.outbox if m.to == [to]]
    found = re.search(r"http://testserver(/\S+)", str(message.body))
    assert found is not None
    return found.group(1)


def test_owner_adds_someone_with_an_account_at_once_and_they_are_told(alice_client, assessment, charlie):
    response = _invite(alice_client, assessment, "Charlie@Example.org", "editor")
    assert response.status_code == 302
    assert Membership.objects.get(assessment=assessment, user=charlie).role == Role.EDITOR
    assert _emailed_link("charlie@example.org") == reverse("assessment_task_list", args=[assessment.pk])
    page = alice_client.get(_team(assessment)).content.decode()
    assert "Charlie Outsider" in page and "Editor" in page
    # And Charlie now finds it in his list, with his role on the task list.
    charlie_client = client_for(charlie)
    assert assessment.title in charlie_client.get(reverse("assessment_list")).content.decode()
    task_list = charlie_client.get(reverse("assessment_task_list", args=[assessment.pk])).content.decode()
    assert "You are editor of this assessment" in task_list


def test_a_new_person_joins_through_the_emailed_link_after_signing_up(alice_client, assessment):
    assert _invite(alice_client, assessment, "new.person@example.org", "viewer").status_code == 302
    invitation = Invitation.objects.get(assessment=assessment)
    link = _emailed_link("new.person@example.org")
    assert link.startswith("/invitations/") and invitation.token_hash not in link

    visitor = Client()
    page = visitor.get(link).content.decode()
    assert assessment.title in page and "Create an account" in page
    signup = reverse("signup") + "?next=" + link
    response = visitor.post(
        signup,
        {"display_name": "New Person", "email": "new.person@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response["Location"] == link
    assert "Join the team" in visitor.get(link).content.decode()
    assert not Membership.objects.filter(assessment=assessment).exists(), "looking at the link does not join"
    response = visitor.post(link)
    assert response["Location"] == reverse("assessment_task_list", args=[assessment.pk])
    person = User.objects.get(email="new.person@example.org")
    assert Membership.objects.get(assessment=assessment, user=person).role == Role.VIEWER
    # The link works once.
    assert visitor.post(link).status_code == 410
    assert client_for(person).post(link).status_code == 410


def test_signing_up_with_the_invited_address_alone_does_not_join(alice_client, assessment):
    _invite(alice_client, assessment, "someone@example.org")
    Client().post(
        reverse("signup"),
        {"display_name": "Someone", "email": "someone@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    # Nobody has shown they read that mailbox: only the emailed link joins.
    assert not Membership.objects.filter(assessment=assessment).exists()


@pytest.mark.parametrize("spoil", ["expired", "withdrawn", "replaced"])
def test_a_spoilt_link_does_not_work(alice_client, assessment, charlie, spoil):
    _invite(alice_client, assessment, "late@example.org")
    link = _emailed_link("late@example.org")
    invitation = Invitation.objects.get()
    if spoil == "expired":
        Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    elif spoil == "withdrawn":
        alice_client.post(reverse("assessment_team_revoke", args=[assessment.pk]), {"member": invitation.pk})
    else:
        _invite(alice_client, assessment, "late@example.org", "viewer")
    response = client_for(charlie).post(link)
    assert response.status_code == 410 and "does not work" in response.content.decode()
    assert not Membership.objects.filter(user=charlie).exists()


def test_a_made_up_link_is_404(charlie_client, db):
    assert charlie_client.get("/invitations/not-a-real-token/").status_code == 404


@pytest.mark.parametrize(
    "email,role,message",
    [
        ("", "editor", "Enter their email address"),
        ("not an email", "editor", "Enter an email address in the correct format"),
        ("alice@example.org", "editor", "That is the owner&#x27;s email address"),
        ("someone@example.org", "owner", "Choose editor or viewer"),
        ("someone@example.org", "", "Choose what they can do"),
        ("x" * 300 + "@example.org", "editor", "254 characters or fewer"),
    ],
)
def test_a_bad_invitation_says_what_is_wrong_and_keeps_what_was_typed(alice_client, assessment, email, role, message):
    response = _invite(alice_client, assessment, email, role)
    page = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in page and message in page
    if email and len(email) < 254:
        assert f'value="{email}"' in page
    assert not Invitation.objects.exists() and not Membership.objects.exists()


def test_inviting_someone_already_on_the_team_is_refused(alice_client, assessment, charlie):
    _invite(alice_client, assessment, "charlie@example.org")
    response = _invite(alice_client, assessment, "charlie@example.org", "viewer")
    assert response.status_code == 200 and "already on the team" in response.content.decode()
    assert Membership.objects.get(user=charlie).role == Role.EDITOR


def test_owner_changes_a_role_and_removes_a_member(alice_client, assessment, charlie):
    _invite(alice_client, assessment, "charlie@example.org", "editor")
    alice_client.post(reverse("assessment_team_role", args=[assessment.pk]), {"member": charlie.pk, "role": "viewer"})
    assert Membership.objects.get(user=charlie).role == Role.VIEWER
    charlie_client = client_for(charlie)
    assert charlie_client.get(reverse("section", args=[assessment.pk, 1])).status_code == 403
    alice_client.post(reverse("assessment_team_remove", args=[assessment.pk]), {"member": charlie.pk})
    assert not Membership.objects.exists()
    assert charlie_client.get(reverse("assessment_task_list", args=[assessment.pk])).status_code == 404


@pytest.mark.parametrize("member", ["", "abc", "999999", "\x00"])
@pytest.mark.parametrize(
    "name,message",
    [
        ("assessment_team_role", "Choose a person on the team and a role"),
        ("assessment_team_remove", "That person is not on the team"),
        ("assessment_team_transfer", "Choose a person on the team to hand the assessment to"),
    ],
)
def test_actions_on_someone_not_on_the_team_say_so(alice_client, assessment, member, name, message):
    response = alice_client.post(reverse(name, args=[assessment.pk]), {"member": member, "role": "viewer"}, follow=True)
    assert response.status_code == 200 and message in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.owner.email == "alice@example.org"


def test_a_member_can_leave_but_the_owner_cannot(alice_client, assessment, charlie):
    _invite(alice_client, assessment, "charlie@example.org")
    response = client_for(charlie).post(reverse("assessment_team_leave", args=[assessment.pk]))
    assert response["Location"] == reverse("assessment_list")
    assert not Membership.objects.exists()
    page = alice_client.post(reverse("assessment_team_leave", args=[assessment.pk]), follow=True).content.decode()
    assert "Hand it to someone on the team before you leave" in page
    assessment.refresh_from_db()
    assert assessment.owner.email == "alice@example.org"


def test_the_owner_hands_over_and_stays_as_an_editor(alice_client, alice, assessment, charlie):
    _invite(alice_client, assessment, "charlie@example.org", "viewer")
    response = alice_client.post(reverse("assessment_team_transfer", args=[assessment.pk]), {"member": charlie.pk})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.owner == charlie
    assert Membership.objects.get(assessment=assessment, user=alice).role == Role.EDITOR
    assert not Membership.objects.filter(user=charlie).exists()
    # Alice can no longer manage the team; Charlie can.
    assert _invite(alice_client, assessment, "x@example.org").status_code == 403
    assert _invite(client_for(charlie), assessment, "x@example.org").status_code == 302


def test_members_see_the_team_but_only_the_owner_can_change_it(alice_client, assessment, charlie):
    _invite(alice_client, assessment, "charlie@example.org", "viewer")
    page = client_for(charlie).get(_team(assessment)).content.decode()
    assert "Alice Owner" in page and "Leave this assessment" in page
    assert "Add someone to the team" not in page and "Remove" not in page
    assert "Add someone to the team" in alice_client.get(_team(assessment)).content.decode()


def test_the_report_names_the_team(alice_client, assessment, charlie):
    _invite(alice_client, assessment, "charlie@example.org", "viewer")
    preview = alice_client.get(reverse("assessment_report", args=[assessment.pk])).content.decode()
    assert "Charlie Outsider (viewer)" in preview
    pdf = download_report(alice_client, reverse("assessment_report_pdf", args=[assessment.pk])).content
    assert squash("Charlie Outsider (viewer)") in squash(pdf_text(pdf))
