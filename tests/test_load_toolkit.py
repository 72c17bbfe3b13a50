"""`manage.py load_toolkit`: loads the shipped content, idempotently, and refuses broken files."""

from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from tests.conftest import CONTENT_FILE
from toolkit_content.models import IntroductionTopic, Question, Resource, Section, ToolkitVersion, WorkingExample


def counts() -> dict[str, int]:
    models: list[type[ToolkitVersion | Section | Question | Resource | WorkingExample | IntroductionTopic]] = [
        ToolkitVersion,
        Section,
        Question,
        Resource,
        WorkingExample,
        IntroductionTopic,
    ]
    return {m.__name__: m.objects.count() for m in models}


def test_shipped_content_covers_the_outline(db):
    call_command("load_toolkit")
    version = ToolkitVersion.objects.get()
    assert version.status == ToolkitVersion.Status.PUBLISHED
    assert version.introduction_topics.count() == 5
    assert list(version.sections.values_list("number", flat=True)) == [1, 2, 3, 4]
    numbers = set(Question.objects.values_list("number", flat=True))
    for n in ["1.1", "1.6", "2.1", "2.5", "3.1", "3.5", "4.1", "4.5", "4.6(a)", "4.6(b)", "4.6(c)"]:
        assert n in numbers
    parts = Question.objects.filter(number__startswith="4.6")
    first_part = parts.first()
    assert first_part is not None
    assert len({q.group for q in parts}) == 1 and first_part.group
    assert set(Question.objects.values_list("answer_type", flat=True)) == {
        "long_text",
        "single_choice",
        "multiple_choice",
    }
    assert Question.objects.filter(role="dimensions").exists()
    assert Question.objects.filter(role="public_involvement").count() >= 6
    for section in version.sections.all():
        assert section.working_example.body
        assert section.resources.count() >= 3
    assert "hiat.org.uk" in version.toolkit.attribution


def test_loading_twice_changes_nothing(db, capsys):
    call_command("load_toolkit")
    before = counts()
    ids = sorted(Question.objects.values_list("id", flat=True))
    call_command("load_toolkit")
    assert counts() == before
    assert sorted(Question.objects.values_list("id", flat=True)) == ids
    assert "nothing changed" in capsys.readouterr().out


def broken_file(tmp_path: Path, mutate) -> Path:
    data = yaml.safe_load(CONTENT_FILE.read_text())
    mutate(data)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d["sections"][1]["questions"][2].pop("key"), "sections[1].questions[2]: the field 'key' is missing"),
        (
            lambda d: d["sections"][0]["questions"][0].update(answer_type="essay"),
            "sections[0].questions[0].answer_type: 'essay'",
        ),
        (
            lambda d: d["sections"][2]["questions"][1].update(key=d["sections"][0]["questions"][0]["key"]),
            "keys must be unique",
        ),
        (lambda d: d["sections"][3].update(number=1), "sections[3].number"),
        (lambda d: d.pop("sections"), "'sections' is missing"),
        (lambda d: d["sections"][0]["resources"][0].update(url="javascript:alert(1)"), "sections[0].resources[0].url"),
        (
            lambda d: d["sections"][0]["questions"][0].update(choices=[{"value": "a", "label": "A"}]),
            "long_text question has no choices",
        ),
    ],
)
def test_broken_file_is_rejected_naming_the_problem(db, tmp_path, mutate, message):
    path = broken_file(tmp_path, mutate)
    with pytest.raises(CommandError) as excinfo:
        call_command("load_toolkit", str(path))
    assert message in str(excinfo.value)
    assert ToolkitVersion.objects.count() == 0


def test_invalid_yaml_names_the_line(db, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("toolkit:\n  slug: hiat\n  name: [unclosed\n")
    with pytest.raises(CommandError, match=r"not valid YAML at line \d+"):
        call_command("load_toolkit", str(path))


def test_missing_file_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("load_toolkit", str(tmp_path / "nope.yaml"))


def test_published_version_is_never_edited_in_place(db, tmp_path):
    call_command("load_toolkit")
    path = broken_file(tmp_path, lambda d: d["sections"][0].update(title="A different title"))
    with pytest.raises(CommandError, match="published and differs"):
        call_command("load_toolkit", str(path))
    assert Section.objects.get(number=1).title != "A different title"


def test_a_draft_can_be_reloaded_and_then_published(db, tmp_path):
    call_command("load_toolkit", "--draft")
    assert ToolkitVersion.objects.get().status == "draft"
    path = broken_file(tmp_path, lambda d: d["sections"][0].update(title="Revised title"))
    call_command("load_toolkit", str(path), "--draft")
    assert Section.objects.get(number=1).title == "Revised title"
    call_command("load_toolkit", str(path))
    assert ToolkitVersion.objects.get().status == "published"
