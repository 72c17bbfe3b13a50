"""Site-wide protections: Content-Security-Policy, Permissions-Policy, no caching of anyone's
data, HEAD on every page, and form posts in a charset other than UTF-8 refused politely."""

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from assessments.renders import CONTENT_TYPES
from tests.helpers import download_report

# POST-only URLs: GET and HEAD both get 405.
POST_ONLY = {
    "logout",
    "section_complete",
    "section_reopen",
    "answer_save",
    "answer_restore",
    "account_export_request",
    "assessment_team_invite",
    "assessment_team_role",
    "assessment_team_remove",
    "assessment_team_transfer",
    "assessment_team_revoke",
    "assessment_team_leave",
    "join_return",
}
# URLs of things these tests do not make: no data export has been prepared, no invitation sent;
# and a toolkit section's preview, which is 404 for anyone but content staff (alice is an assessor).
NOT_FOUND_HERE = {"account_export_download", "invitation_accept", "section_preview"}


def _named_patterns(resolver: URLResolver | None = None, prefix: str = "") -> list[tuple[str, str]]:
    """(name, route) for every named URL of the site, admin aside."""
    found = []
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name != "admin":
                found += _named_patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            found.append((entry.name, prefix + str(entry.pattern)))
    return found


def _url(name: str, route: str, assessment, user, workshop=None) -> str:
    values = {
        "pk": assessment.pk,
        "number": 1,
        "question_key": "s1_problem",
        "workshop_id": workshop.pk if workshop else 0,
        "code": workshop.join_code if workshop else "",
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
        "section_pk": assessment.toolkit_version.sections.get(number=1).pk,
    }
    return reverse(
        name, kwargs={key: value for key, value in values.items() if f"<{key}>" in route or f":{key}>" in route}
    )


@pytest.fixture
def alices_workshop(alice, toolkit_version):
    """Alice is a trainer too, with a workshop, so its pages answer her."""
    from django.contrib.auth.models import Group

    from tests.conftest import make_workshop

    alice.groups.add(Group.objects.get_or_create(name="Trainers")[0])
    return make_workshop(alice, toolkit_version)


@pytest.mark.parametrize("name,route", _named_patterns())
def test_every_url_answers_head_as_it_answers_get(alice_client, assessment, alice, alices_workshop, name, route):
    url = _url(name, route, assessment, alice, alices_workshop)
    get = alice_client.get(url)
    head = alice_client.head(url)
    # An error page answers HEAD as it answers GET too: only a URL with nothing behind it may be 404.
    assert get.status_code < 500, (url, get.status_code)
    assert (get.status_code == 404) == (name in NOT_FOUND_HERE), (url, get.status_code)
    assert head.status_code == get.status_code, (url, get.status_code, head.status_code)
    assert head.content == b""
    assert (get.status_code == 405) == (name in POST_ONLY), (url, get.status_code)


def test_uptime_monitors_get_ok_from_head_on_the_start_page(client, db):
    assert client.head("/").status_code == 200


def test_favicon_ico_leads_to_the_icon(client, db):
    response = client.get("/favicon.ico", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[0][0].endswith(".ico")
    assert b"".join(response.streaming_content if response.streaming else [response.content])[:4] == b"\x00\x00\x01\x00"


def test_pages_carry_a_strict_content_security_policy(client, db):
    policy = client.get("/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_pages_switch_off_browser_features_they_never_use(client, db):
    policy = client.get("/")["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment"):
        assert f"{feature}=()" in policy


@pytest.mark.parametrize(
    "name",
    [
        "assessment_list",
        "assessment_task_list",
        "assessment_report",
        "assessment_export",
        "assessment_report_preparing",
        "assessment_report_status",
        "assessment_toolkit_version",
        "workshop_dashboard",
        "workshop_progress",
        "workshop_answers_csv",
        "workshop_reports_status",
    ],
)
def test_nothing_shown_to_a_signed_in_person_is_stored_by_a_cache(alice_client, assessment, alices_workshop, name):
    if name == "assessment_list":
        url = reverse(name)
    elif name.startswith("workshop_"):
        url = reverse(name, args=[alices_workshop.pk])
    else:
        url = reverse(name, args=[assessment.pk])
    response = alice_client.get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("name", ["assessment_report_pdf", "assessment_report_docx"])
def test_the_report_files_are_not_stored_by_a_cache(alice_client, assessment, name):
    response = download_report(alice_client, reverse(name, args=[assessment.pk]))
    assert response.status_code == 200 and response["Content-Type"] in CONTENT_TYPES.values()
    assert "no-store" in response["Cache-Control"]


def test_public_pages_may_be_cached(client, db):
    assert "no-store" not in client.get("/").get("Cache-Control", "")


URLENCODED = b"username=alice%40example.org&password=x%C3%A9"
MULTIPART = (
    b'--B\r\nContent-Disposition: form-data; name="username"\r\n\r\nalice@example.org\r\n'
    b'--B\r\nContent-Disposition: form-data; name="password"\r\n\r\nx\r\n--B--\r\n'
)


@pytest.mark.parametrize("charset", ["latin1", "iso-8859-1", "utf-16", "x-nonsense", ""])
@pytest.mark.parametrize(
    "body,content_type",
    [(URLENCODED, "application/x-www-form-urlencoded"), (MULTIPART, "multipart/form-data; boundary=B")],
)
@pytest.mark.parametrize("url", ["/accounts/login/", "/accounts/signup/", "/accounts/password-reset/"])
def test_a_post_in_another_charset_gets_the_friendly_400_page(client, db, caplog, url, body, content_type, charset):
    response = client.generic("POST", url, body, content_type=f"{content_type}; charset={charset}")
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode() or "Sorry" in response.content.decode()
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_a_signed_in_form_post_in_another_charset_gets_400(alice_client, assessment):
    url = reverse("section", args=[assessment.pk, 1])
    response = alice_client.generic(
        "POST", url, b"x=1", content_type="application/x-www-form-urlencoded; charset=latin1"
    )
    assert response.status_code == 400


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8", "utf8", '"utf-8"'])
def test_utf8_in_any_spelling_is_accepted(client, alice, charset):
    response = client.generic(
        "POST",
        "/accounts/login/",
        URLENCODED.replace(b"x%C3%A9", b"correct-horse-battery-staple"),
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
    )
    assert response.status_code == 302
