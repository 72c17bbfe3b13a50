"""Every URL of the workshops app (and of joining) x every role -> the status each must get.

The workshop access policy (workshops/access.py) written out as a table, like
tests/test_access_matrix.py for assessments: a new workshop URL that is not in MATRIX fails
test_every_workshop_url_is_in_the_matrix.

Roles: anonymous (signed out), outsider (an account with no part in the workshop),
participant (a guest who joined it), trainer (who runs it), other_trainer (a trainer who
runs other workshops), staff (an administrator who is not a trainer).
"""

from collections.abc import Mapping

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from accounts.models import User
from tests.conftest import PASSWORD, client_for, join_as, make_trainer
from tests.helpers import assert_access
from workshops import urls as workshop_urls
from workshops.models import Participant, Workshop
from workshops.services import deletion_plan

ROLES = ["anonymous", "outsider", "participant", "trainer", "other_trainer", "staff"]

# "sign-in": redirected to the sign-in page; "ok": 200 or a redirect onwards (302, 303); a
# number: exactly that status.
TRAINER_ONLY = {
    "anonymous": "sign-in",
    "outsider": 404,
    "participant": 404,
    "trainer": "ok",
    "other_trainer": 404,
    "staff": 404,
}
# The list and "Create a workshop": every trainer has their own.
ANY_TRAINER = {**TRAINER_ONLY, "other_trainer": "ok"}
GET_ONLY_POST = {"anonymous": "sign-in", **dict.fromkeys(ROLES[1:], 405)}
OPEN = dict.fromkeys(ROLES, "ok")
NOT_ALLOWED = dict.fromkeys(ROLES, 405)
# "Keep your work": signed-in people only; accounts that have a password are sent to "Your account".
SIGNED_IN = {"anonymous": "sign-in", **dict.fromkeys(ROLES[1:], "ok")}

# URL name -> (what a GET gets, what a POST gets), per role.
MATRIX: dict[str, tuple[Mapping[str, object], Mapping[str, object]]] = {
    "workshop_list": (ANY_TRAINER, GET_ONLY_POST),
    "workshop_new": (ANY_TRAINER, ANY_TRAINER),
    "workshop_dashboard": (TRAINER_ONLY, GET_ONLY_POST),
    "workshop_progress": (TRAINER_ONLY, GET_ONLY_POST),
    "workshop_question": (TRAINER_ONLY, TRAINER_ONLY),
    "workshop_answers_csv": (TRAINER_ONLY, GET_ONLY_POST),
    "workshop_reports_zip": (TRAINER_ONLY, GET_ONLY_POST),
    "workshop_reports_preparing": (TRAINER_ONLY, GET_ONLY_POST),
    "workshop_reports_status": (TRAINER_ONLY, GET_ONLY_POST),
    "workshop_close": (TRAINER_ONLY, TRAINER_ONLY),
    "workshop_delete": (TRAINER_ONLY, TRAINER_ONLY),
    "join": (OPEN, OPEN),
    "join_code": (OPEN, OPEN),
    "join_keep": (SIGNED_IN, SIGNED_IN),
    # A guest's way back after their session ended: POST only, open to anyone (the browser's
    # key is what counts; without one it redirects to the join page).
    "join_return": (NOT_ALLOWED, OPEN),
}


def _url_names() -> list[str]:
    patterns = [*workshop_urls.urlpatterns, *workshop_urls.join_urlpatterns]
    return [p.name for p in patterns if isinstance(p, URLPattern) and p.name]


def _url(name: str, workshop: Workshop) -> str:
    if name in {"workshop_list", "workshop_new", "join", "join_keep", "join_return"}:
        return reverse(name)
    if name == "join_code":
        return reverse(name, args=[workshop.join_code])
    if name == "workshop_question":
        return reverse(name, args=[workshop.pk, "s1_problem"])
    return reverse(name, args=[workshop.pk])


def _client_for_role(role: str, workshop: Workshop) -> Client:
    if role == "anonymous":
        return Client()
    if role == "trainer":
        return client_for(workshop.trainer)
    if role == "other_trainer":
        return client_for(make_trainer("trevor@example.org", "Trevor Othertrainer"))
    if role == "participant":
        client, response = join_as(workshop, "Pat Participant")
        assert response.status_code == 302
        client.get(response["Location"])  # shows (and so uses up) the "You have joined" message
        return client
    if role == "staff":
        return client_for(User.objects.create_superuser("sam@example.org", PASSWORD, display_name="Sam Admin"))
    return client_for(User.objects.create_user("olive@example.org", PASSWORD, display_name="Olive Outsider"))


def test_every_workshop_url_is_in_the_matrix():
    assert sorted(_url_names()) == sorted(MATRIX)


# A POST that does the real thing where the role allows it, so the test sees it happen.
def _post_data(name: str, workshop: Workshop) -> dict[str, object]:
    if name == "workshop_question":
        return {"do": "reveal"}
    if name == "workshop_close":
        return {"read_only": "yes"}
    if name == "workshop_delete":
        return {"plan": deletion_plan(workshop).digest}
    if name == "join":
        return {"code": workshop.join_code}
    if name == "join_code":
        return {"display_name": "Newcomer"}
    if name == "join_keep":
        return {"email": "kept@example.org", "password1": "a-long-pass-2027-x", "password2": "a-long-pass-2027-x"}
    return {}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_access(workshop, name, method, role):
    client = _client_for_role(role, workshop)
    expected = MATRIX[name][0 if method == "get" else 1][role]
    url = _url(name, workshop)
    response = client.get(url) if method == "get" else client.post(url, _post_data(name, workshop))
    assert_access(response, expected, secrets=[workshop.name, workshop.join_code])
    if method == "post" and expected != "ok":
        # Nothing happened: the workshop is still there, open, with nothing revealed.
        workshop.refresh_from_db()
        assert workshop.is_open and workshop.revealed == []
    if method == "post" and expected == "ok" and role == "trainer":
        if name == "workshop_delete":
            assert not Workshop.objects.filter(pk=workshop.pk).exists()
        elif name == "workshop_close":
            workshop.refresh_from_db()
            assert not workshop.is_open and workshop.closed_read_only
        elif name == "workshop_question":
            workshop.refresh_from_db()
            assert workshop.revealed == ["s1_problem"]


@pytest.mark.parametrize("role", ["outsider", "staff"])
def test_people_with_accounts_join_with_them(workshop, role):
    client = _client_for_role(role, workshop)
    response = client.post(_url("join_code", workshop), {})
    assert response.status_code == 302
    assert Participant.objects.filter(workshop=workshop, guest=False).count() == 1


def test_a_participant_sees_only_their_own_assessment(workshop):
    first, first_response = join_as(workshop, "First")
    second, second_response = join_as(workshop, "Second")
    assert first.get(first_response["Location"]).status_code == 200
    assert first.get(second_response["Location"]).status_code == 404
    assert second.get(first_response["Location"]).status_code == 404
