"""Sign-in throttling: counted per account and per account + IP, never per IP alone."""

import subprocess
import sys
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import SecurityEvent, User
from tests.conftest import PASSWORD

WORKSHOP_IP = "203.0.113.7"
LIMIT = 50


def _sign_in(client: Client, email: str, password: str, *, ip: str = WORKSHOP_IP, path: str = "/accounts/login/"):
    return client.post(path, {"username": email, "password": password}, REMOTE_ADDR=ip)


def _fail(client: Client, email: str, times: int, *, ip: str = WORKSHOP_IP, path: str = "/accounts/login/") -> None:
    for _ in range(times):
        response = _sign_in(client, email, "wrong-password", ip=ip, path=path)
        assert response.status_code == 200, "refused with a message, not locked yet"


def _lock(client: Client, email: str, *, path: str = "/accounts/login/") -> None:
    """The 50th wrong password in a row locks the account."""
    _fail(client, email, LIMIT - 1, path=path)
    assert _sign_in(client, email, "wrong-password", path=path).status_code == 429


def test_fifty_wrong_passwords_lock_the_account_with_a_page_saying_what_to_do(client, alice):
    _fail(client, "alice@example.org", LIMIT - 1)
    response = _sign_in(client, "alice@example.org", "wrong-password")
    assert response.status_code == 429
    # Locked now, even with the right password and from another address.
    response = _sign_in(Client(), "ALICE@example.org", PASSWORD, ip="198.51.100.1")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Sign-in paused for this account" in page
    assert "try again 30 minutes after the last wrong password" in page
    assert reverse("password_reset") in page
    assert "<title>Sign-in paused for this account – HIAT Assessments</title>" in page
    assert SecurityEvent.objects.filter(kind="locked_out", email="alice@example.org").exists()


def test_the_lock_ends_after_the_cool_off_time(client, alice):
    _lock(client, "alice@example.org")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=31))
    assert _sign_in(client, "alice@example.org", PASSWORD).status_code == 302


def test_a_successful_sign_in_resets_the_count(client, alice):
    _fail(client, "alice@example.org", LIMIT - 1)
    assert _sign_in(client, "alice@example.org", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    _fail(client, "alice@example.org", LIMIT - 1)
    assert _sign_in(client, "alice@example.org", PASSWORD).status_code == 302


def test_two_hundred_people_on_one_ip_sign_in_after_others_fail_from_it(client, db, charlie):
    # Charlie locks himself out and people mistype addresses, all from the workshop's IP...
    _lock(client, "charlie@example.org")
    for n in range(20):
        _fail(client, f"typo{n}@example.org", 3)
    assert _sign_in(client, "charlie@example.org", PASSWORD).status_code == 429
    # ...and the other 200 people in the room still sign in.
    hashed = make_password(PASSWORD)
    User.objects.bulk_create(
        User(email=f"person{n}@example.org", display_name=f"Person {n}", password=hashed) for n in range(200)
    )
    for n in range(200):
        response = _sign_in(Client(), f"person{n}@example.org", PASSWORD)
        assert response.status_code == 302, f"person {n} was refused"


def test_the_admin_sign_in_is_throttled_too(client, db):
    User.objects.create_superuser("admin@example.org", PASSWORD, display_name="Admin")
    _fail(client, "admin@example.org", LIMIT - 1, path="/admin/login/")
    response = _sign_in(client, "admin@example.org", "wrong-password", path="/admin/login/")
    assert response.status_code == 429
    assert _sign_in(Client(), "admin@example.org", PASSWORD, path="/admin/login/").status_code == 429


def _reset(client: Client, email: str):
    return client.post(reverse("password_reset"), {"email": email})


def test_password_reset_requests_are_limited_per_address_without_saying_so(client, alice):
    for _ in range(5):
        assert _reset(client, "alice@example.org")["Location"] == reverse("password_reset_done")
    assert DBTaskResult.objects.count() == 5
    # The sixth, in any letter case, looks the same and queues nothing.
    response = _reset(client, "Alice@Example.org")
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert DBTaskResult.objects.count() == 5
    # Other addresses are not affected, whether or not they have an account.
    _reset(client, "charlie@example.org")
    _reset(client, "nobody@example.org")
    assert DBTaskResult.objects.count() == 7
    assert SecurityEvent.objects.filter(kind="reset_requested", email="alice@example.org").count() == 6


def test_password_reset_limit_counts_only_the_last_hour(client, alice):
    for _ in range(5):
        _reset(client, "alice@example.org")
    SecurityEvent.objects.filter(kind="reset_requested").update(created_at=timezone.now() - timedelta(minutes=61))
    _reset(client, "alice@example.org")
    assert DBTaskResult.objects.count() == 6


@pytest.mark.parametrize("ip", ["", "not-an-ip", "::1"])
def test_sign_in_with_odd_client_addresses_still_works(client, alice, ip):
    assert _sign_in(client, "alice@example.org", PASSWORD, ip=ip).status_code == 302


@pytest.mark.parametrize("name", ["AXES_FAILURE_LIMIT", "AXES_COOLOFF_MINUTES", "SECURITY_LOG_RETENTION_DAYS"])
def test_a_limit_below_one_stops_the_app_with_a_message(name):
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "hiat_site.settings",
        "DEBUG": "1",
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        name: "0",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and f"{name} must be at least 1" in result.stderr


@pytest.mark.parametrize("spelling", ["al\u0131ce@example.org", "ALICE@EXAMPLE.ORG ", "al\u0130ce@example.org"])
def test_another_spelling_of_a_locked_address_does_not_get_in(client, alice, spelling):
    _lock(client, "alice@example.org")
    response = _sign_in(client, spelling, PASSWORD)
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session


def test_a_dotless_i_is_not_the_same_account(client, alice):
    # PostgreSQL's case-insensitive match would take "alıce" for "alice"; sign-in must not.
    assert _sign_in(client, "al\u0131ce@example.org", PASSWORD).status_code == 200
    assert "_auth_user_id" not in client.session


def test_addresses_are_stored_in_one_spelling_whoever_saves_them(db):
    user = User(email="  Mixed.Case@Example.ORG ", display_name="Mixed")
    user.set_password(PASSWORD)
    user.save()
    assert User.objects.get(pk=user.pk).email == "mixed.case@example.org"
    assert (
        Client().post("/accounts/login/", {"username": "MIXED.case@example.org", "password": PASSWORD}).status_code
        == 302
    )


@pytest.mark.parametrize(
    "path,field,extra",
    [
        ("/accounts/delete/", "password", {}),
        ("/accounts/email/", "password", {"email": "new-address@example.org"}),
        (
            "/accounts/password/",
            "old_password",
            {"new_password1": "a-new-passphrase-2026", "new_password2": "a-new-passphrase-2026"},
        ),
    ],
)
def test_wrong_passwords_on_the_account_pages_count_towards_the_lock(alice, path, field, extra):
    from tests.conftest import client_for

    client = client_for(alice)
    for _ in range(LIMIT - 1):
        response = client.post(path, {field: "wrong-password", **extra}, REMOTE_ADDR=WORKSHOP_IP)
        assert response.status_code == 200 and "Your current password is not correct" in response.content.decode()
    # The 50th wrong password pauses the account, as on the sign-in page.
    assert client.post(path, {field: "wrong-password", **extra}, REMOTE_ADDR=WORKSHOP_IP).status_code == 429
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SIGN_IN_FAILED).count() == LIMIT
    # Now even the right password changes nothing.
    response = client.post(path, {field: PASSWORD, **extra}, REMOTE_ADDR=WORKSHOP_IP)
    assert response.status_code == 429 or "too many wrong passwords" in response.content.decode()
    alice.refresh_from_db()
    assert alice.email == "alice@example.org" and alice.check_password(PASSWORD)
    assert _sign_in(Client(), "alice@example.org", PASSWORD).status_code == 429
