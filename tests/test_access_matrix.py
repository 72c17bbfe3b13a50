"""Every URL of the assessments app x every role -> the status each must get.

The matrix below is the access policy written out as a table. A URL of the app that is not
in it fails `test_every_assessment_url_is_in_the_matrix`, so a new page cannot ship without
someone deciding who may use it.

Roles: anonymous (signed out), outsider (an account with no role on the assessment), viewer
and editor (team members), owner, staff (an administrator with no role on the assessment:
the admin site is theirs, other people's assessments are not), content editor (staff in the
"Content editors" group: toolkit content, never anyone's answers).
"""

from collections.abc import Mapping
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db.models import F
from django.test import Client
from django.urls import URLPattern, reverse

from accounts.models import User
from assessments import urls as assessment_urls
from assessments.models import Answer, AnswerRevision, Assessment, Membership, Role
from assessments.renders import CONTENT_TYPES, Kind
from assessments.services import answer_save
from tests.conftest import PASSWORD, client_for
from tests.helpers import assert_access, download_report
from toolkit_content.models import Question

ROLES = ["anonymous", "outsider", "viewer", "editor", "owner", "staff", "content_editor"]

# What each kind of URL allows. "sign-in": redirected to the sign-in page; "ok": the page or
# the action works (200, or a redirect onwards: 302, or 303 from a report download to the
# page saying it is being prepared); a number: exactly that status.
OPEN_TO_SIGNED_IN = {"anonymous": "sign-in", **dict.fromkeys(ROLES[1:], "ok")}
# Neither staff role has any role on the assessment: both get 404, like any outsider.
NO_ROLE = {"staff": 404, "content_editor": 404}
READ = {"anonymous": "sign-in", "outsider": 404, "viewer": "ok", "editor": "ok", "owner": "ok", **NO_ROLE}
WRITE = {"anonymous": "sign-in", "outsider": 404, "viewer": 403, "editor": "ok", "owner": "ok", **NO_ROLE}
POST_ONLY_GET = {"anonymous": "sign-in", **dict.fromkeys(ROLES[1:], 405)}
GET_ONLY_POST = {"anonymous": "sign-in", **dict.fromkeys(ROLES[1:], 405)}
MANAGE = {"anonymous": "sign-in", "outsider": 404, "viewer": 403, "editor": 403, "owner": "ok", **NO_ROLE}
# The JSON answer endpoint: signed-out people get 401 (the page keeps their text), not a redirect.
JSON_WRITE = {"anonymous": 401, "outsider": 404, "viewer": 403, "editor": "ok", "owner": "ok", **NO_ROLE}
NOT_ALLOWED = dict.fromkeys(ROLES, 405)
MEMBERS = {"anonymous": "sign-in", "outsider": 404, "viewer": "ok", "editor": "ok", "owner": "ok", **NO_ROLE}
# A toolkit section's preview (the admin's "View on site"): for the people who edit content.
CONTENT_STAFF = {**dict.fromkeys(ROLES, 404), "anonymous": "sign-in", "staff": "ok", "content_editor": "ok"}

# URL name -> (what a GET gets, what a POST gets), per role.
MATRIX: dict[str, tuple[Mapping[str, object], Mapping[str, object]]] = {
    "assessment_list": (OPEN_TO_SIGNED_IN, GET_ONLY_POST),
    "assessment_new": (OPEN_TO_SIGNED_IN, OPEN_TO_SIGNED_IN),
    "assessment_task_list": (READ, GET_ONLY_POST),
    "assessment_introduction": (READ, GET_ONLY_POST),
    "assessment_details": (WRITE, WRITE),
    "assessment_summary": (WRITE, WRITE),
    "section": (WRITE, WRITE),
    "section_check": (READ, GET_ONLY_POST),
    "section_complete": (POST_ONLY_GET, WRITE),
    "section_reopen": (POST_ONLY_GET, WRITE),
    "answer_save": (NOT_ALLOWED, JSON_WRITE),
    "answer_history": (READ, GET_ONLY_POST),
    "answer_restore": (POST_ONLY_GET, WRITE),
    "assessment_report": (READ, GET_ONLY_POST),
    "assessment_report_pdf": (READ, GET_ONLY_POST),
    "assessment_report_docx": (READ, GET_ONLY_POST),
    "assessment_report_preparing": (READ, GET_ONLY_POST),
    "assessment_report_status": (READ, GET_ONLY_POST),
    "assessment_export": (READ, GET_ONLY_POST),
    # Moving to a newer toolkit version: the owner's preview (GET) and move (POST).
    "assessment_toolkit_version": (MANAGE, MANAGE),
    "assessment_team": (READ, GET_ONLY_POST),
    "assessment_team_invite": (POST_ONLY_GET, MANAGE),
    "assessment_team_role": (POST_ONLY_GET, MANAGE),
    "assessment_team_remove": (POST_ONLY_GET, MANAGE),
    "assessment_team_transfer": (POST_ONLY_GET, MANAGE),
    "assessment_team_revoke": (POST_ONLY_GET, MANAGE),
    "assessment_team_leave": (POST_ONLY_GET, MEMBERS),
    "section_preview": (CONTENT_STAFF, GET_ONLY_POST),
}


def _url_names() -> list[str]:
    return [p.name for p in assessment_urls.urlpatterns if isinstance(p, URLPattern) and p.name]


def _url(name: str, assessment: Assessment) -> str:
    if name in {"assessment_list", "assessment_new"}:
        return reverse(name)
    if name in {"section", "section_check", "section_complete", "section_reopen"}:
        return reverse(name, args=[assessment.pk, 1])
    if name in {"answer_save", "answer_history", "answer_restore"}:
        return reverse(name, args=[assessment.pk, "s1_problem"])
    if name == "section_preview":
        return reverse(name, args=[assessment.toolkit_version.sections.get(number=1).pk])
    return reverse(name, args=[assessment.pk])


def _member(assessment: Assessment, email: str, role: Role) -> User:
    user = User.objects.create_user(email, PASSWORD, display_name=email.split("@")[0].title())
    Membership.objects.create(assessment=assessment, user=user, role=role, added_by=assessment.owner)
    return user


def _client_for_role(role: str, assessment: Assessment) -> Client:
    if role == "anonymous":
        return Client()
    if role == "owner":
        return client_for(assessment.owner)
    if role == "viewer":
        return client_for(_member(assessment, "vera@example.org", Role.VIEWER))
    if role == "editor":
        return client_for(_member(assessment, "eddie@example.org", Role.EDITOR))
    if role == "staff":
        return client_for(User.objects.create_superuser("sam@example.org", PASSWORD, display_name="Sam Admin"))
    if role == "content_editor":
        editor = User.objects.create_user("cora@example.org", PASSWORD, display_name="Cora Content", is_staff=True)
        editor.groups.add(Group.objects.get(name="Content editors"))
        return client_for(editor)
    return client_for(User.objects.create_user("olive@example.org", PASSWORD, display_name="Olive Outsider"))


def _answer_with_two_versions(assessment: Assessment) -> Question:
    question = assessment.toolkit_version.sections.get(number=1).questions.get(key="s1_problem")
    owner = assessment.owner
    answer_save(assessment=assessment, question=question, value="First words.", base_version=0, user=owner)
    # A minute on, so the second save is an entry of its own.
    AnswerRevision.objects.filter(answer__question=question).update(started_at=F("started_at") - timedelta(minutes=2))
    answer_save(assessment=assessment, question=question, value="Second words.", base_version=1, user=owner)
    return question


def test_every_assessment_url_is_in_the_matrix():
    assert sorted(_url_names()) == sorted(MATRIX)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_access(assessment, name, method, role):
    client = _client_for_role(role, assessment)
    expected = MATRIX[name][0 if method == "get" else 1][role]
    if name == "answer_save" and method == "post":
        body = {"value": "Words", "base_version": 0, "client_id": "matrix"}
        response = client.post(_url(name, assessment), body, content_type="application/json")
    elif name == "answer_restore" and method == "post":
        # A real restore: version 1 of an answer now at version 2.
        question = _answer_with_two_versions(assessment)
        response = client.post(_url(name, assessment), {"version": 1, "base_version": 2})
        restored = Answer.objects.get(assessment=assessment, question=question).text == "First words."
        assert restored == (expected == "ok")
    else:
        response = getattr(client, method)(_url(name, assessment))
    assert_access(response, expected, secrets=[assessment.title])


def test_a_viewer_can_read_and_download_but_never_change(assessment):
    viewer = client_for(_member(assessment, "vera@example.org", Role.VIEWER))
    revision = assessment.revision
    section = reverse("section", args=[assessment.pk, 1])
    response = viewer.post(section, {"s1_problem": "A viewer's words", "continue": ""})
    assert response.status_code == 403
    assessment.refresh_from_db()
    assert assessment.revision == revision and not assessment.answers.exists()
    pdf = download_report(viewer, reverse("assessment_report_pdf", args=[assessment.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    docx = download_report(viewer, reverse("assessment_report_docx", args=[assessment.pk]))
    assert docx["Content-Type"] == CONTENT_TYPES[Kind.DOCX]


def test_shared_assessments_are_listed_for_their_members_only(assessment, charlie_client):
    editor = client_for(_member(assessment, "eddie@example.org", Role.EDITOR))
    assert assessment.title in editor.get(reverse("assessment_list")).content.decode()
    assert assessment.title not in charlie_client.get(reverse("assessment_list")).content.decode()


def test_an_editor_can_save_answers(assessment):
    editor = client_for(_member(assessment, "eddie@example.org", Role.EDITOR))
    response = editor.post(
        reverse("section", args=[assessment.pk, 1]), {"s1_problem": "An editor's words", "later": ""}
    )
    assert response.status_code == 302
    assert assessment.answers.get(question__key="s1_problem").text == "An editor's words"


def test_your_assessments_shows_each_persons_role(assessment, charlie):
    from assessments.services import assessment_create
    from tests.conftest import DETAILS
    from tests.helpers import assessment_list_row

    Membership.objects.create(assessment=assessment, user=charlie, role=Role.VIEWER, added_by=assessment.owner)
    own = assessment_create(owner=charlie, details={**DETAILS, "title": "Charlie's own assessment"})
    page = client_for(charlie).get(reverse("assessment_list")).content.decode()
    assert assessment_list_row(page, assessment.title)["Your role"] == "Viewer"
    assert assessment_list_row(page, own.title)["Your role"] == "Owner"
    owner_page = client_for(assessment.owner).get(reverse("assessment_list")).content.decode()
    assert assessment_list_row(owner_page, assessment.title)["Your role"] == "Owner"


def test_your_assessments_runs_the_same_queries_however_many_are_shared(charlie, alice, toolkit_version):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from assessments.services import assessment_create
    from tests.conftest import DETAILS

    client = client_for(charlie)

    def queries_with(shared: int) -> int:
        while Membership.objects.filter(user=charlie).count() < shared:
            shared_one = assessment_create(owner=alice, details=dict(DETAILS))
            Membership.objects.create(assessment=shared_one, user=charlie, role=Role.EDITOR, added_by=alice)
        with CaptureQueriesContext(connection) as context:
            page = client.get(reverse("assessment_list")).content.decode()
        assert page.count("Editor</td>") == shared
        return len(context.captured_queries)

    assert queries_with(2) == queries_with(10)
