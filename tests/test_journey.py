"""The whole assessor journey through the test client, as a person would take it."""

import json

from django.test import Client
from django.urls import reverse

from accounts.models import User
from assessments.models import Assessment
from tests.helpers import (
    answer_for,
    assessment_list_row,
    details_post_data,
    progress_sentence,
    section_post_data,
    task_list_row,
)

PASSWORD = "a-long-memorable-passphrase"


def test_assessor_completes_every_section_and_finds_it_all_after_signing_in_again(toolkit_version):
    client = Client()

    # Sign up
    response = client.post(
        reverse("signup"),
        {"display_name": "Sam Lee", "email": "Sam.Lee@Example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert User.objects.get().email == "sam.lee@example.org"
    assert "Your assessments" in client.get(reverse("assessment_list")).content.decode()

    # Create an assessment
    response = client.post(reverse("assessment_new"), details_post_data())
    assessment = Assessment.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("assessment_task_list", args=[assessment.pk])
    assert assessment.toolkit_version == toolkit_version
    page = client.get(response["Location"]).content.decode()
    assert "Falls prevention in Eastborough</h1>" in page
    assert progress_sentence(page).startswith("Not started. You have answered 0 of")

    # Answer and complete every section
    for section in toolkit_version.sections.prefetch_related("questions"):
        url = reverse("section", args=[assessment.pk, section.number])
        page = client.get(url).content.decode()
        for question in section.questions.all():
            assert question.number in page
        response = client.post(url, section_post_data(section))
        assert response["Location"] == reverse("section_check", args=[assessment.pk, section.number])
        check = client.get(response["Location"]).content.decode()
        assert "Not answered" not in check
        response = client.post(reverse("section_complete", args=[assessment.pk, section.number]))
        assert response.status_code == 302

    page = client.get(reverse("assessment_task_list", args=[assessment.pk])).content.decode()
    for section in toolkit_version.sections.all():
        assert task_list_row(page, f"section-{section.number}").status == "Completed"
    assert progress_sentence(page).startswith("Completed. ")
    assert "(100%) and completed 4 of 4 sections." in progress_sentence(page)

    # Sign out, sign in, everything is still there
    client.post(reverse("logout"))
    assert client.get(reverse("assessment_list")).status_code == 302
    response = client.post(reverse("login"), {"username": "SAM.LEE@example.org", "password": PASSWORD})
    assert response.status_code == 302

    listing = client.get(reverse("assessment_list")).content.decode()
    row = assessment_list_row(listing, "Falls prevention in Eastborough")
    assert (row["Status"], row["Complete"]) == ("Completed", "100%")
    assert reverse("assessment_report", args=[assessment.pk]) in listing

    export = json.loads(client.get(reverse("assessment_export", args=[assessment.pk])).content)
    exported = {a["key"]: a for s in export["sections"] for a in s["answers"]}
    for section in toolkit_version.sections.prefetch_related("questions"):
        for question in section.questions.all():
            entry = exported[question.key]
            assert entry["number"] == question.number and entry["question"] == question.text
            expected = answer_for(question)
            if isinstance(expected, str) and question.answer_type == "long_text":
                assert entry["text"] == expected
            else:
                assert entry["selected"] == sorted(expected if isinstance(expected, list) else [expected])
    assert export["assessment"]["status"] == "completed"
    assert all(s["completed"] for s in export["sections"])


def test_save_and_come_back_later_returns_to_task_list_with_answers_kept(alice_client, assessment):
    section = assessment.toolkit_version.sections.get(number=2)
    url = reverse("section", args=[assessment.pk, 2])
    response = alice_client.post(url, section_post_data(section, button="later"))
    assert response["Location"] == reverse("assessment_task_list", args=[assessment.pk])
    page = alice_client.get(url).content.decode()
    first = section.questions.filter(answer_type="long_text").first()
    assert f"Answer to {first.key}." in page
    task_list = alice_client.get(response["Location"]).content.decode()
    assert task_list_row(task_list, "section-2").status == "In progress"


def test_change_link_returns_to_check_answers(alice_client, assessment):
    section = assessment.toolkit_version.sections.get(number=1)
    check_url = reverse("section_check", args=[assessment.pk, 1])
    page = alice_client.get(check_url).content.decode()
    assert "return_url=" in page
    data = section_post_data(section)
    data["return_url"] = check_url
    response = alice_client.post(reverse("section", args=[assessment.pk, 1]), data)
    assert response["Location"] == check_url


def test_return_url_to_another_site_is_ignored(alice_client, assessment):
    section = assessment.toolkit_version.sections.get(number=1)
    data = section_post_data(section)
    data["return_url"] = "https://evil.example/phish"
    response = alice_client.post(reverse("section", args=[assessment.pk, 1]), data)
    assert response["Location"] == reverse("section_check", args=[assessment.pk, 1])
    data["return_url"] = "//evil.example/phish"
    response = alice_client.post(reverse("section", args=[assessment.pk, 1]), data)
    assert response["Location"] == reverse("section_check", args=[assessment.pk, 1])


def test_completing_with_required_answers_missing_lists_them(alice_client, assessment):
    response = alice_client.post(reverse("section_complete", args=[assessment.pk, 3]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and "<title>Error:" in page
    required = assessment.toolkit_version.sections.get(number=3).questions.filter(required=True)
    for question in required:
        assert f"Answer question {question.number}" in page
    assert not assessment.completions.exists()


def test_clearing_a_required_answer_reopens_a_completed_section(alice_client, assessment):
    section = assessment.toolkit_version.sections.get(number=1)
    url = reverse("section", args=[assessment.pk, 1])
    alice_client.post(url, section_post_data(section))
    alice_client.post(reverse("section_complete", args=[assessment.pk, 1]))
    assert assessment.completions.count() == 1
    required = section.questions.filter(required=True, answer_type="long_text").first()
    data = section_post_data(section)
    data[required.key] = "   "
    alice_client.post(url, data)
    # Reopening is recorded, not deleted: the completion stays, marked as reopened by Alice.
    assert assessment.completions.current().count() == 0
    (completion,) = assessment.completions.all()
    assert completion.reopened_at is not None and completion.reopened_by.email == "alice@example.org"


def test_project_details_can_be_edited(alice_client, assessment):
    url = reverse("assessment_details", args=[assessment.pk])
    assert "Welfare advice in GP practices" in alice_client.get(url).content.decode()
    response = alice_client.post(url, details_post_data(title="Welfare advice, phase 2"))
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.title == "Welfare advice, phase 2"
    assert assessment.revision == 2


def test_introduction_shows_every_topic_and_the_attribution(alice_client, assessment):
    page = alice_client.get(reverse("assessment_introduction", args=[assessment.pk])).content.decode()
    for topic in assessment.toolkit_version.introduction_topics.all():
        assert topic.title in page
    assert "hiat.org.uk" in page


def test_start_page_explains_hiat_with_attribution(client, db):
    page = client.get(reverse("start")).content.decode()
    assert "Health Inequalities Assessment Toolkit" in page and "https://www.hiat.org.uk/" in page
