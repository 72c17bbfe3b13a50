"""Sessions: an absolute limit from sign-in, and signing out everywhere."""

from datetime import datetime, timedelta

from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import SIGNED_IN_AT
from accounts.services import user_sign_out_everywhere
from tests.conftest import PASSWORD


def _signed_in_client(email: str = "alice@example.org") -> Client:
    client = Client()
    assert client.post(reverse("login"), {"username": email, "password": PASSWORD}).status_code == 302
    return client


def _signed_in_hours_ago(client: Client, hours: float) -> None:
    session = client.session
    session[SIGNED_IN_AT] = (timezone.now() - timedelta(hours=hours)).isoformat()
    session.save()


def test_sign_in_stores_the_sign_in_time(alice):
    client = _signed_in_client()
    signed_in_at = datetime.fromisoformat(client.session[SIGNED_IN_AT])
    assert timezone.now() - signed_in_at < timedelta(minutes=1)


def test_a_session_ends_twelve_hours_after_sign_in_however_active(alice):
    client = _signed_in_client()
    _signed_in_hours_ago(client, 11.9)
    assert client.get(reverse("assessment_list")).status_code == 200
    _signed_in_hours_ago(client, 12.1)
    response = client.get(reverse("assessment_list"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={reverse('assessment_list')}"
    page = client.get(response["Location"]).content.decode()
    assert "You have been signed out because you signed in more than 12 hours ago" in page
    assert client.get(reverse("assessment_list")).status_code == 302, "still signed out"


def test_a_save_sent_after_the_limit_is_kept_and_then_the_session_ends(alice):
    client = _signed_in_client()
    _signed_in_hours_ago(client, 12.5)
    response = client.post(reverse("account_name"), {"display_name": "Typed Before The Limit"})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.display_name == "Typed Before The Limit"
    response = client.get(response["Location"])
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_session_long_past_its_limit_gets_no_grace_for_a_save(alice):
    # A stolen cookie days later must not be able to change anything, even once.
    client = _signed_in_client()
    _signed_in_hours_ago(client, 13.5)
    response = client.post(reverse("account_name"), {"display_name": "Someone Else"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    alice.refresh_from_db()
    assert alice.display_name == "Alice Owner"


def test_a_refused_save_in_the_grace_period_is_not_cached(alice):
    client = _signed_in_client()
    _signed_in_hours_ago(client, 12.5)
    response = client.post(reverse("account_name"), {"display_name": ""})
    assert response.status_code == 200, "the form comes back with its error"
    assert "no-store" in response["Cache-Control"]


@override_settings(SESSION_ABSOLUTE_LIMIT_HOURS=1)
def test_the_absolute_limit_is_configurable(alice):
    client = _signed_in_client()
    _signed_in_hours_ago(client, 1.5)
    assert client.get(reverse("assessment_list")).status_code == 302


def test_a_session_from_before_the_limit_gets_a_sign_in_time(alice_client):
    # force_login does not go through the sign-in page: the middleware starts the clock.
    assert alice_client.get(reverse("assessment_list")).status_code == 200
    assert SIGNED_IN_AT in alice_client.session


def test_sign_out_everywhere_ends_every_session_of_that_person_only(alice, charlie):
    laptop, phone, charlies = _signed_in_client(), _signed_in_client(), _signed_in_client("charlie@example.org")
    user_sign_out_everywhere(user=alice)
    assert laptop.get(reverse("assessment_list")).status_code == 302
    assert phone.get(reverse("assessment_list")).status_code == 302
    assert charlies.get(reverse("assessment_list")).status_code == 200
    # Signing in again works, and the new session lasts.
    fresh = _signed_in_client()
    assert fresh.get(reverse("assessment_list")).status_code == 200
