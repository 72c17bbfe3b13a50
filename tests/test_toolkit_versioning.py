"""The content workflow: published versions frozen, drafts copied, checked and published."""

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import ProtectedError

from assessments.services import assessment_create, latest_published_version
from tests.conftest import CONTENT_FILE, DETAILS
from toolkit_content.loader import read_file, toolkit_load
from toolkit_content.models import (
    IntroductionTopic,
    PublishedContentError,
    Question,
    Resource,
    Section,
    Toolkit,
    ToolkitVersion,
    WorkingExample,
)
from toolkit_content.services import (
    VersionNotValid,
    question_move,
    version_create_draft,
    version_publish,
    version_validate,
    versions_newer_than,
)


@pytest.fixture
def draft(toolkit_version) -> ToolkitVersion:
    return version_create_draft(source=toolkit_version)


def _question(version: ToolkitVersion, key: str) -> Question:
    return Question.objects.get(section__version=version, key=key)


# -- A published version refuses every change -----------------------------------------


ContentRow = ToolkitVersion | Section | Question | WorkingExample | Resource | IntroductionTopic


def _first_rows(version: ToolkitVersion) -> dict[str, ContentRow]:
    section = version.sections.get(number=1)
    question = section.questions.first()
    resource = section.resources.first()
    topic = version.introduction_topics.first()
    assert question is not None and resource is not None and topic is not None
    return {
        "version": version,
        "section": section,
        "question": question,
        "example": section.working_example,
        "resource": resource,
        "topic": topic,
    }


@pytest.mark.parametrize("name", ["version", "section", "question", "example", "resource", "topic"])
def test_a_published_row_refuses_save(toolkit_version, name):
    row = _first_rows(toolkit_version)[name]
    field = {"version": "notes", "section": "title", "question": "text", "topic": "title"}.get(name, "title")
    setattr(row, field, "Changed in place")
    with pytest.raises(PublishedContentError, match="published"), transaction.atomic():
        row.save()
    assert not type(row).objects.filter(**{field: "Changed in place"}).exists()


@pytest.mark.parametrize("name", ["version", "section", "question", "example", "resource", "topic"])
def test_a_published_row_refuses_delete(toolkit_version, name):
    row = _first_rows(toolkit_version)[name]
    with pytest.raises(PublishedContentError), transaction.atomic():
        row.delete()
    assert type(row).objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize("model", [ToolkitVersion, Section, Question, WorkingExample, Resource, IntroductionTopic])
def test_querysets_cannot_bypass_the_rule(toolkit_version, model):
    rows = model.objects.all()
    with pytest.raises(PublishedContentError), transaction.atomic():
        rows.delete()
    field = {ToolkitVersion: "notes", IntroductionTopic: "title", Question: "text"}.get(model, "title")
    with pytest.raises(PublishedContentError), transaction.atomic():
        rows.update(**{field: "Changed in bulk"})
    assert rows.count() > 0 and not rows.filter(**{field: "Changed in bulk"}).exists()


def test_nothing_can_be_added_to_a_published_version(toolkit_version):
    section = toolkit_version.sections.get(number=1)
    with pytest.raises(PublishedContentError), transaction.atomic():
        Question.objects.create(section=section, key="new_one", number="1.99", order=99, text="New?")
    with pytest.raises(PublishedContentError), transaction.atomic():
        Resource.objects.bulk_create([Resource(section=section, order=99, title="R", who="W", url="https://a.org/")])
    with pytest.raises(PublishedContentError), transaction.atomic():
        Section.objects.create(version=toolkit_version, number=9, title="New", purpose="New")


def test_a_question_cannot_be_moved_out_of_a_published_version(toolkit_version, draft):
    question = toolkit_version.sections.get(number=1).questions.first()
    question.section = draft.sections.get(number=2)
    with pytest.raises(PublishedContentError), transaction.atomic():
        question.save()


def test_a_draft_can_be_changed(draft):
    question = _question(draft, "s1_problem")
    question.text = "Reworded?"
    question.save()
    assert _question(draft, "s1_problem").text == "Reworded?"
    draft.sections.get(number=4).resources.all().delete()
    assert not Resource.objects.filter(section__version=draft, section__number=4).exists()


# -- Create a new draft from a version ---------------------------------------------------


def _shape(version: ToolkitVersion) -> list[tuple]:
    rows: list[tuple] = [("topic", t.slug, t.title, t.body) for t in version.introduction_topics.all()]
    for section in version.sections.order_by("number"):
        rows.append(("section", section.number, section.title, section.purpose, section.guidance))
        rows.append(("example", section.working_example.title, section.working_example.body))
        rows += [("resource", r.title, r.who, r.year, r.url) for r in section.resources.all()]
        rows += [
            ("question", q.key, q.number, q.text, q.hint, q.answer_type, q.required, q.role, q.group, q.choices)
            for q in section.questions.all()
        ]
    return rows


def test_a_draft_copy_keeps_every_key_text_and_order(toolkit_version, draft):
    assert draft.status == ToolkitVersion.Status.DRAFT and draft.published_at is None
    assert draft.label == f"{toolkit_version.label} draft"
    assert _shape(draft) == _shape(toolkit_version)
    assert len(_shape(draft)) > 40
    source_ids = set(Question.objects.filter(section__version=toolkit_version).values_list("id", flat=True))
    assert source_ids.isdisjoint(Question.objects.filter(section__version=draft).values_list("id", flat=True))
    assert version_create_draft(source=toolkit_version).label == f"{toolkit_version.label} draft 2"


def test_a_draft_copy_preserves_a_changed_order(toolkit_version, draft):
    section = draft.sections.get(number=2)
    first, second = list(section.questions.all())[:2]
    first.order, second.order = second.order, first.order
    with transaction.atomic():  # two rows swap places: checked when the transaction commits
        first.save()
        second.save()
    copy = version_create_draft(source=draft)
    keys = list(copy.sections.get(number=2).questions.values_list("key", flat=True))
    assert keys[:2] == [second.key, first.key]


# -- Check -------------------------------------------------------------------------------


def test_the_shipped_content_has_no_faults(toolkit_version):
    assert version_validate(toolkit_version) == []


def _break(draft: ToolkitVersion, how: str) -> None:
    s1 = draft.sections.get(number=1)
    q = s1.questions.first()
    choice = Question.objects.filter(section__version=draft, answer_type="multiple_choice").first()
    assert q is not None and choice is not None
    if how == "duplicate key":
        other = draft.sections.get(number=2).questions.first()
        assert other is not None
        q.key = other.key
        q.save()
    elif how == "duplicate number":
        other = draft.sections.get(number=2).questions.first()
        assert other is not None
        q.number = other.number
        q.save()
    elif how == "no questions":
        s1.questions.all().delete()
    elif how == "choices missing":
        choice.choices = [choice.choices[0]]
        choice.save()
    elif how == "empty text":
        q.text = "   "
        q.save()
    elif how == "repeated letter":
        q.number, q.text = "1.1(a)", "(a) " + q.text
        q.save()
    elif how == "no working example":
        s1.working_example.delete()
    elif how == "no resources":
        s1.resources.all().delete()
    elif how == "no sections":
        draft.sections.all().delete()
    elif how == "moved, not renumbered":
        last = s1.questions.order_by("order").last()
        assert last is not None
        question_move(question=last, position=1)
    else:
        raise AssertionError(how)


FAULTS = {
    "duplicate key": ("Section 1, question 1.1", "is used by another question"),
    "duplicate number": ("Section 1, question 2.1", "the number 2.1 is used by another question"),
    "no questions": ("Section 1", "has no questions"),
    "choices missing": ("question", "needs at least two choices"),
    "empty text": ("Section 1, question 1.1", "has no text"),
    "repeated letter": ("Section 1, question 1.1(a)", "starts with the question's number or letter"),
    "no working example": ("Section 1", "has no working example"),
    "no resources": ("Section 1", "has no resources"),
    "no sections": ("Version", "has no sections"),
    "moved, not renumbered": ("Section 1, question 1.1", "comes after question 1.6, so the numbers read out of order"),
}


@pytest.mark.parametrize("how", sorted(FAULTS))
def test_the_check_names_each_fault_and_where_to_fix_it(draft, how):
    _break(draft, how)
    faults = version_validate(draft)
    place, message = FAULTS[how]
    assert any(place in f.place and message in f.message for f in faults), [str(f) for f in faults]
    for fault in faults:  # each names a row of this draft to open
        assert fault.obj.pk is not None
    with pytest.raises(VersionNotValid) as refused:
        version_publish(version=draft)
    assert refused.value.faults == faults
    draft.refresh_from_db()
    assert draft.status == ToolkitVersion.Status.DRAFT and draft.published_at is None


def test_an_empty_version_is_never_published(toolkit_version):
    empty = ToolkitVersion.objects.create(toolkit=toolkit_version.toolkit, label="empty")
    with pytest.raises(VersionNotValid, match="1 problem"):
        version_publish(version=empty)
    assert latest_published_version() == toolkit_version


def test_publishing_twice_is_refused(toolkit_version):
    with pytest.raises(PublishedContentError):
        version_publish(version=toolkit_version)


# -- Publish -----------------------------------------------------------------------------


def test_publishing_switches_new_assessments_only(alice, toolkit_version, draft):
    before = assessment_create(owner=alice, details=dict(DETAILS))
    question = _question(draft, "s1_problem")
    question.text = "A reworded first question?"
    question.save()
    assert assessment_create(owner=alice, details=dict(DETAILS)).toolkit_version == toolkit_version
    version_publish(version=draft)
    after = assessment_create(owner=alice, details=dict(DETAILS))
    assert after.toolkit_version == draft
    assert _question(after.toolkit_version, "s1_problem").text == "A reworded first question?"
    before.refresh_from_db()
    assert before.toolkit_version == toolkit_version
    assert _question(before.toolkit_version, "s1_problem").text != "A reworded first question?"
    assert list(versions_newer_than(toolkit_version)) == [draft]
    assert list(versions_newer_than(draft)) == []


def test_the_loader_publishes_through_the_same_check(db, tmp_path):
    data = yaml.safe_load(CONTENT_FILE.read_text())
    data["sections"][3]["questions"][5]["text"] = "(a) " + data["sections"][3]["questions"][5]["text"]
    path = tmp_path / "repeated.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(CommandError, match=r"(?s)not published.*4\.6\(a\).*number or letter"):
        call_command("load_toolkit", str(path))
    assert not ToolkitVersion.objects.exists()  # one transaction: nothing left behind


def test_the_shipped_file_prints_each_question_number_once(db):
    version = toolkit_load(content=read_file(CONTENT_FILE)).version
    for question in Question.objects.filter(section__version=version):
        assert not question.text.lstrip().startswith(("(", question.number)), question.number
    assert _question(version, "s4_public_wider_involvement").text.startswith("Being involved")


def test_a_toolkit_cannot_be_deleted_from_under_its_versions(toolkit_version):
    with pytest.raises(ProtectedError), transaction.atomic():
        Toolkit.objects.get().delete()
