"""The admin for toolkit content, the content editors' role, and assessments seen by superusers."""

import json
import re

import pytest
import yaml
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import SecurityEvent, User
from assessments.models import Answer
from assessments.services import answer_save
from tests.conftest import CONTENT_FILE, PASSWORD, client_for
from toolkit_content.models import Question, Section, ToolkitVersion
from toolkit_content.services import version_create_draft

CHANGELISTS = ["toolkit", "toolkitversion", "section", "question", "workingexample", "resource", "introductiontopic"]


@pytest.fixture
def admin_user(db) -> User:
    return User.objects.create_superuser("sam@example.org", PASSWORD, display_name="Sam Admin")


@pytest.fixture
def admin_client(admin_user) -> Client:
    return client_for(admin_user)


@pytest.fixture
def content_editor(db) -> User:
    user = User.objects.create_user("cora@example.org", PASSWORD, display_name="Cora Content", is_staff=True)
    user.groups.add(Group.objects.get(name="Content editors"))
    return user


@pytest.fixture
def editor_client(content_editor) -> Client:
    return client_for(content_editor)


@pytest.fixture
def draft(toolkit_version) -> ToolkitVersion:
    return version_create_draft(source=toolkit_version)


def _admin(name: str, *args: object) -> str:
    return reverse(f"admin:toolkit_content_{name}", args=args)


def _page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _action(client: Client, action: str, *versions: ToolkitVersion, follow: bool = False, **more: str):
    data = {"action": action, "_selected_action": [v.pk for v in versions], **more}
    return client.post(_admin("toolkitversion_changelist"), data, follow=follow)


def _publish(client: Client, *versions: ToolkitVersion, follow: bool = False):
    """The publish action's second step: its confirmation page's "Publish" button."""
    return _action(client, "publish", *versions, follow=follow, confirmed="yes")


# -- Lists a non-developer can use ---------------------------------------------------------


@pytest.mark.parametrize("model", CHANGELISTS)
def test_every_content_list_opens_for_content_editors(editor_client, toolkit_version, model):
    _page(editor_client.get(_admin(f"{model}_changelist")))
    _page(editor_client.get(_admin(f"{model}_changelist"), {"q": "health"}))


def test_questions_are_listed_by_text_in_section_then_question_order(admin_client, toolkit_version):
    page = _page(admin_client.get(_admin("question_changelist"), {"section__version__id__exact": toolkit_version.pk}))
    first = Question.objects.get(section__version=toolkit_version, key="s1_problem")
    assert first.text[:60] in page
    numbers = re.findall(r'<th class="field-number"><a [^>]*>([^<]+)</a>', page)
    expected = list(
        Question.objects.filter(section__version=toolkit_version)
        .order_by("section__number", "order")
        .values_list("number", flat=True)
    )
    assert numbers == expected and numbers[0] == "1.1" and numbers[-1] == "4.6(c)"


def test_versions_list_shows_status_published_date_and_counts(admin_client, toolkit_version, draft):
    page = _page(admin_client.get(_admin("toolkitversion_changelist")))
    questions = Question.objects.filter(section__version=toolkit_version).count()
    assert re.search(rf'field-section_count">4<.*?field-question_count">{questions}<', page, re.S)
    assert "Published" in page and "Draft" in page
    assert "Import a content file" in page


# -- Published versions are read-only; publishing only through the action -----------------


def test_a_published_version_is_read_only_in_the_admin(admin_client, toolkit_version):
    section = toolkit_version.sections.get(number=1)
    page = _page(admin_client.get(_admin("section_change", section.pk)))
    assert 'name="_save"' not in page and "questions-0-text" not in page
    response = admin_client.post(_admin("section_change", section.pk), {"title": "Changed", "purpose": "Changed"})
    assert response.status_code == 403
    question = section.questions.first()
    assert admin_client.post(_admin("question_change", question.pk), {"text": "Changed"}).status_code == 403
    assert admin_client.post(_admin("question_delete", question.pk), {"post": "yes"}).status_code == 403
    assert admin_client.post(_admin("toolkitversion_delete", toolkit_version.pk), {"post": "yes"}).status_code == 403
    assert Question.objects.filter(pk=question.pk, text=question.text).exists()


def test_the_status_is_never_a_field(admin_client, draft):
    page = _page(admin_client.get(_admin("toolkitversion_change", draft.pk)))
    assert 'name="status"' not in page
    data = {
        "label": draft.label,
        "notes": "",
        "project_details_guidance": "",
        "status": "published",
        "introduction_topics-TOTAL_FORMS": "0",
        "introduction_topics-INITIAL_FORMS": "0",
        "sections-TOTAL_FORMS": "0",
        "sections-INITIAL_FORMS": "0",
    }
    admin_client.post(_admin("toolkitversion_change", draft.pk), data)
    draft.refresh_from_db()
    assert draft.status == ToolkitVersion.Status.DRAFT


def test_new_rows_can_only_go_into_drafts(admin_client, toolkit_version, draft):
    page = _page(admin_client.get(_admin("question_add")))
    published_section = toolkit_version.sections.get(number=1)
    assert f"HIAT {draft.label}: Section 1: " in page
    assert f'value="{published_section.pk}"' not in page
    data = {"section": published_section.pk, "order": 50, "number": "1.50", "text": "New?", "key": "s1_new"}
    page = _page(admin_client.post(_admin("question_add"), {**data, "answer_type": "long_text", "choices": "[]"}))
    assert "Select a valid choice" in page
    assert not Question.objects.filter(key="s1_new").exists()


# -- The actions ---------------------------------------------------------------------------


def test_create_a_new_draft_is_an_action_and_is_logged(admin_client, admin_user, toolkit_version):
    response = _action(admin_client, "create_draft", toolkit_version)
    draft = ToolkitVersion.objects.get(status=ToolkitVersion.Status.DRAFT)
    assert response.status_code == 302 and response["Location"] == _admin("toolkitversion_change", draft.pk)
    entry = LogEntry.objects.get(object_id=str(draft.pk), content_type__model="toolkitversion")
    assert entry.user == admin_user and "draft copy of" in entry.change_message
    history = _page(admin_client.get(_admin("toolkitversion_history", draft.pk)))
    assert "Created as a draft copy of" in history
    assert "Copied into the new draft" in _page(admin_client.get(_admin("toolkitversion_history", toolkit_version.pk)))


def test_publishing_an_invalid_draft_lists_each_fault_with_a_link(admin_client, draft):
    question = Question.objects.get(section__version=draft, key="s2_barriers")
    question.text = ""
    question.save()
    draft.sections.get(number=3).resources.all().delete()
    # The first step shows what to fix instead of asking to confirm.
    first = _page(_action(admin_client, "publish", draft, follow=True))
    assert "Not ready to publish: fix the problems listed below first" in first
    assert 'name="confirmed"' not in first
    # A confirmation sent anyway (an old page, a forged form) is refused by the service too.
    page = _page(_publish(admin_client, draft, follow=True))
    assert "Not published: fix the problems listed below" in page
    assert (
        f'<a href="{_admin("question_change", question.pk)}">Section 2, question {question.number}</a>: has no text'
        in page
    )
    section = draft.sections.get(number=3)
    assert f'<a href="{_admin("section_change", section.pk)}">Section 3</a>: has no resources' in page
    draft.refresh_from_db()
    assert draft.status == ToolkitVersion.Status.DRAFT
    # The same list on the version's own page.
    assert "2 problems to fix first" in _page(admin_client.get(_admin("toolkitversion_change", draft.pk)))


def toolkit_version_label(draft: ToolkitVersion) -> str:
    """The label of the version new assessments start on now (the one the draft would replace)."""
    published = ToolkitVersion.objects.filter(toolkit=draft.toolkit, status=ToolkitVersion.Status.PUBLISHED)
    return published.order_by("-published_at", "-id").values_list("label", flat=True)[0]


def test_publishing_a_sound_draft_and_checking_it(admin_client, admin_user, draft):
    assert "No problems found: ready to publish" in _page(_action(admin_client, "check_versions", draft))
    # First a page that says what publishing will do; nothing is published yet.
    confirm = _page(_action(admin_client, "publish", draft, follow=True))
    assert "Publishing cannot be undone" in confirm
    assert f"New assessments will start on {draft.label} instead of {toolkit_version_label(draft)}" in confirm
    assert f'<input type="submit" value="Publish {draft.label}">' in confirm
    draft.refresh_from_db()
    assert draft.status == ToolkitVersion.Status.DRAFT
    page = _page(_publish(admin_client, draft, follow=True))
    assert f"Published {ToolkitVersion.objects.get(pk=draft.pk)}" in page
    draft.refresh_from_db()
    assert draft.status == ToolkitVersion.Status.PUBLISHED
    assert LogEntry.objects.filter(object_id=str(draft.pk), change_message__startswith="Published").exists()


def test_content_editors_can_publish_and_nobody_else_on_the_staff(editor_client, draft):
    clerk = User.objects.create_user("cl@example.org", PASSWORD, display_name="Clerk", is_staff=True)
    from django.contrib.auth.models import Permission

    clerk.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_toolkitversion", "change_toolkitversion"])
    )
    _publish(client_for(clerk), draft)
    draft.refresh_from_db()
    assert draft.status == ToolkitVersion.Status.DRAFT
    _publish(editor_client, draft)
    draft.refresh_from_db()
    assert draft.status == ToolkitVersion.Status.PUBLISHED


def test_download_gives_the_content_file(admin_client, toolkit_version, tmp_path):
    response = _action(admin_client, "download", toolkit_version)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/yaml")
    assert 'filename="hiat-2026-2-' in response["Content-Disposition"]
    data = yaml.safe_load(response.content.decode())
    assert data["version"]["label"] == toolkit_version.label
    shipped = yaml.safe_load(CONTENT_FILE.read_text(encoding="utf-8"))
    assert [s["title"] for s in data["sections"]] == [s["title"] for s in shipped["sections"]]
    assert LogEntry.objects.filter(object_id=str(toolkit_version.pk), change_message__startswith="Exported").exists()


def test_upload_makes_a_draft(admin_client, toolkit_version):
    upload = SimpleUploadedFile("hiat.yaml", CONTENT_FILE.read_bytes(), content_type="application/yaml")
    response = admin_client.post(_admin("toolkitversion_import"), {"file": upload})
    draft = ToolkitVersion.objects.get(status=ToolkitVersion.Status.DRAFT)
    assert response.status_code == 302 and response["Location"] == _admin("toolkitversion_change", draft.pk)
    assert draft.label == f"{toolkit_version.label} 2"
    assert (
        Question.objects.filter(section__version=draft).count()
        == Question.objects.filter(section__version=toolkit_version).count()
    )


@pytest.mark.parametrize(
    "body, message",
    [
        (b"toolkit: [unclosed\n", "not valid YAML at line"),
        (b"\xff\xfe not utf-8", "not UTF-8 text"),
        (
            CONTENT_FILE.read_bytes().replace(b"answer_type: long_text", b"answer_type: essay", 1),
            "sections[0].questions[0].answer_type: &#x27;essay&#x27;",
        ),
        (b"", "The submitted file is empty"),
    ],
)
def test_a_bad_upload_names_the_problem_and_leaves_nothing(admin_client, toolkit_version, body, message):
    before = (ToolkitVersion.objects.count(), Section.objects.count())
    upload = SimpleUploadedFile("bad.yaml", body, content_type="application/yaml")
    page = _page(admin_client.post(_admin("toolkitversion_import"), {"file": upload}))
    assert message in page
    assert (ToolkitVersion.objects.count(), Section.objects.count()) == before


def test_upload_needs_permission_to_add_versions(toolkit_version):
    viewer = User.objects.create_user("v@example.org", PASSWORD, display_name="Viewer", is_staff=True)
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_toolkitversion"))
    assert client_for(viewer).get(_admin("toolkitversion_import")).status_code == 403


# -- "View on site": the section as an assessor sees it -------------------------------------


def test_view_on_site_previews_a_draft_section_as_assessors_see_it(editor_client, draft):
    section = draft.sections.get(number=2)
    question = section.questions.first()
    question.text = "A reworded question for the preview?"
    question.save()
    page = _page(editor_client.get(_admin("section_change", section.pk)))
    assert "View on site" in page
    preview = _page(editor_client.get(reverse("section_preview", args=[section.pk])))
    assert f"{question.number} A reworded question for the preview?" in preview
    assert "The version is a draft" in preview and "Nothing typed here is saved" in preview
    assert section.working_example.title in preview
    assert "app-autosave" not in preview and "Save and continue" in preview


def test_previews_are_for_content_staff_only(alice_client, draft):
    section = draft.sections.get(number=1)
    assert alice_client.get(reverse("section_preview", args=[section.pk])).status_code == 404
    response = Client().get(reverse("section_preview", args=[section.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_preview_of_an_unknown_section_is_404(editor_client, db):
    assert editor_client.get(reverse("section_preview", args=[10**9])).status_code == 404


# -- Roles ------------------------------------------------------------------------------------


def test_the_content_editors_group_holds_toolkit_content_permissions_only(db):
    group = Group.objects.get(name="Content editors")
    apps = set(group.permissions.values_list("content_type__app_label", flat=True))
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert apps == {"toolkit_content"}
    assert {"change_question", "add_section", "delete_resource", "publish_toolkitversion"} <= codenames


def _assessment_admin_urls(assessment) -> list[str]:
    question = assessment.toolkit_version.sections.get(number=1).questions.get(key="s1_problem")
    answer_save(
        assessment=assessment, question=question, value="Alice's private words.", base_version=0, user=assessment.owner
    )
    answer = Answer.objects.get(assessment=assessment, question=question)
    return [
        reverse("admin:assessments_assessment_changelist"),
        reverse("admin:assessments_assessment_change", args=[assessment.pk]),
        reverse("admin:assessments_answer_changelist"),
        reverse("admin:assessments_answer_change", args=[answer.pk]),
        reverse("admin:accounts_user_changelist"),
        reverse("admin:accounts_user_change", args=[assessment.owner.pk]),
        reverse("admin:accounts_securityevent_changelist"),
    ]


def test_content_editors_cannot_open_assessments_answers_or_users(editor_client, assessment):
    for url in _assessment_admin_urls(assessment):
        response = editor_client.get(url)
        assert response.status_code == 403, url
        assert "private words" not in response.content.decode()
    index = _page(editor_client.get(reverse("admin:index")))
    assert _admin("toolkitversion_changelist") in index
    assert reverse("admin:assessments_assessment_changelist") not in index
    assert reverse("admin:accounts_user_changelist") not in index
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.ADMIN_VIEWED_ASSESSMENT).exists()


def test_superusers_see_assessments_read_only_and_each_view_is_logged(admin_client, admin_user, assessment):
    urls = _assessment_admin_urls(assessment)[:4]
    page = _page(admin_client.get(urls[1]))
    assert "Alice&#x27;s private words." in page and 'name="_save"' not in page
    assert admin_client.post(urls[1], {"title": "Changed"}).status_code == 403
    for url in (urls[0], urls[2], urls[3]):
        _page(admin_client.get(url))
    events = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.ADMIN_VIEWED_ASSESSMENT, user=admin_user)
    assert events.count() == 4
    assert events.filter(detail__assessment=str(assessment.pk)).count() == 2
    assert assessment.title in _page(admin_client.get(urls[0]))


def test_a_questions_position_can_be_typed_on_its_page(admin_client, draft):
    section = draft.sections.get(number=1)
    before = list(section.questions.values_list("key", flat=True))
    third = section.questions.get(key=before[2])
    data = {
        "order": 1,
        "number": third.number,
        "text": third.text,
        "hint": third.hint,
        "key": third.key,
        "answer_type": third.answer_type,
        "required": "on",
        "role": third.role,
        "group": third.group,
        "choices": json.dumps(third.choices),
    }
    response = admin_client.post(_admin("question_change", third.pk), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(section.questions.values_list("key", flat=True)) == [before[2], before[0], before[1], *before[3:]]
    assert list(section.questions.values_list("order", flat=True)) == list(range(1, len(before) + 1))


def test_a_preview_answers_head_as_it_answers_get(editor_client, draft):
    url = reverse("section_preview", args=[draft.sections.get(number=1).pk])
    head = editor_client.head(url)
    assert head.status_code == 200 and head.content == b""
    assert editor_client.post(url).status_code == 405


def test_a_new_question_can_be_added_at_a_taken_position(admin_client, draft):
    section = draft.sections.get(number=3)
    before = list(section.questions.values_list("key", flat=True))
    data = {
        "section": section.pk,
        "order": 2,
        "number": "3.1a",
        "text": "A new second question?",
        "key": "s3_new_second",
        "answer_type": "long_text",
        "choices": "[]",
    }
    response = admin_client.post(_admin("question_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(section.questions.values_list("key", flat=True)) == [before[0], "s3_new_second", *before[1:]]
