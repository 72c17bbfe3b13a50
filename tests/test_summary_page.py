""" "Summarise your findings": three short answers the team writes, printed first in the report."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from assessments.models import Assessment, Membership, Role
from tests.conftest import PASSWORD, client_for
from tests.helpers import error_summary, hidden_inputs, task_list_row

FIELDS = {
    "summary_inequalities": "Main inequalities found",
    "summary_changes": "What the work will change",
    "summary_uncertainties": "What is still uncertain",
}
WRITTEN = {
    "summary_inequalities": "People in the most deprived wards claim far less of what they are owed.",
    "summary_changes": "Advice in the GP practice reaches people who never go to an advice centre.",
    "summary_uncertainties": "Whether the extra income changes health within the evaluation's two years.",
}


def url(assessment: Assessment) -> str:
    return reverse("assessment_summary", args=[assessment.pk])


def page_data(client: Client, assessment: Assessment) -> dict[str, str]:
    """What a browser posts back from the page unchanged: the answers and the hidden fingerprints."""
    page = client.get(url(assessment)).content.decode()
    shown = {k: v for k, v in hidden_inputs(page).items() if k.endswith("-shown")}
    return {name: getattr(assessment, name) for name in FIELDS} | shown


def member(assessment: Assessment, email: str, role: Role) -> User:
    user = User.objects.create_user(email, PASSWORD, display_name=email.split("@")[0].title())
    Membership.objects.create(assessment=assessment, user=user, role=role, added_by=assessment.owner)
    return user


def test_the_page_asks_the_three_questions_in_a_govuk_form(alice_client, assessment):
    response = alice_client.get(url(assessment))
    page = response.content.decode()
    assert response.status_code == 200
    assert "<h1" in page and "Summarise your findings" in page
    assert "novalidate" in page
    for name, label in FIELDS.items():
        assert f'<textarea name="{name}"' in page and label in page
    assert 'maxlength="' not in page
    assert len([k for k in hidden_inputs(page) if k.endswith("-shown")]) == 3


def test_saving_the_summary_keeps_it_and_returns_to_the_task_list(alice_client, assessment):
    revision = assessment.revision
    response = alice_client.post(url(assessment), WRITTEN, follow=True)
    assert response.redirect_chain[-1][0] == reverse("assessment_task_list", args=[assessment.pk])
    assert "Summary of findings saved." in response.content.decode()
    assessment.refresh_from_db()
    assert {name: getattr(assessment, name) for name in FIELDS} == WRITTEN
    assert assessment.revision == revision + 1  # a cached report of the old summary is not served


def test_the_task_list_shows_the_summary_task_in_the_finish_group(alice_client, assessment):
    task_list = reverse("assessment_task_list", args=[assessment.pk])
    row = task_list_row(alice_client.get(task_list).content.decode(), "summary")
    assert (row.title, row.status, row.href) == ("Summarise your findings", "Not started", url(assessment))
    page = alice_client.get(task_list).content.decode()
    assert page.index("3. Finish") < page.index('id="summary-status"') < page.index('id="report-status"')

    alice_client.post(url(assessment), {"summary_inequalities": WRITTEN["summary_inequalities"]})
    assert task_list_row(alice_client.get(task_list).content.decode(), "summary").status == "In progress"
    alice_client.post(url(assessment), WRITTEN)
    assert task_list_row(alice_client.get(task_list).content.decode(), "summary").status == "Completed"


def test_an_empty_post_saves_nothing_and_does_not_fail(alice_client, assessment):
    revision = assessment.revision
    response = alice_client.post(url(assessment), {})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.revision == revision


def test_answers_of_only_spaces_count_as_not_written(alice_client, assessment):
    alice_client.post(url(assessment), {name: " \u200b\n " for name in FIELDS})
    assessment.refresh_from_db()
    assert all(getattr(assessment, name) == "" for name in FIELDS)
    task_list = alice_client.get(reverse("assessment_task_list", args=[assessment.pk])).content.decode()
    assert task_list_row(task_list, "summary").status == "Not started"


def test_an_answer_over_1500_characters_is_refused_and_kept_in_the_form(alice_client, assessment):
    long = "Evidence " * 200  # 1,800 characters
    response = alice_client.post(url(assessment), WRITTEN | {"summary_changes": long})
    page = response.content.decode()
    assert response.status_code == 200
    assert error_summary(page) == ["What the work will change must be 1,500 characters or fewer"]
    assert long.strip() in page
    assessment.refresh_from_db()
    assert assessment.summary_changes == ""


def test_an_answer_over_30_lines_is_refused(alice_client, assessment):
    response = alice_client.post(url(assessment), WRITTEN | {"summary_uncertainties": "A gap.\n" * 31})
    assert error_summary(response.content.decode()) == [
        "What is still uncertain must be 30 lines or fewer (it has 31 lines)"
    ]
    assessment.refresh_from_db()
    assert assessment.summary_uncertainties == ""


def test_nul_and_control_characters_are_removed(alice_client, assessment):
    alice_client.post(url(assessment), WRITTEN | {"summary_inequalities": "Income\x00 gaps\x07 found"})
    assessment.refresh_from_db()
    assert assessment.summary_inequalities == "Income gaps found"


def test_html_is_kept_as_text_and_shown_escaped(alice_client, assessment):
    hostile = '<script>alert("x")</script><b>bold</b>'
    alice_client.post(url(assessment), WRITTEN | {"summary_changes": hostile})
    assessment.refresh_from_db()
    assert assessment.summary_changes == hostile
    page = alice_client.get(url(assessment)).content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_a_viewer_cannot_change_the_summary(assessment):
    viewer = client_for(member(assessment, "vera@example.org", Role.VIEWER))
    assert viewer.get(url(assessment)).status_code == 403
    assert viewer.post(url(assessment), WRITTEN).status_code == 403
    assessment.refresh_from_db()
    assert assessment.summary_inequalities == ""


def test_an_outsider_gets_404(charlie_client, assessment):
    assert charlie_client.get(url(assessment)).status_code == 404
    assert charlie_client.post(url(assessment), WRITTEN).status_code == 404


@pytest.fixture
def bob(assessment) -> User:
    return member(assessment, "bob@example.org", Role.EDITOR)


def test_two_tabs_changing_different_answers_keep_both(alice_client, assessment, bob):
    bob_client = client_for(bob)
    alices_tab, bobs_tab = page_data(alice_client, assessment), page_data(bob_client, assessment)
    assert alice_client.post(url(assessment), alices_tab | {"summary_inequalities": "Alice's"}).status_code == 302
    assert bob_client.post(url(assessment), bobs_tab | {"summary_changes": "Bob's"}).status_code == 302
    assessment.refresh_from_db()
    assert (assessment.summary_inequalities, assessment.summary_changes) == ("Alice's", "Bob's")


def test_a_stale_tab_changing_the_same_answer_is_told_and_keeps_its_text(alice_client, assessment, bob):
    bob_client = client_for(bob)
    bobs_tab = page_data(bob_client, assessment)
    alice_client.post(url(assessment), page_data(alice_client, assessment) | {"summary_changes": "Alice's <view>"})
    response = bob_client.post(url(assessment), bobs_tab | {"summary_changes": "Bob's view"})
    page = response.content.decode()
    assert response.status_code == 409
    assert "Someone else changed this while you were editing, to: “Alice&#x27;s &lt;view&gt;”" in page
    assert "Bob&#x27;s view</textarea>" in page
    assessment.refresh_from_db()
    assert assessment.summary_changes == "Alice's <view>"
    # Saving again keeps his, on purpose: the page has now shown him hers.
    again = {k: v for k, v in hidden_inputs(page).items() if k.endswith("-shown")}
    assert bob_client.post(url(assessment), bobs_tab | again | {"summary_changes": "Bob's view"}).status_code == 302
    assessment.refresh_from_db()
    assert assessment.summary_changes == "Bob's view"
