"""Export and import of toolkit content files, and publishing from the command line."""

import re
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from tests.conftest import CONTENT_FILE
from toolkit_content.models import Question, Section, Toolkit, ToolkitVersion
from toolkit_content.services import version_create_draft


def _without_label_and_dates(text: str) -> str:
    """The file with what may differ between exports blanked: the label and the dates."""
    text = re.sub(r"(?m)^(  label|  published_at|  exported_at): .*$", r"\1: -", text)
    return re.sub(r"(?m)^(# .*version) .*(: toolkit content)", r"\1 -\2", text)


def _export(slug: str, label: str, path: Path) -> str:
    call_command("export_toolkit", slug, label, str(path))
    return path.read_text(encoding="utf-8")


def test_export_import_export_is_exact(toolkit_version, tmp_path, capsys):
    first = _export("hiat", toolkit_version.label, tmp_path / "first.yaml")
    call_command("import_toolkit", str(tmp_path / "first.yaml"))
    printed = capsys.readouterr().out
    draft = ToolkitVersion.objects.get(status=ToolkitVersion.Status.DRAFT)
    assert f"version label {draft.label}" in printed
    assert draft.label == f"{toolkit_version.label} 2"  # the file's label was taken
    second = _export("hiat", draft.label, tmp_path / "second.yaml")
    assert first != second  # the label and the dates differ...
    assert _without_label_and_dates(first) == _without_label_and_dates(second)  # ...and nothing else
    assert "published_at: null" in second and "published_at: null" not in first


def test_the_exported_file_carries_every_question_as_the_shipped_file_does(toolkit_version, tmp_path):
    exported = yaml.safe_load(_export("hiat", toolkit_version.label, tmp_path / "out.yaml"))
    shipped = yaml.safe_load(CONTENT_FILE.read_text(encoding="utf-8"))
    for mine, theirs in zip(exported["sections"], shipped["sections"], strict=True):
        assert [q["key"] for q in mine["questions"]] == [q["key"] for q in theirs["questions"]]
        assert [q["text"] for q in mine["questions"]] == [q["text"].strip() for q in theirs["questions"]]


def test_a_changed_draft_round_trips_too(toolkit_version, tmp_path):
    draft = version_create_draft(source=toolkit_version)
    question = Question.objects.get(section__version=draft, key="s2_barriers")
    question.text = "Line one: “quotes”, émoji 😀, a colon: and # hash.\nLine two with  two spaces."
    question.hint = "yes"  # a word YAML would read as true if it were not quoted
    question.save()
    first = _export("hiat", draft.label, tmp_path / "a.yaml")
    call_command("import_toolkit", str(tmp_path / "a.yaml"))
    imported = ToolkitVersion.objects.latest("created_at")
    assert Question.objects.get(section__version=imported, key="s2_barriers").text == question.text
    assert Question.objects.get(section__version=imported, key="s2_barriers").hint == "yes"
    second = _export("hiat", imported.label, tmp_path / "b.yaml")
    assert _without_label_and_dates(first) == _without_label_and_dates(second)


def test_an_import_never_changes_a_toolkits_attribution(toolkit_version, tmp_path):
    data = yaml.safe_load(_export("hiat", toolkit_version.label, tmp_path / "out.yaml"))
    data["toolkit"]["attribution"] = "Someone else's words."
    (tmp_path / "other.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    call_command("import_toolkit", str(tmp_path / "other.yaml"))
    assert Toolkit.objects.get().attribution == toolkit_version.toolkit.attribution


def _broken(tmp_path: Path, mutate) -> Path:
    data = yaml.safe_load(CONTENT_FILE.read_text(encoding="utf-8"))
    mutate(data)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "mutate, message",
    [
        (
            lambda d: d["sections"][2]["questions"][3].pop("text"),
            "sections[2].questions[3]: the field 'text' is missing",
        ),
        (
            lambda d: d["sections"][1]["questions"][0].update(number="2." + "1" * 20),
            "sections[1].questions[0].number: at most 12 characters",
        ),
        (lambda d: d["sections"][0].update(title="A\x00B"), "sections[0].title: contains a NUL character"),
        (lambda d: d["sections"][3]["resources"][1].update(year="soon"), "sections[3].resources[1].year"),
        (lambda d: d["version"].update(label="x" * 41), "version.label: at most 40 characters"),
    ],
)
def test_a_malformed_import_names_the_field_and_leaves_nothing(toolkit_version, tmp_path, mutate, message):
    before = (ToolkitVersion.objects.count(), Section.objects.count(), Question.objects.count())
    with pytest.raises(CommandError) as refused:
        call_command("import_toolkit", str(_broken(tmp_path, mutate)))
    assert message in str(refused.value)
    assert "Nothing imported" in str(refused.value)
    assert (ToolkitVersion.objects.count(), Section.objects.count(), Question.objects.count()) == before


def test_an_import_that_fails_while_writing_leaves_nothing(toolkit_version, tmp_path):
    # Two questions of one section with the same key cannot both be written: content that
    # skipped the file's checks gets as far as the database, and the whole import is undone.
    from django.db import IntegrityError, transaction

    from toolkit_content.loader import read_file
    from toolkit_content.services import version_import

    content = read_file(CONTENT_FILE)
    content["sections"][0]["questions"].append(dict(content["sections"][0]["questions"][0]))
    before = ToolkitVersion.objects.count()
    with pytest.raises(IntegrityError), transaction.atomic():
        version_import(content=content)
    assert ToolkitVersion.objects.count() == before


def test_yaml_aliases_are_refused_with_their_line(db, tmp_path):
    path = tmp_path / "aliases.yaml"
    path.write_text("a: &x [1, 2]\nb: [*x, *x, *x]\n")
    with pytest.raises(CommandError, match=r"line 2.*aliases"):
        call_command("import_toolkit", str(path))


def test_export_of_an_unknown_version_is_a_clear_error(toolkit_version, tmp_path):
    with pytest.raises(CommandError, match="No version '1999' of a toolkit 'hiat'"):
        call_command("export_toolkit", "hiat", "1999", str(tmp_path / "x.yaml"))


def test_publish_toolkit_lists_the_faults_and_exits_non_zero(toolkit_version):
    draft = version_create_draft(source=toolkit_version)
    draft.sections.get(number=3).resources.all().delete()
    with pytest.raises(CommandError) as refused:
        call_command("publish_toolkit", "hiat", draft.label)
    assert "Section 3: has no resources" in str(refused.value)
    assert refused.value.returncode == 1
    draft.refresh_from_db()
    assert draft.status == ToolkitVersion.Status.DRAFT


def test_publish_toolkit_publishes_a_sound_draft(toolkit_version, capsys):
    draft = version_create_draft(source=toolkit_version)
    call_command("publish_toolkit", "hiat", draft.label)
    draft.refresh_from_db()
    assert draft.status == ToolkitVersion.Status.PUBLISHED and draft.published_at is not None
    assert "New assessments start on it" in capsys.readouterr().out
    with pytest.raises(CommandError, match="published already"):
        call_command("publish_toolkit", "hiat", draft.label)
