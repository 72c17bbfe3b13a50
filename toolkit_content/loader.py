"""The toolkit content file (YAML): read and check it, load it idempotently, write it.

`manage.py load_toolkit` loads the shipped file; `import_toolkit` and the admin's upload
read any file into a new draft (toolkit_content.services.version_import); `export_toolkit`
and the admin's download write a version back out with `dump_text`, which reads back to
the same content.

The file is validated completely before anything is written, and every problem names
where it is (for example ``sections[2].questions[4].answer_type``), so an editor can
fix a broken file without reading Python.
"""

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.utils import timezone

from toolkit_content.models import (
    IntroductionTopic,
    Question,
    Resource,
    Section,
    Toolkit,
    ToolkitVersion,
    WorkingExample,
)
from toolkit_content.services import KEY_PATTERN, VersionNotValid, version_publish, version_write_content

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,49}$")


class ToolkitFileError(Exception):
    """The content file is malformed; the message says what and where."""


@dataclass(frozen=True)
class LoadResult:
    version: ToolkitVersion
    created: bool
    changed: bool


def _require(data: Any, field: str, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(data, dict):
        raise ToolkitFileError(f"{where}: expected a mapping of fields, found {type(data).__name__}.")
    if field not in data:
        raise ToolkitFileError(f"{where}: the field '{field}' is missing.")
    value = data[field]
    if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
        names = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
        raise ToolkitFileError(f"{where}.{field}: expected {names}, found {type(value).__name__}.")
    return value


def _text(data: Any, field: str, where: str, *, blank: bool = False, optional: bool = False) -> str:
    if optional and isinstance(data, dict) and field not in data:
        return ""
    value = _require(data, field, str, where)
    if not blank and not value.strip():
        raise ToolkitFileError(f"{where}.{field}: must not be empty.")
    return value.strip()


def _validate_question(q: Any, where: str, seen_keys: set[str]) -> dict[str, Any]:
    key = _text(q, "key", where)
    if not KEY_PATTERN.match(key):
        raise ToolkitFileError(f"{where}.key: '{key}' must be lowercase letters, digits and underscores.")
    if key in seen_keys:
        raise ToolkitFileError(f"{where}.key: '{key}' is used by another question; keys must be unique.")
    seen_keys.add(key)
    answer_type = _text(q, "answer_type", where)
    if answer_type not in Question.AnswerType.values:
        raise ToolkitFileError(
            f"{where}.answer_type: '{answer_type}' is not one of {', '.join(Question.AnswerType.values)}."
        )
    role = _text(q, "role", where, blank=True, optional=True)
    if role not in Question.Role.values:
        raise ToolkitFileError(
            f"{where}.role: '{role}' is not one of {', '.join(v for v in Question.Role.values if v)}."
        )
    choices = q.get("choices") or []
    if not isinstance(choices, list):
        raise ToolkitFileError(f"{where}.choices: expected a list.")
    if answer_type == Question.AnswerType.LONG_TEXT and choices:
        raise ToolkitFileError(f"{where}.choices: a long_text question has no choices.")
    if answer_type != Question.AnswerType.LONG_TEXT and len(choices) < 2:
        raise ToolkitFileError(f"{where}.choices: a {answer_type} question needs at least two choices.")
    values: set[str] = set()
    clean_choices = []
    for j, choice in enumerate(choices):
        value = _text(choice, "value", f"{where}.choices[{j}]")
        if value in values:
            raise ToolkitFileError(f"{where}.choices[{j}].value: '{value}' appears twice.")
        values.add(value)
        clean_choices.append({"value": value, "label": _text(choice, "label", f"{where}.choices[{j}]")})
    required = q.get("required", True)
    if not isinstance(required, bool):
        raise ToolkitFileError(f"{where}.required: expected true or false.")
    return {
        "key": key,
        "number": _text(q, "number", where),
        "text": _text(q, "text", where),
        "hint": _text(q, "hint", where, blank=True, optional=True),
        "answer_type": answer_type,
        "required": required,
        "role": role,
        "group": _text(q, "group", where, blank=True, optional=True),
        "choices": clean_choices,
    }


def validate(data: Any) -> dict[str, Any]:
    """Check the whole structure and return it normalised; raise ToolkitFileError on the first problem."""
    if not isinstance(data, dict):
        raise ToolkitFileError("The file must be a mapping with 'toolkit', 'version', 'introduction' and 'sections'.")
    toolkit = _require(data, "toolkit", dict, "file")
    slug = _text(toolkit, "slug", "toolkit")
    if not SLUG_PATTERN.match(slug):
        raise ToolkitFileError(f"toolkit.slug: '{slug}' must be lowercase letters, digits and hyphens.")
    version = _require(data, "version", dict, "file")
    intro = _require(data, "introduction", list, "file")
    sections = _require(data, "sections", list, "file")
    if not sections:
        raise ToolkitFileError("sections: at least one section is needed.")

    topics = []
    for i, topic in enumerate(intro):
        where = f"introduction[{i}]"
        topic_slug = _text(topic, "slug", where)
        if not SLUG_PATTERN.match(topic_slug):
            raise ToolkitFileError(f"{where}.slug: '{topic_slug}' must be lowercase letters, digits and hyphens.")
        topics.append({"slug": topic_slug, "title": _text(topic, "title", where), "body": _text(topic, "body", where)})

    seen_keys: set[str] = set()
    seen_numbers: set[int] = set()
    clean_sections = []
    for i, section in enumerate(sections):
        where = f"sections[{i}]"
        number = _require(section, "number", int, where)
        if number in seen_numbers or number < 1:
            raise ToolkitFileError(f"{where}.number: {number} must be a positive number used once.")
        seen_numbers.add(number)
        questions = _require(section, "questions", list, where)
        if not questions:
            raise ToolkitFileError(f"{where}.questions: a section needs at least one question.")
        example = _require(section, "working_example", dict, where)
        resources = []
        for j, resource in enumerate(section.get("resources") or []):
            rwhere = f"{where}.resources[{j}]"
            url = _text(resource, "url", rwhere)
            if not url.startswith(("https://", "http://")):
                raise ToolkitFileError(f"{rwhere}.url: '{url}' must be a web address starting https://")
            year = resource.get("year")
            if year is not None and (not isinstance(year, int) or isinstance(year, bool)):
                raise ToolkitFileError(f"{rwhere}.year: expected a year such as 2014.")
            resources.append(
                {
                    "title": _text(resource, "title", rwhere),
                    "who": _text(resource, "who", rwhere),
                    "year": year,
                    "url": url,
                }
            )
        clean_sections.append(
            {
                "number": number,
                "title": _text(section, "title", where),
                "purpose": _text(section, "purpose", where),
                "guidance": _text(section, "guidance", where, blank=True, optional=True),
                "working_example": {
                    "title": _text(example, "title", f"{where}.working_example"),
                    "body": _text(example, "body", f"{where}.working_example"),
                },
                "resources": resources,
                "questions": [
                    _validate_question(q, f"{where}.questions[{j}]", seen_keys) for j, q in enumerate(questions)
                ],
            }
        )
    return {
        "toolkit": {
            "slug": slug,
            "name": _text(toolkit, "name", "toolkit"),
            "short_name": _text(toolkit, "short_name", "toolkit"),
            "attribution": _text(toolkit, "attribution", "toolkit"),
            "attribution_url": _text(toolkit, "attribution_url", "toolkit", blank=True, optional=True),
        },
        "version": {
            "label": str(_require(version, "label", (str, int, float), "version")),
            "notes": _text(version, "notes", "version", blank=True, optional=True),
        },
        "project_details_guidance": _text(data, "project_details_guidance", "file", blank=True, optional=True),
        "introduction": topics,
        "sections": clean_sections,
    }


class _Loader(yaml.SafeLoader):
    """Safe YAML without aliases (*name): a few lines of aliases can stand for billions of
    values, and no content file needs them."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed", mark)
        return super().compose_node(parent, index)


def parse_text(raw: str, source: str = "file") -> dict[str, Any]:
    """Parse and check a content file's text; ToolkitFileError names the line or the field."""
    try:
        data = yaml.load(raw, Loader=_Loader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown place"
        raise ToolkitFileError(f"{source}: not valid YAML at {where}: {exc.problem}.") from None
    except yaml.YAMLError as exc:
        raise ToolkitFileError(f"{source}: not valid YAML: {exc}.") from None
    content = validate(data)
    _check_fits(content)
    return content


def read_file(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ToolkitFileError(f"{path}: no such file.") from None
    except UnicodeDecodeError as exc:
        raise ToolkitFileError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}).") from None
    return parse_text(raw, str(path))


# Which model each part of the content is stored in, for the lengths of its columns.
_STORED_IN: dict[str, type[models.Model]] = {
    "toolkit": Toolkit,
    "version": ToolkitVersion,
    "introduction": IntroductionTopic,
    "sections": Section,
    "working_example": WorkingExample,
    "resources": Resource,
    "questions": Question,
}


def _check_fits(value: Any, where: str = "", model: type[models.Model] | None = None) -> None:
    """Every text fits its database column and holds no NUL character (PostgreSQL refuses it)."""
    if isinstance(value, dict):
        for field, item in value.items():
            path = f"{where}.{field}" if where else field
            if isinstance(item, str):
                if "\x00" in item:
                    raise ToolkitFileError(f"{path}: contains a NUL character.")
                limit = _max_length(model, field)
                if limit is not None and len(item) > limit:
                    raise ToolkitFileError(f"{path}: at most {limit} characters ({len(item)} given).")
            else:
                _check_fits(item, path, _STORED_IN.get(field, model))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_fits(item, f"{where}[{i}]", model)


def _max_length(model: type[models.Model] | None, field: str) -> int | None:
    if model is None:
        return None
    try:
        return getattr(model._meta.get_field(field), "max_length", None)
    except FieldDoesNotExist:
        return None


def _digest(content: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _publish(version: ToolkitVersion) -> None:
    try:
        version_publish(version=version)
    except VersionNotValid as exc:
        listed = "\n".join(f"- {fault}" for fault in exc.faults)
        raise ToolkitFileError(f"version {version.label} was not published. Fix these first:\n{listed}") from None


@transaction.atomic
def toolkit_load(*, content: dict[str, Any], publish: bool = True) -> LoadResult:
    """Create or refresh the version the content describes, publishing it through
    toolkit_content.services.version_publish (which checks it first) unless `publish` is off.

    Loading the same content twice changes nothing. A published version is never edited
    in place: different content for a published label is refused.
    """
    digest = _digest(content)
    t = content["toolkit"]
    toolkit, _ = Toolkit.objects.get_or_create(slug=t["slug"], defaults=t)
    if any(getattr(toolkit, field) != value for field, value in t.items()):
        for field, value in t.items():
            setattr(toolkit, field, value)
        toolkit.save()

    label = content["version"]["label"]
    version = ToolkitVersion.objects.select_for_update().filter(toolkit=toolkit, label=label).first()
    if version is not None and version.source_digest == digest:
        if publish and not version.is_published:
            _publish(version)
            return LoadResult(version=version, created=False, changed=True)
        return LoadResult(version=version, created=False, changed=False)
    if version is not None and version.is_published:
        raise ToolkitFileError(
            f"version.label: version {label} is published and differs from this file. Published versions "
            "are never edited in place: give the file a new version label."
        )

    created = version is None
    if version is None:
        version = ToolkitVersion(toolkit=toolkit, label=label)
    else:
        version.sections.all().delete()
        version.introduction_topics.all().delete()
    version.notes = content["version"]["notes"]
    version.project_details_guidance = content["project_details_guidance"]
    version.source_digest = digest
    version.save()
    version_write_content(version, content)
    if publish:
        _publish(version)
        version.refresh_from_db()
    return LoadResult(version=version, created=created, changed=True)


class _Dumper(yaml.SafeDumper):
    """Readable YAML: texts of more than one line as blocks, keys in the content's order."""


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _represent_text)


def dump_text(content: dict[str, Any], *, version: ToolkitVersion) -> str:
    """The content file for a version: what parse_text reads back to the same content.

    The version block also says when it was published and exported, for the reader; loading
    ignores both, and they and the label are all that differ between two exports of one content.
    """
    data = dict(content)
    data["version"] = {
        **content["version"],
        "published_at": version.published_at.isoformat() if version.published_at else None,
        "exported_at": timezone.now().isoformat(timespec="seconds"),
    }
    header = (
        f"# {version.toolkit.name}, version {version.label}: toolkit content for HIAT Assessments.\n"
        "# Load it with `manage.py import_toolkit FILE` (a new draft) or in the admin.\n"
        "# Question keys are stable identifiers: answers carry over between versions by key.\n\n"
    )
    return header + yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1_000_000, default_flow_style=False
    )
