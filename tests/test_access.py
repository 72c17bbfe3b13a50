"""Only the owner can see or change an assessment; everyone else gets 404 on every URL of it."""

import uuid

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from assessments import urls as assessment_urls
from tests.test_access_matrix import MATRIX, NOT_ALLOWED, POST_ONLY_GET

SECTION_NUMBER_URLS = {"section", "section_check", "section_complete", "section_reopen"}
QUESTION_URLS = {"answer_save", "answer_history", "answer_restore"}
# URLs a GET never reaches, for anyone: their POST is what is checked.
POST_ONLY = (POST_ONLY_GET, NOT_ALLOWED)


def assessment_url_names() -> list[str]:
    """Every named URL that takes an assessment id: new URLs join this test automatically."""
    names = []
    for p in assessment_urls.urlpatterns:
        if isinstance(p, URLPattern) and "<uuid:pk>" in str(p.pattern):
            assert p.name, f"the URL {p.pattern} has no name"
            names.append(p.name)
    return names


def url_for(name: str, pk: object) -> str:
    if name in QUESTION_URLS:
        return reverse(name, args=[pk, "s1_problem"])
    args = [pk, 1] if name in SECTION_NUMBER_URLS else [pk]
    return reverse(name, args=args)


def test_every_assessment_url_is_covered():
    names = assessment_url_names()
    assert {"assessment_task_list", "section", "section_check", "assessment_export"} <= set(names)
    assert len(names) >= 7


@pytest.mark.parametrize("name", assessment_url_names())
@pytest.mark.parametrize("method", ["get", "post"])
def test_outsider_gets_404(charlie_client, assessment, name, method):
    response = getattr(charlie_client, method)(url_for(name, assessment.pk))
    assert response.status_code in (404, 405)
    if response.status_code == 405:  # the view takes only the other method
        other = "post" if method == "get" else "get"
        assert getattr(charlie_client, other)(url_for(name, assessment.pk)).status_code == 404


@pytest.mark.parametrize("name", assessment_url_names())
def test_signed_out_visitor_is_sent_to_sign_in(assessment, name):
    if MATRIX[name][0] is NOT_ALLOWED:
        # JSON endpoints answer 401, so the page that called them can keep the text.
        assert Client().post(url_for(name, assessment.pk)).status_code == 401
        return
    response = Client().get(url_for(name, assessment.pk))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", assessment_url_names())
def test_unknown_assessment_id_is_404(alice_client, toolkit_version, name):
    # A GET of a POST-only URL is 405 for anyone.
    method = "post" if MATRIX[name][0] in POST_ONLY else "get"
    response = getattr(alice_client, method)(url_for(name, uuid.uuid4()))
    assert response.status_code == 404


# Report downloads whose file is not made yet send the person to the page saying so.
PREPARED_BY_THE_WORKER = {"assessment_report_pdf", "assessment_report_docx"}


def test_owner_can_open_every_page(alice_client, assessment):
    for name in assessment_url_names():
        if MATRIX[name][0] in POST_ONLY:
            continue
        response = alice_client.get(url_for(name, assessment.pk))
        if name in PREPARED_BY_THE_WORKER:
            assert response.status_code == 303, name
            assert alice_client.get(response["Location"]).status_code == 200, name
        else:
            assert response.status_code == 200, name


def test_outsider_export_leaks_nothing(charlie_client, assessment):
    response = charlie_client.get(reverse("assessment_export", args=[assessment.pk]))
    assert response.status_code == 404
    assert assessment.title not in response.content.decode()


def test_outsider_does_not_see_the_assessment_in_their_list(charlie_client, assessment):
    response = charlie_client.get(reverse("assessment_list"))
    page = response.content.decode()
    assert response.status_code == 200 and "Your assessments</h1>" in page
    assert "You have no assessments yet" in page
    assert assessment.title not in page


def test_malformed_ids_are_404(alice_client, toolkit_version):
    for path in ["/assessments/not-a-uuid/", "/assessments/1/sections/1/", "/assessments/%00/export.json"]:
        assert alice_client.get(path).status_code == 404


def test_unknown_section_numbers_are_404(alice_client, assessment):
    for number in [0, 5, 99, 10**9]:
        assert alice_client.get(f"/assessments/{assessment.pk}/sections/{number}/").status_code == 404
        assert alice_client.get(f"/assessments/{assessment.pk}/sections/{number}/check/").status_code == 404
    assert alice_client.get(f"/assessments/{assessment.pk}/sections/-1/").status_code == 404
    assert alice_client.get(f"/assessments/{assessment.pk}/sections/one/").status_code == 404


def test_section_previews_are_404_for_assessors_whatever_the_id(alice_client, assessment):
    """The preview takes a section id, not an assessment: an assessor learns nothing from it,
    not even which sections (or drafts) exist."""
    real = assessment.toolkit_version.sections.get(number=1).pk
    for path in [f"/assessments/preview/sections/{real}/", "/assessments/preview/sections/999999999/"]:
        assert alice_client.get(path).status_code == 404
    assert alice_client.get("/assessments/preview/sections/one/").status_code == 404


# --- Read-only assessments (a workshop closed read-only: docs/adr/0016) -------------------


@pytest.mark.parametrize("role", ["owner", "editor"])
def test_a_read_only_assessment_refuses_every_change_whatever_the_role(assessment, role):
    from accounts.models import User
    from assessments.models import Membership, Role
    from assessments.services import assessments_set_read_only
    from tests.conftest import PASSWORD, client_for

    person = assessment.owner
    if role == "editor":
        person = User.objects.create_user("eddie@example.org", PASSWORD, display_name="Eddie Editor")
        Membership.objects.create(assessment=assessment, user=person, role=Role.EDITOR, added_by=assessment.owner)
    client = client_for(person)
    assessments_set_read_only(assessment_ids=[assessment.pk], read_only=True)
    revision = assessment.revision
    for name in ("section", "assessment_details", "assessment_summary"):
        assert client.get(url_for(name, assessment.pk)).status_code == 403, name
    response = client.post(
        url_for("answer_save", assessment.pk),
        {"value": "Words", "base_version": 0, "client_id": "ro"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert client.get(url_for("assessment_task_list", assessment.pk)).status_code == 200
    assessment.refresh_from_db()
    assert assessment.revision == revision and not assessment.answers.exists()
    assessments_set_read_only(assessment_ids=[assessment.pk], read_only=False)
    assert client.get(url_for("section", assessment.pk)).status_code == 200


def test_a_save_from_a_page_loaded_before_closing_is_refused(assessment, toolkit_version):
    """The services read the flag under the row lock, not from the object the view loaded."""
    from django.core.exceptions import PermissionDenied

    from assessments.services import answer_save, assessments_set_read_only

    question = toolkit_version.sections.get(number=1).questions.get(key="s1_problem")
    loaded = type(assessment).objects.get(pk=assessment.pk)  # as a view loaded it, editable
    assessments_set_read_only(assessment_ids=[assessment.pk], read_only=True)
    with pytest.raises(PermissionDenied):
        answer_save(assessment=loaded, question=question, value="Late words", base_version=0, user=assessment.owner)
