"""Your account: details, password, sign out everywhere, download all your data, delete."""

import io
import json
import zipfile

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import DataExport, SecurityEvent, User
from assessments.export import assessment_export_data
from assessments.models import Answer, Assessment, SectionCompletion
from assessments.services import assessment_create, section_answers_save, section_complete
from tests.conftest import DETAILS, PASSWORD
from tests.helpers import answer_for, run_queued_tasks, sign_in

NEW_PASSWORD = "a-completely-new-passphrase"


def _signed_in(email: str = "alice@example.org", password: str = PASSWORD) -> Client:
    client = Client()
    assert sign_in(client, email, password)
    return client


def _is_signed_in(client: Client) -> bool:
    return client.get(reverse("assessment_list")).status_code == 200


@pytest.fixture
def answered(assessment, alice, toolkit_version) -> Assessment:
    section = toolkit_version.sections.get(number=1)
    values = {q.key: answer_for(q) for q in section.questions.all()}
    section_answers_save(assessment=assessment, section=section, values=values, user=alice)
    section_complete(assessment=assessment, section=section, user=alice)
    return assessment


# --- Access -------------------------------------------------------------------------------

PAGES = [
    "account",
    "account_name",
    "account_email",
    "account_password",
    "account_sign_out_everywhere",
    "account_delete",
]


@pytest.mark.parametrize("name", PAGES + ["account_export_request"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_people_are_sent_to_sign_in(client, db, name, method):
    url = reverse(name)
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_anonymous_download_is_sent_to_sign_in(client, alice):
    export = DataExport.objects.create(user=alice, expires_at="2999-01-01T00:00Z", status="ready", content=b"PK")
    url = reverse("account_export_download", args=[export.pk])
    assert client.get(url)["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize("name", PAGES)
def test_every_account_page_is_linked_and_shows_the_signed_in_person_only(alice_client, charlie, name):
    response = alice_client.get(reverse(name))
    page = response.content.decode()
    assert response.status_code == 200  # an error page would pass the checks below
    assert "charlie@example.org" not in page and "Charlie Outsider" not in page
    assert f'href="{reverse("account")}"' in page, "header link or back link to Your account"


def test_account_page_shows_details_and_every_action(alice_client):
    response = alice_client.get(reverse("account"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Alice Owner" in page and "alice@example.org" in page
    assert '<a class="govuk-header__link" href="/accounts/">Your account</a>' in page
    for name in ["account_name", "account_email", "account_password", "account_sign_out_everywhere", "account_delete"]:
        assert f'href="{reverse(name)}"' in page
    assert "Prepare your data" in page and f'href="{reverse("privacy")}"' in page


def test_export_request_and_download_refuse_get_and_post_respectively(alice_client, alice):
    assert alice_client.get(reverse("account_export_request")).status_code == 405
    export = DataExport.objects.create(user=alice, expires_at="2999-01-01T00:00Z", status="ready", content=b"PK")
    assert alice_client.post(reverse("account_export_download", args=[export.pk])).status_code == 405


# --- Name and email -----------------------------------------------------------------------


def test_change_name(alice_client, alice):
    response = alice_client.post(reverse("account_name"), {"display_name": "  Alice Newname "}, follow=True)
    assert "Your name has been changed." in response.content.decode()
    alice.refresh_from_db()
    assert alice.display_name == "Alice Newname"
    assert SecurityEvent.objects.filter(kind="name_changed", user=alice).count() == 1


@pytest.mark.parametrize(
    "value, message",
    [
        ("", "Enter your name"),
        ("   ", "Enter your name"),
        ("\x00\x01", "Enter your name"),
        ("x" * 100_000, "Your name must be 150 characters or fewer"),
    ],
)
def test_bad_names_get_a_message(alice_client, alice, value, message):
    response = alice_client.post(reverse("account_name"), {"display_name": value})
    page = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in page and message in page
    alice.refresh_from_db()
    assert alice.display_name == "Alice Owner"


def test_a_name_with_html_is_kept_as_text(alice_client, alice):
    alice_client.post(reverse("account_name"), {"display_name": "<script>alert(1)</script>"})
    page = alice_client.get(reverse("account")).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_change_email_needs_the_current_password(alice_client, alice):
    response = alice_client.post(reverse("account_email"), {"email": "alice.new@example.org", "password": "wrong"})
    page = response.content.decode()
    assert response.status_code == 200 and "Your current password is not correct" in page
    assert 'value="alice.new@example.org"' in page, "what was typed is kept"
    alice.refresh_from_db()
    assert alice.email == "alice@example.org"


def test_change_email_then_sign_in_with_it(alice_client, alice):
    data = {"email": "Alice.New@Example.org", "password": PASSWORD}
    response = alice_client.post(reverse("account_email"), data, follow=True)
    assert "Your email address has been changed to alice.new@example.org." in response.content.decode()
    # A double submit changes nothing more and is not an error.
    assert alice_client.post(reverse("account_email"), data)["Location"] == reverse("account")
    alice.refresh_from_db()
    assert alice.email == "alice.new@example.org"
    assert sign_in(Client(), "alice.new@example.org", PASSWORD)
    assert not sign_in(Client(), "alice@example.org", PASSWORD)
    event = SecurityEvent.objects.get(kind="email_changed")
    assert event.email == "alice.new@example.org" and event.detail == {"previous_email": "alice@example.org"}


def test_the_old_address_is_told_about_an_email_change(alice_client, alice):
    alice_client.post(reverse("account_email"), {"email": "alice.new@example.org", "password": PASSWORD})
    assert mail.outbox == [], "sent by the worker, not the request"
    assert run_queued_tasks() == 1
    (notice,) = mail.outbox
    assert notice.to == ["alice@example.org"]
    assert notice.subject == "Your HIAT Assessments email address has been changed"
    assert "sign in with alice.new@example.org" in notice.body
    assert "Contact the team that runs HIAT Assessments" in notice.body


def test_an_email_already_used_by_someone_else_is_refused(alice_client, alice, charlie):
    response = alice_client.post(reverse("account_email"), {"email": "CHARLIE@example.org", "password": PASSWORD})
    page = response.content.decode()
    assert response.status_code == 200 and "Another account already uses this email address" in page
    assert 'value="CHARLIE@example.org"' in page
    alice.refresh_from_db()
    assert alice.email == "alice@example.org"


@pytest.mark.parametrize(
    "email, message",
    [
        ("", "Enter your new email address"),
        ("not-an-address", "Enter an email address in the correct format"),
        ("a\x00b@example.org", "Enter an email address in the correct format"),
        ("x" * 100_000 + "@example.org", "Email address must be 254 characters or fewer"),
        ("<script>alert(1)</script>@example.org", "Enter an email address in the correct format"),
    ],
)
def test_bad_email_addresses_get_a_message(alice_client, alice, email, message):
    response = alice_client.post(reverse("account_email"), {"email": email, "password": PASSWORD})
    page = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in page and message in page
    assert "<script>alert(1)</script>" not in page
    assert page.startswith("<!DOCTYPE html>") and "<title>Error: Change your email address" in page


def test_empty_and_huge_passwords_get_a_message(alice_client):
    for password, message in [("", "Enter your current password"), ("p" * 5000, "1,000 characters or fewer")]:
        response = alice_client.post(reverse("account_email"), {"email": "n@example.org", "password": password})
        assert response.status_code == 200 and message in response.content.decode()


# --- Password -----------------------------------------------------------------------------


def test_change_password_keeps_this_session_and_ends_the_others(alice):
    here, elsewhere = _signed_in(), _signed_in()
    data = {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    response = here.post(reverse("account_password"), data, follow=True)
    assert "Your password has been changed." in response.content.decode()
    assert _is_signed_in(here)
    assert not _is_signed_in(elsewhere)
    assert sign_in(Client(), "alice@example.org", NEW_PASSWORD)
    assert SecurityEvent.objects.filter(kind="password_changed", user=alice).count() == 1
    assert run_queued_tasks() == 1
    (notice,) = mail.outbox
    assert notice.to == ["alice@example.org"] and "password" in notice.subject
    assert NEW_PASSWORD not in notice.body
    assert f"http://testserver{reverse('password_reset')}" in notice.body


@pytest.mark.parametrize(
    "data, message",
    [
        ({"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, "not correct"),
        ({"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": "other"}, "didn’t match"),
        ({"old_password": PASSWORD, "new_password1": "Alice Owner", "new_password2": "Alice Owner"}, "too similar"),
        ({"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"}, "too short"),
        ({"old_password": "\x00", "new_password1": "\x00", "new_password2": "\x00"}, "There is a problem"),
        ({}, "Enter your current password"),
    ],
)
def test_bad_password_changes_get_a_message(alice_client, alice, data, message):
    response = alice_client.post(reverse("account_password"), data)
    assert response.status_code == 200 and message in response.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


# --- Sign out everywhere ------------------------------------------------------------------


def test_sign_out_everywhere_asks_first_then_ends_every_session(alice, charlie):
    here, phone, charlies = _signed_in(), _signed_in(), _signed_in("charlie@example.org")
    page = here.get(reverse("account_sign_out_everywhere")).content.decode()
    assert "including this one" in page and 'type="submit"' in page
    assert _is_signed_in(here), "looking at the page signs nobody out"
    response = here.post(reverse("account_sign_out_everywhere"), follow=True)
    assert "You have been signed out on every device" in response.content.decode()
    assert not _is_signed_in(here) and not _is_signed_in(phone)
    assert _is_signed_in(charlies)
    assert SecurityEvent.objects.filter(kind="sign_out_everywhere", user=alice).count() == 1
    # A second click (double submit) finds the person signed out, not an error.
    assert here.post(reverse("account_sign_out_everywhere")).status_code == 302


# --- Download all your data ---------------------------------------------------------------


def test_download_all_your_data_is_built_by_the_worker(alice_client, alice, answered, charlie):
    assessment_create(owner=charlie, details={**DETAILS, "title": "Charlie's own"})
    second = assessment_create(owner=alice, details={**DETAILS, "title": "Second assessment"})
    response = alice_client.post(reverse("account_export_request"))
    assert response["Location"] == reverse("account") + "#your-data"
    alice_client.post(reverse("account_export_request"))  # double submit: still one export
    # One export queued (the answers' saves queued report files for later, too).
    exports = DBTaskResult.objects.filter(task_path="accounts.tasks.build_data_export")
    assert DataExport.objects.count() == 1 and exports.count() == 1

    page = alice_client.get(reverse("account")).content.decode()
    assert "Your data is being prepared" in page and "Check again" in page
    assert run_queued_tasks() == 1

    export = DataExport.objects.get()
    page = alice_client.get(reverse("account")).content.decode()
    download_url = reverse("account_export_download", args=[export.pk])
    assert "being prepared" not in page and f'href="{download_url}"' in page

    response = alice_client.get(download_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith('attachment; filename="hiat-your-data-')
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == sorted(
        [
            "account.json",
            f"assessments/hiat-assessment-{answered.pk}.json",
            f"assessments/hiat-assessment-{second.pk}.json",
        ]
    )
    account = json.loads(archive.read("account.json"))
    assert account["account"]["email"] == "alice@example.org" and account["account"]["name"] == "Alice Owner"
    assert "password" not in json.dumps(account)
    exported = json.loads(archive.read(f"assessments/hiat-assessment-{answered.pk}.json"))
    assert exported == json.loads(json.dumps(assessment_export_data(answered)))
    assert exported["sections"][0]["completed"] is True


def test_only_the_owner_can_download_their_data(alice_client, charlie_client, alice):
    alice_client.post(reverse("account_export_request"))
    run_queued_tasks()
    url = reverse("account_export_download", args=[DataExport.objects.get().pk])
    assert charlie_client.get(url).status_code == 404
    assert alice_client.get(url).status_code == 200


def test_an_expired_or_unfinished_export_is_not_downloadable(alice_client, alice):
    alice_client.post(reverse("account_export_request"))
    export = DataExport.objects.get()
    url = reverse("account_export_download", args=[export.pk])
    assert alice_client.get(url).status_code == 404, "not built yet"
    run_queued_tasks()
    DataExport.objects.update(expires_at="2000-01-01T00:00Z")
    assert alice_client.get(url).status_code == 404
    assert "Prepare your data" in alice_client.get(reverse("account")).content.decode()


# --- Delete your account ------------------------------------------------------------------


def test_an_export_is_deleted_by_the_worker_when_it_expires(alice_client, alice):
    alice_client.post(reverse("account_export_request"))
    assert run_queued_tasks() == 1
    export = DataExport.objects.get()
    assert export.status == "ready"
    assert run_queued_tasks() == 0, "the deletion waits for the expiry time"
    deletion = DBTaskResult.objects.get(status="READY")
    assert abs((deletion.run_after - export.expires_at).total_seconds()) < 1
    DBTaskResult.objects.filter(pk=deletion.pk).update(run_after=timezone.now())
    assert run_queued_tasks() == 1
    assert not DataExport.objects.exists()


def test_delete_page_lists_exactly_what_will_be_deleted(alice_client, answered, charlie):
    assessment_create(owner=charlie, details={**DETAILS, "title": "Charlie's own"})
    page = alice_client.get(reverse("account_delete")).content.decode()
    assert f"The assessment “{answered.title}” and all its answers" in page
    assert "Charlie&#x27;s own" not in page and "Charlie's own" not in page


def test_delete_needs_the_current_password(alice_client, alice, answered):
    response = alice_client.post(reverse("account_delete"), {"password": "wrong"})
    assert response.status_code == 200 and "Your current password is not correct" in response.content.decode()
    assert User.objects.filter(pk=alice.pk).exists() and Assessment.objects.filter(pk=answered.pk).exists()
    response = alice_client.post(reverse("account_delete"), {"password": ""})
    assert "Enter your current password" in response.content.decode()


@pytest.mark.parametrize("password", ["", "\x00", "p" * 5000, "<script>alert(1)</script>"])
def test_hostile_passwords_on_the_delete_page_get_a_message(alice_client, alice, answered, password):
    response = alice_client.post(reverse("account_delete"), {"password": password})
    page = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in page
    assert "<script>alert(1)</script>" not in page
    assert User.objects.filter(pk=alice.pk).exists() and Assessment.objects.filter(pk=answered.pk).exists()


def test_delete_your_account(alice, answered, charlie):
    client, other_device = _signed_in(), _signed_in()
    charlies = assessment_create(owner=charlie, details={**DETAILS, "title": "Charlie's own"})
    assert Answer.objects.filter(assessment=answered).exists()
    response = client.post(reverse("account_delete"), {"password": PASSWORD}, follow=True)
    assert "Your account and everything in it have been deleted." in response.content.decode()

    assert not _is_signed_in(client) and not _is_signed_in(other_device)
    assert not sign_in(Client(), "alice@example.org", PASSWORD)
    assert not User.objects.filter(email="alice@example.org").exists()
    assert not Assessment.objects.filter(pk=answered.pk).exists()
    assert not Answer.objects.filter(assessment_id=answered.pk).exists()
    assert not SectionCompletion.objects.filter(assessment_id=answered.pk).exists()
    assert Assessment.objects.filter(pk=charlies.pk).exists()

    event = SecurityEvent.objects.get(kind="account_deleted")
    assert event.user is None and event.email == "alice@example.org" and event.detail == {}
    assert not SecurityEvent.objects.filter(user_id=alice.pk).exists()
    # A second click after deletion (double submit) goes to sign-in, not an error.
    assert client.post(reverse("account_delete"), {"password": PASSWORD}).status_code == 302
