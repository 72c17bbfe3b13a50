"""The security log: what is recorded, what never is, who can read it, and how long it is kept."""

import logging
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import SecurityEvent, User
from accounts.security_log import security_event_record
from tests.conftest import PASSWORD
from tests.helpers import run_queued_tasks


def _kinds() -> list[str]:
    return list(SecurityEvent.objects.order_by("created_at", "id").values_list("kind", flat=True))


def test_sign_in_and_sign_out_are_recorded_with_address_and_browser(client, alice):
    client.post(
        reverse("login"),
        {"username": "Alice@Example.org", "password": PASSWORD},
        REMOTE_ADDR="198.51.100.4",
        HTTP_USER_AGENT="Firefox/140 " + "x" * 1000,
    )
    client.post(reverse("logout"))
    assert _kinds() == ["sign_in", "sign_out"]
    event = SecurityEvent.objects.get(kind="sign_in")
    assert event.user == alice and event.email == "alice@example.org"
    assert event.ip_address == "198.51.100.4"
    assert event.user_agent.startswith("Firefox/140") and len(event.user_agent) == 300


def test_a_failed_sign_in_records_the_address_typed_but_never_the_password(client, alice, caplog):
    secret = "Tr0ub4dor&3-secret-guess"
    with caplog.at_level(logging.INFO, logger="hiat.security"):
        client.post(reverse("login"), {"username": "  ALICE@example.org ", "password": secret})
    event = SecurityEvent.objects.get()
    assert event.kind == SecurityEvent.Kind.SIGN_IN_FAILED
    assert event.email == "alice@example.org"
    row = " ".join(str(v) for v in SecurityEvent.objects.values().get().values())
    assert secret not in row
    log = "\n".join(r.getMessage() for r in caplog.records if r.name == "hiat.security")
    assert '"kind": "sign_in_failed"' in log and "alice@example.org" in log
    assert secret not in log and secret not in caplog.text


def test_detail_keys_that_look_secret_are_dropped(db, caplog):
    with caplog.at_level(logging.INFO, logger="hiat.security"):
        event = security_event_record(
            kind=SecurityEvent.Kind.PASSWORD_CHANGED,
            email="x@example.org",
            detail={"new_password": "hunter2-hunter2", "reset_token": "abc-123-token", "via": "account page"},
        )
    assert event.detail == {"via": "account page"}
    assert "hunter2" not in caplog.text and "abc-123-token" not in caplog.text


def test_a_huge_email_is_truncated_to_fit(client, db):
    client.post(reverse("login"), {"username": "a" * 100_000 + "@example.org", "password": "x"})
    # The form refuses the address before authenticating, so nothing is tried or recorded...
    assert SecurityEvent.objects.count() in (0, 1)
    event = security_event_record(kind=SecurityEvent.Kind.SIGN_IN_FAILED, email="b" * 1000)
    assert len(event.email) == 254


def test_password_reset_request_and_completion_are_recorded(client, alice):
    client.post(reverse("password_reset"), {"email": "alice@example.org"})
    run_queued_tasks()
    found = re.search(r"http://testserver(/accounts/reset/\S+)", str(mail.outbox[0].body))
    assert found is not None
    link = found.group(1)
    form_url = client.get(link)["Location"]
    client.post(form_url, {"new_password1": "a-new-passphrase-1", "new_password2": "a-new-passphrase-1"})
    assert _kinds() == ["reset_requested", "reset_completed"]
    token = link.rstrip("/").rsplit("/", 1)[-1]
    for event in SecurityEvent.objects.all():
        assert token not in str(event.detail) and "a-new-passphrase-1" not in str(event.detail)


def test_the_log_survives_the_account_with_the_email_only(db):
    user = User.objects.create_user("gone@example.org", PASSWORD, display_name="Gone")
    security_event_record(kind=SecurityEvent.Kind.SIGN_IN, user=user)
    user.delete()
    event = SecurityEvent.objects.get()
    assert event.user is None and event.email == "gone@example.org"


@pytest.fixture
def staff_client(db) -> Client:
    admin = User.objects.create_superuser("admin@example.org", PASSWORD, display_name="Admin")
    client = Client()
    client.force_login(admin)
    return client


def test_admin_lists_filters_and_searches_but_cannot_change(staff_client, alice):
    security_event_record(kind=SecurityEvent.Kind.SIGN_IN, user=alice)
    security_event_record(kind=SecurityEvent.Kind.SIGN_IN_FAILED, email="charlie@example.org")
    url = reverse("admin:accounts_securityevent_changelist")
    page = staff_client.get(url, {"kind__exact": "sign_in_failed"}).content.decode()
    assert "charlie@example.org" in page and "alice@example.org" not in page
    page = staff_client.get(url, {"q": "alice"}).content.decode()
    assert "alice@example.org" in page and "charlie@example.org" not in page
    today = timezone.localdate()
    by_day = {"created_at__year": today.year, "created_at__month": today.month, "created_at__day": today.day}
    page = staff_client.get(url, by_day).content.decode()
    assert "alice@example.org" in page and "charlie@example.org" in page
    event = SecurityEvent.objects.first()
    assert event is not None
    assert staff_client.get(reverse("admin:accounts_securityevent_add")).status_code == 403
    assert staff_client.get(reverse("admin:accounts_securityevent_delete", args=[event.pk])).status_code == 403
    response = staff_client.post(reverse("admin:accounts_securityevent_change", args=[event.pk]), {"email": "x"})
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.email != "x"


@override_settings(SECURITY_LOG_RETENTION_DAYS=365)
def test_purge_deletes_only_events_older_than_the_retention_period(db):
    old = security_event_record(kind=SecurityEvent.Kind.SIGN_IN, email="old@example.org")
    SecurityEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=366))
    edge = security_event_record(kind=SecurityEvent.Kind.SIGN_IN, email="edge@example.org")
    SecurityEvent.objects.filter(pk=edge.pk).update(created_at=timezone.now() - timedelta(days=364))
    security_event_record(kind=SecurityEvent.Kind.SIGN_IN, email="new@example.org")
    out = StringIO()
    call_command("purge_security_log", stdout=out)
    assert "Deleted 1 " in out.getvalue()
    assert sorted(SecurityEvent.objects.values_list("email", flat=True)) == ["edge@example.org", "new@example.org"]
    call_command("purge_security_log", "--days", "1", stdout=out)
    assert list(SecurityEvent.objects.values_list("email", flat=True)) == ["new@example.org"]
    with pytest.raises(CommandError):
        call_command("purge_security_log", "--days", "0", stdout=out)


@pytest.mark.parametrize(
    "remote,forwarded,expected",
    [
        ("203.0.113.7", "", "203.0.113.7"),  # no proxy
        ("203.0.113.7", "198.51.100.9", "203.0.113.7"),  # not from a trusted proxy: the header is ignored
        ("127.0.0.1", "198.51.100.9", "198.51.100.9"),  # nginx on this host names the browser
        ("127.0.0.1", "10.9.9.9, 198.51.100.9", "198.51.100.9"),  # the rightmost untrusted hop, not a spoofed left one
        ("127.0.0.1", "198.51.100.9, 127.0.0.1", "198.51.100.9"),  # proxies in a chain are skipped
        ("127.0.0.1", "garbage", "127.0.0.1"),
        ("127.0.0.1", "", "127.0.0.1"),
    ],
)
def test_the_browsers_address_is_taken_from_a_trusted_proxy_only(settings, remote, forwarded, expected):
    from django.test import RequestFactory

    from accounts.security_log import client_ip

    settings.TRUSTED_PROXIES = ["127.0.0.1", "::1"]
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_sign_in_failures_behind_the_proxy_are_logged_with_the_browsers_address(client, settings, alice):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    client.post(
        "/accounts/login/",
        {"username": "alice@example.org", "password": "wrong"},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.9",
    )
    assert SecurityEvent.objects.get(kind="sign_in_failed").ip_address == "198.51.100.9"
