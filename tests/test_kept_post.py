"""Text posted after the idle limit has ended a session is kept until the same person signs in
again, then saved on the page they were on (WCAG 2.2.5 Re-authenticating)."""

import html
import re
from datetime import datetime, timedelta
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.keep_post import KEEP_FOR, KEPT_POST
from accounts.middleware import SIGNED_IN_AT, SIGNED_OUT_USER
from accounts.models import User
from assessments.models import Assessment, Membership, Role
from tests.conftest import PASSWORD
from tests.helpers import details_post_data, error_summary, idle_too_long, section_post_data

SAVED_MESSAGE = "Signed in again. What you typed has been saved."


def _csrf(client: Client) -> str:
    return client.cookies["csrftoken"].value


def _sign_in_url(page: str) -> str:
    return f"{reverse('login')}?{urlencode({'next': page}, safe='/')}"


def _sign_in(client: Client, email: str, next_url: str = ""):
    """Through the sign-in page, with its CSRF token, as a browser does."""
    login = _sign_in_url(next_url) if next_url else reverse("login")
    client.get(login)
    return client.post(login, {"username": email, "password": PASSWORD, "csrfmiddlewaretoken": _csrf(client)})


def _browser_left_idle(email: str, page: str) -> Client:
    """A browser signed in as `email` with `page` open, then left for longer than the idle limit."""
    client = Client(enforce_csrf_checks=True)
    assert _sign_in(client, email).status_code == 302
    assert client.get(page).status_code == 200
    idle_too_long(client)
    return client


def _post_after_the_limit(client: Client, page: str, data: dict) -> str:
    """The form on `page` is sent after the limit: the person is asked to sign in; returns where."""
    response = client.post(page, {**data, "csrfmiddlewaretoken": _csrf(client)})
    assert response.status_code == 302
    assert response["Location"] == _sign_in_url(page)
    return response["Location"]


def _field_value(page: str, name: str) -> str:
    found = re.search(rf'<(?:input|textarea)[^>]*name="{name}"[^>]*?(?:value="([^"]*)"[^>]*)?>([^<]*)', page)
    assert found, f"no field {name}"
    return html.unescape(found[1] if found[1] is not None else found[2]).strip()


@pytest.fixture
def bob(assessment) -> User:
    """An editor on alice's team, who could save to her assessment too."""
    user = User.objects.create_user("bob@example.org", PASSWORD, display_name="Bob Editor")
    Membership.objects.create(assessment=assessment, user=user, role=Role.EDITOR, added_by=assessment.owner)
    return user


def test_project_details_sent_after_the_limit_are_saved_after_signing_in(assessment):
    page = reverse("assessment_details", args=[assessment.pk])
    client = _browser_left_idle("alice@example.org", page)
    sign_in_url = _post_after_the_limit(client, page, details_post_data(title="Typed while the session ended"))
    assessment.refresh_from_db()
    assert assessment.title == "Welfare advice in GP practices", "nothing is saved while signed out"
    assert "anything you typed has been kept" in client.get(sign_in_url).content.decode()

    response = _sign_in(client, "alice@example.org", next_url=page)
    assert response["Location"] == page
    response = client.get(page, follow=True)
    assert response.redirect_chain == [(page, 302)], "the same page again, not the task list"
    shown = response.content.decode()
    assert SAVED_MESSAGE in shown
    assert _field_value(shown, "title") == "Typed while the session ended"
    assessment.refresh_from_db()
    assert assessment.title == "Typed while the session ended"
    assert assessment.description == "Strength and balance classes in community centres."
    # Taken once: the next visit is an ordinary page.
    assert SAVED_MESSAGE not in client.get(page).content.decode()
    assert KEPT_POST not in client.session


def test_answers_sent_after_the_limit_are_saved_after_signing_in(assessment):
    section = assessment.toolkit_version.sections.get(number=1)
    page = reverse("section", args=[assessment.pk, 1]) + "?return_url=/assessments/"
    client = _browser_left_idle("alice@example.org", page)
    data = section_post_data(section)
    data["s1_problem"] = "Typed for 40 minutes: “the people most affected”.\n\nSecond paragraph."
    _post_after_the_limit(client, page, data)
    assert not assessment.answers.exists()

    assert _sign_in(client, "alice@example.org", next_url=page)["Location"] == page
    response = client.get(page, follow=True)
    assert response.redirect_chain == [(page, 302)]
    shown = response.content.decode()
    assert SAVED_MESSAGE in shown
    assert "Typed for 40 minutes: “the people most affected”." in html.unescape(shown)
    answer = assessment.answers.get(question__key="s1_problem")
    assert answer.text == "Typed for 40 minutes: “the people most affected”.\n\nSecond paragraph."
    assert answer.updated_by.email == "alice@example.org"
    assert assessment.answers.count() == section.questions.count()


def test_kept_text_with_a_mistake_comes_back_with_the_error(assessment):
    page = reverse("assessment_details", args=[assessment.pk])
    client = _browser_left_idle("alice@example.org", page)
    _post_after_the_limit(client, page, details_post_data(title="", description="Kept even though the title is blank"))
    _sign_in(client, "alice@example.org", next_url=page)
    response = client.get(page)
    assert response.status_code == 200
    shown = response.content.decode()
    assert error_summary(shown) == ["Enter a title for the project"]
    assert "Kept even though the title is blank" in shown
    assert SAVED_MESSAGE not in shown
    assessment.refresh_from_db()
    assert assessment.description == "Welfare-rights advisers in four GP practices."


def test_text_is_kept_when_the_twelve_hour_limit_has_passed_too(assessment):
    page = reverse("assessment_details", args=[assessment.pk])
    client = _browser_left_idle("alice@example.org", page)
    session = client.session
    session[SIGNED_IN_AT] = (timezone.now() - timedelta(hours=12, minutes=20)).isoformat()
    session.save()
    _post_after_the_limit(client, page, details_post_data(title="Typed late in a long day"))
    _sign_in(client, "alice@example.org", next_url=page)
    assert SAVED_MESSAGE in client.get(page, follow=True).content.decode()
    assert Assessment.objects.get(pk=assessment.pk).title == "Typed late in a long day"


def test_signing_in_keeps_the_session_data_of_a_signed_out_browser_under_a_new_key(assessment):
    # Django's login() cycles the key of a session without a user and keeps its data; the
    # kept text depends on that.
    page = reverse("assessment_details", args=[assessment.pk])
    client = _browser_left_idle("alice@example.org", page)
    _post_after_the_limit(client, page, details_post_data())
    before = client.session.session_key
    assert client.session[KEPT_POST]["path"] == page
    _sign_in(client, "alice@example.org", next_url=page)
    assert client.session.session_key != before, "a new key on sign-in (no session fixation)"
    assert client.session[KEPT_POST]["path"] == page
    assert SIGNED_OUT_USER not in client.session


def test_someone_else_signing_in_on_that_browser_does_not_get_the_text(assessment, bob):
    page = reverse("assessment_details", args=[assessment.pk])
    client = _browser_left_idle("alice@example.org", page)
    _post_after_the_limit(client, page, details_post_data(title="Alice's unsaved title"))
    assert _sign_in(client, "bob@example.org", next_url=page)["Location"] == page
    assert KEPT_POST not in client.session, "dropped as Bob signs in"
    shown = client.get(page).content.decode()
    assert "Alice's unsaved title" not in html.unescape(shown) and SAVED_MESSAGE not in shown
    assert Assessment.objects.get(pk=assessment.pk).title == "Welfare advice in GP practices"


def test_the_page_itself_gives_kept_text_only_to_the_person_it_was_kept_for(assessment, bob):
    # A second check behind the one at sign-in: the page compares the person too.
    page = reverse("assessment_details", args=[assessment.pk])
    client = _browser_left_idle("alice@example.org", page)
    _post_after_the_limit(client, page, details_post_data(title="Kept for someone else"))
    _sign_in(client, "alice@example.org", next_url=page)
    session = client.session
    session[KEPT_POST] = {**session[KEPT_POST], "user": bob.pk}
    session.save()
    assert SAVED_MESSAGE not in client.get(page).content.decode()
    assert KEPT_POST not in client.session
    assert Assessment.objects.get(pk=assessment.pk).title == "Welfare advice in GP practices"


def test_text_kept_for_over_a_day_is_dropped(assessment):
    page = reverse("assessment_details", args=[assessment.pk])
    client = _browser_left_idle("alice@example.org", page)
    _post_after_the_limit(client, page, details_post_data(title="Typed the day before yesterday"))
    session = client.session
    session[KEPT_POST] = {**session[KEPT_POST], "at": (timezone.now() - timedelta(hours=25)).isoformat()}
    session.save()
    _sign_in(client, "alice@example.org", next_url=page)
    shown = client.get(page).content.decode()
    assert SAVED_MESSAGE not in shown and "Typed the day before yesterday" not in shown
    assert KEPT_POST not in client.session
    assert Assessment.objects.get(pk=assessment.pk).title == "Welfare advice in GP practices"


def test_the_browser_forgets_kept_text_after_a_day(assessment):
    page = reverse("assessment_details", args=[assessment.pk])
    client = _browser_left_idle("alice@example.org", page)
    _post_after_the_limit(client, page, details_post_data())
    assert client.session.get_expiry_age() == KEEP_FOR.total_seconds()
    assert client.cookies["sessionid"]["max-age"] == KEEP_FOR.total_seconds()
    kept_at = datetime.fromisoformat(client.session[KEPT_POST]["at"])
    assert timezone.now() - kept_at < timedelta(minutes=1)
    _sign_in(client, "alice@example.org", next_url=page)
    client.get(page)
    assert client.session.get_expiry_age() == 60 * 60 * 24 * 14, "an ordinary session again"


def test_text_too_long_to_keep_is_not_kept_and_the_person_is_told(assessment):
    page = reverse("assessment_details", args=[assessment.pk])
    client = _browser_left_idle("alice@example.org", page)
    sign_in_url = _post_after_the_limit(client, page, details_post_data(description="x" * (2 * 1024 * 1024)))
    assert KEPT_POST not in client.session
    shown = client.get(sign_in_url).content.decode()
    assert "What you sent was too long to keep while you sign in again" in shown


def test_a_post_from_someone_who_never_signed_in_is_not_kept(assessment):
    page = reverse("assessment_details", args=[assessment.pk])
    client = Client()
    response = client.post(page, details_post_data())
    assert response.status_code == 302 and response["Location"] == _sign_in_url(page)
    assert KEPT_POST not in client.session


def test_kept_text_waits_for_its_own_page(assessment):
    page = reverse("assessment_details", args=[assessment.pk])
    section_page = reverse("section", args=[assessment.pk, 1])
    client = _browser_left_idle("alice@example.org", page)
    _post_after_the_limit(client, page, details_post_data(title="Saved on its own page"))
    _sign_in(client, "alice@example.org")
    assert SAVED_MESSAGE not in client.get(section_page).content.decode()
    assert client.head(page).status_code == 200
    assert KEPT_POST in client.session, "neither another page nor HEAD takes it"
    assert SAVED_MESSAGE in client.get(page, follow=True).content.decode()
    assert Assessment.objects.get(pk=assessment.pk).title == "Saved on its own page"


def test_kept_text_for_an_answer_someone_changed_meanwhile_asks_which_to_keep(assessment, bob):
    from tests.helpers import section_page_data

    page = reverse("section", args=[assessment.pk, 1])
    client = Client(enforce_csrf_checks=True)
    assert _sign_in(client, "alice@example.org").status_code == 302
    shown = section_page_data(client, page)
    idle_too_long(client)
    _post_after_the_limit(client, page, shown | {"s1_problem": "Alice typed this before the limit", "later": ""})
    # While Alice is away, Bob answers the same question.
    bob_client = Client()
    bob_client.force_login(bob)
    bobs = section_page_data(bob_client, page) | {"s1_problem": "Bob's answer", "later": ""}
    assert bob_client.post(page, bobs).status_code == 302
    response = _sign_in(client, "alice@example.org", page)
    returned = client.get(response["Location"])
    body = returned.content.decode()
    assert returned.status_code == 409
    assert "Bob Editor changed 1.1" in body and "Alice typed this before the limit" in body
    assert assessment.answers.get(question__key="s1_problem").text == "Bob's answer"
