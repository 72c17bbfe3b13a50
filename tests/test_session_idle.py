"""The idle limit: a session ends after SESSION_IDLE_MINUTES without activity, pages can ask
how long is left without counting as activity, and signed-in pages carry the warning."""

import re
from datetime import datetime, timedelta

from django.contrib.sessions.models import Session
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import LAST_ACTIVITY
from tests.conftest import PASSWORD

SIGNED_OUT_MESSAGE = (
    "You were signed out because you had not done anything for 30 minutes. "
    "Sign in again to carry on: anything you typed has been kept."
)


def _signed_in_client(email: str = "alice@example.org", *, enforce_csrf_checks: bool = False) -> Client:
    client = Client(enforce_csrf_checks=enforce_csrf_checks)
    client.get(reverse("login"))  # sets the CSRF cookie, for clients that check it
    credentials = {"username": email, "password": PASSWORD, "csrfmiddlewaretoken": client.cookies["csrftoken"].value}
    assert client.post(reverse("login"), credentials).status_code == 302
    return client


def _last_active_ago(client: Client, **ago: float) -> str:
    session = client.session
    session[LAST_ACTIVITY] = (timezone.now() - timedelta(**ago)).isoformat()
    session.save()
    return session[LAST_ACTIVITY]


def _status(client: Client, method: str = "get", **extra: str) -> dict:
    response = getattr(client, method)(reverse("account_session"), **extra)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    return response.json()


def test_sign_in_starts_the_idle_clock(alice):
    client = _signed_in_client()
    assert timezone.now() - datetime.fromisoformat(client.session[LAST_ACTIVITY]) < timedelta(minutes=1)


def test_a_session_idle_for_29_minutes_carries_on(alice):
    client = _signed_in_client()
    _last_active_ago(client, minutes=29)
    response = client.get(reverse("assessment_list"))
    assert response.status_code == 200
    assert "Your assessments" in response.content.decode()


def test_a_session_idle_for_31_minutes_is_signed_out_with_a_message(alice):
    client = _signed_in_client()
    _last_active_ago(client, minutes=31)
    response = client.get(reverse("assessment_list"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={reverse('assessment_list')}"
    page = client.get(response["Location"]).content.decode()
    assert SIGNED_OUT_MESSAGE in page
    assert client.get(reverse("assessment_list")).status_code == 302, "still signed out"


@override_settings(SESSION_IDLE_MINUTES=10)
def test_the_idle_limit_is_configurable(alice):
    client = _signed_in_client()
    _last_active_ago(client, minutes=9)
    assert client.get(reverse("assessment_list")).status_code == 200
    _last_active_ago(client, minutes=11)
    response = client.get(reverse("assessment_list"), follow=True)
    assert "had not done anything for 10 minutes" in response.content.decode()


def test_a_page_refreshes_the_activity_time_at_most_once_a_minute(alice):
    client = _signed_in_client()
    key = client.session.session_key
    noted = _last_active_ago(client, seconds=30)
    expiry = Session.objects.get(session_key=key).expire_date
    assert client.get(reverse("assessment_list")).status_code == 200
    assert client.session[LAST_ACTIVITY] == noted
    assert Session.objects.get(session_key=key).expire_date == expiry, "the session was not written"

    _last_active_ago(client, seconds=61)
    assert client.get(reverse("assessment_list")).status_code == 200
    assert timezone.now() - datetime.fromisoformat(client.session[LAST_ACTIVITY]) < timedelta(seconds=5)
    assert Session.objects.get(session_key=key).expire_date > expiry, "an active session's cookie age slides"


def test_the_status_says_how_long_is_left(alice):
    client = _signed_in_client()
    _last_active_ago(client, minutes=20)
    status = _status(client)
    assert status["signed_in"] is True
    assert 599 <= status["expires_in"] <= 600
    assert status["warn_before"] == 300


def test_asking_the_status_does_not_count_as_activity(alice):
    client = _signed_in_client()
    noted = _last_active_ago(client, minutes=29, seconds=50)
    assert _status(client)["expires_in"] <= 10
    assert client.head(reverse("account_session")).status_code == 200
    assert client.session[LAST_ACTIVITY] == noted
    _last_active_ago(client, minutes=30, seconds=1)
    assert _status(client) == {"signed_in": False}
    assert SIGNED_OUT_MESSAGE in client.get(reverse("login")).content.decode()


def test_staying_signed_in_counts_as_activity(alice):
    client = _signed_in_client(enforce_csrf_checks=True)
    _last_active_ago(client, minutes=29, seconds=30)
    refused = client.post(reverse("account_session"))
    assert refused.status_code == 403, "Stay signed in needs the CSRF token"
    status = _status(client, "post", HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    assert status["signed_in"] is True and status["expires_in"] == 1800
    # Seconds after the last note, when a page would not be noted, staying signed in is.
    _last_active_ago(client, seconds=30)
    status = _status(client, "post", HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    assert status["expires_in"] == 1800


def test_the_status_of_someone_signed_out_is_a_plain_no(client, db):
    assert _status(client) == {"signed_in": False}
    assert _status(client, "post") == {"signed_in": False}
    head = client.head(reverse("account_session"))
    assert head.status_code == 200 and head.content == b""


def test_signed_in_pages_carry_the_timeout_warning(alice_client, assessment):
    path = reverse("assessment_details", args=[assessment.pk])
    page = alice_client.get(path).content.decode()
    dialog = re.search(r"<dialog [^>]*>.*?</dialog>", page, re.S)
    assert dialog, "no timeout warning"
    html = dialog[0]
    assert 'aria-labelledby="timeout-warning-title"' in html and 'aria-describedby="timeout-warning-text"' in html
    assert 'data-idle-seconds="1800"' in html and 'data-warning-seconds="300"' in html
    assert f'data-status-url="{reverse("account_session")}"' in html
    assert f'data-sign-in-url="{reverse("login")}?next={path}"' in html
    assert "You’re about to be signed out" in html
    assert "we will sign you out in <span data-timeout-time>5 minutes</span>" in html
    assert "Stay signed in" in html and 'role="status"' in html
    # Closed until a script opens it: without JavaScript it never shows.
    assert not re.search(r"<dialog [^>]*\bopen\b", html)


def test_pages_for_people_not_signed_in_have_no_timeout_warning(client, db):
    assert "<dialog" not in client.get(reverse("start")).content.decode()
