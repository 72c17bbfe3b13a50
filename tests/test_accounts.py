"""Sign up, sign in, sign out and password reset, with email as the login."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from accounts.models import User
from tests.conftest import PASSWORD
from tests.helpers import run_queued_tasks, sign_in


def test_signup_creates_an_account_and_signs_in(client, db):
    response = client.post(
        reverse("signup"),
        {"display_name": "Ola", "email": "ola@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert client.get(reverse("assessment_list")).status_code == 200


def test_signup_with_an_email_already_used_is_refused(client, alice):
    response = client.post(
        reverse("signup"),
        {"display_name": "Al", "email": "ALICE@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert "already exists" in response.content.decode()
    assert User.objects.count() == 1


def test_signup_errors_are_summarised(client, db):
    page = client.post(reverse("signup"), {}).content.decode()
    assert "There is a problem" in page
    for message in ["Enter your name", "Enter your email address", "Enter a password"]:
        assert message in page
    page = client.post(
        reverse("signup"),
        {"display_name": "A", "email": "a@example.org", "password1": "password", "password2": "password"},
    ).content.decode()
    assert "too common" in page


def test_signin_is_case_insensitive_and_wrong_password_is_refused(client, alice):
    assert client.post(reverse("login"), {"username": "Alice@Example.ORG", "password": PASSWORD}).status_code == 302
    client.post(reverse("logout"))
    page = client.post(reverse("login"), {"username": "alice@example.org", "password": "nope"}).content.decode()
    assert "Enter a correct email address and password" in page


def test_sign_out_needs_post(alice_client):
    assert alice_client.get(reverse("logout")).status_code == 405
    assert alice_client.post(reverse("logout")).status_code == 302
    assert alice_client.get(reverse("assessment_list")).status_code == 302


def test_password_reset_by_email(client, alice):
    response = client.post(reverse("password_reset"), {"email": "alice@example.org"})
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 0, "the web request only queues the email"
    assert run_queued_tasks() == 1
    assert len(mail.outbox) == 1
    found = re.search(r"http://testserver(/accounts/reset/\S+)", str(mail.outbox[0].body))
    assert found is not None
    link = found.group(1)
    form_url = client.get(link)["Location"]
    new_password = "a-brand-new-passphrase"
    response = client.post(form_url, {"new_password1": new_password, "new_password2": new_password})
    assert response["Location"] == reverse("password_reset_complete")
    assert sign_in(client, "alice@example.org", new_password)


def test_password_reset_for_unknown_email_looks_the_same(client, db):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response["Location"] == reverse("password_reset_done")
    # The request did the same work as for a real account (one queued task), so its timing
    # tells nothing; the worker then finds no account and sends nothing.
    assert DBTaskResult.objects.count() == 1
    assert run_queued_tasks() == 1
    assert len(mail.outbox) == 0


@pytest.mark.parametrize(
    "value",
    ["", "\x00", "a\x00b@example.org", "x" * 100_000, "<script>alert(1)</script>@example.org", "ü@例え.jp"],
)
def test_hostile_sign_in_and_sign_up_input_gets_a_message_not_an_error(client, db, value):
    response = client.post(reverse("login"), {"username": value, "password": value})
    assert response.status_code == 200 and "There is a problem" in response.content.decode()
    response = client.post(
        reverse("signup"), {"display_name": value, "email": value, "password1": value, "password2": value}
    )
    page = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in page
    assert "<script>alert(1)</script>" not in page
    assert User.objects.count() == 0
