"""The toolkit content workflow: copy a version into a draft, check it, publish it.

The admin's actions, the management commands (load, import, export, publish) and the tests
all call these functions, so each rule has one home. Published versions are frozen by the
models themselves (toolkit_content.models.PublishedContentError); these functions make the
new drafts that editors change instead, and decide when a draft may become published.

A version's content as plain data (`version_content`) is the one description of what a
version holds: the export file is written from it, an import and a draft copy are written
from it, so a copy, an export and an import cannot disagree about what they carry.
"""

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone

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

LABEL_MAX_LENGTH = ToolkitVersion._meta.get_field("label").max_length or 40
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
# The letter or number of a part, e.g. "a" in "4.6(a)".
PART_OF_NUMBER = re.compile(r"\(([^()\s]+)\)$")


@dataclass(frozen=True)
class Fault:
    """One thing to fix before a version can be published, and where to fix it."""

    place: str  # as an editor finds it, e.g. "Section 2, question 2.3"
    message: str
    # The row to open in the admin to fix it (a question, a section, the version...).
    obj: models.Model

    def __str__(self) -> str:
        return f"{self.place}: {self.message}"


class VersionNotValid(Exception):
    """The version has faults; it was not published."""

    def __init__(self, version: ToolkitVersion, faults: list[Fault]) -> None:
        super().__init__(f"{version} has {len(faults)} problem{'s' if len(faults) != 1 else ''} to fix.")
        self.version = version
        self.faults = faults


def _log(user: Any, obj: models.Model, message: str, *, added: bool = False) -> None:
    """An entry in the object's admin history ("History" on its admin page)."""
    if user is None or not getattr(user, "pk", None):
        return  # a command run from a shell: its output is the record
    LogEntry.objects.log_actions(
        user_id=user.pk, queryset=[obj], action_flag=ADDITION if added else CHANGE, change_message=message
    )


# ---------------------------------------------------------------------------
# Checking
# ---------------------------------------------------------------------------


def _repeats_its_number(question: Question) -> bool:
    """True when the text starts with the number, or with the part's letter, that the page
    already prints before it ("4.6(a) (a) Being involved...")."""
    text = question.text.lstrip()
    if question.number and text.startswith(question.number):
        return True
    part = PART_OF_NUMBER.search(question.number)
    if part is None:
        return False
    return re.match(rf"\(?{re.escape(part.group(1))}[).]\s", text) is not None


def _question_faults(question: Question, place: str, keys: Counter[str], numbers: Counter[str]) -> list[Fault]:
    faults = []

    def fault(message: str) -> None:
        faults.append(Fault(place, message, question))

    if not question.number.strip():
        fault("has no number.")
    elif numbers[question.number] > 1:
        fault(f"the number {question.number} is used by another question; numbers must be unique.")
    if not question.text.strip():
        fault("has no text.")
    elif _repeats_its_number(question):
        fault("the text starts with the question's number or letter, which the page already shows: remove it.")
    if not KEY_PATTERN.match(question.key):
        fault(f"the key “{question.key}” must be lowercase letters, digits and underscores.")
    elif keys[question.key] > 1:
        fault(f"the key “{question.key}” is used by another question; keys must be unique.")
    if question.answer_type not in Question.AnswerType.values:
        fault(f"the answer type “{question.answer_type}” is not one the service knows.")
    choices = question.choices if isinstance(question.choices, list) else None
    if choices is None:
        fault("its choices must be a list.")
    elif question.is_choice:
        if len(choices) < 2:
            fault(f"a {question.get_answer_type_display().lower()} question needs at least two choices.")
        values = [c.get("value", "") if isinstance(c, dict) else "" for c in choices]
        for i, choice in enumerate(choices, start=1):
            if not isinstance(choice, dict) or not str(choice.get("value", "")).strip():
                fault(f"choice {i} has no value.")
            elif not str(choice.get("label", "")).strip():
                fault(f"choice {i} has no label.")
        for value, count in Counter(values).items():
            if value and count > 1:
                fault(f"the choice value “{value}” appears {count} times.")
    elif choices:
        fault("a long text question has no choices: remove them or change the answer type.")
    return faults


def number_order_key(number: str) -> tuple[tuple[int, int | str], ...]:
    """How question numbers sort as a reader expects: 1.2 < 1.4 < 1.4a < 1.10 < 4.6(a) < 4.6(b)."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in re.findall(r"\d+|[a-z]+", number.lower()))


def _out_of_order(questions: list[Question]) -> list[tuple[Question, Question]]:
    """Each question whose number sorts before the number of the question above it (a question
    dragged to a new place keeps its number: the editor renumbers)."""
    return [
        (above, question)
        for above, question in zip(questions, questions[1:], strict=False)
        if above.number.strip()
        and question.number.strip()
        and number_order_key(question.number) < number_order_key(above.number)
    ]


def version_validate(version: ToolkitVersion) -> list[Fault]:
    """Every fault that stops the version being published, in the order an editor meets them."""
    faults: list[Fault] = []
    name = f"Version {version.label}"
    if not version.label.strip():
        faults.append(Fault("This version", "has no label.", version))
    for topic in version.introduction_topics.all():
        if not topic.title.strip() or not topic.body.strip():
            faults.append(Fault(f"Introduction topic “{topic.slug}”", "needs a title and a body.", topic))
    sections = list(
        version.sections.select_related("working_example").prefetch_related("questions", "resources").order_by("number")
    )
    if not sections:
        faults.append(
            Fault(name, "has no sections: add at least one, or create the draft from a published version.", version)
        )
    all_questions = [q for s in sections for q in s.questions.all()]
    keys = Counter(q.key for q in all_questions)
    numbers = Counter(q.number for q in all_questions)
    for section in sections:
        place = f"Section {section.number}"
        if not section.title.strip():
            faults.append(Fault(place, "has no title.", section))
        if not section.purpose.strip():
            faults.append(Fault(place, "has no purpose.", section))
        questions = list(section.questions.all())
        if not questions:
            faults.append(Fault(place, "has no questions: add at least one.", section))
        example = getattr(section, "working_example", None)
        if example is None:
            faults.append(Fault(place, "has no working example.", section))
        elif not example.title.strip() or not example.body.strip():
            faults.append(Fault(f"{place}, working example", "needs a title and a body.", example))
        resources = list(section.resources.all())
        if not resources:
            faults.append(Fault(place, "has no resources: add at least one.", section))
        for resource in resources:
            rplace = f"{place}, resource “{resource.title or resource.order}”"
            if not resource.title.strip() or not resource.who.strip():
                faults.append(Fault(rplace, "needs a title and who published it.", resource))
            if not resource.url.startswith(("https://", "http://")):
                faults.append(Fault(rplace, "its web address must start with https://", resource))
        for question in questions:
            qplace = f"{place}, question {question.number or question.key}"
            faults += _question_faults(question, qplace, keys, numbers)
        for above, question in _out_of_order(questions):
            faults.append(
                Fault(
                    f"{place}, question {question.number}",
                    f"comes after question {above.number}, so the numbers read out of order: "
                    "renumber the section's questions to follow their order.",
                    question,
                )
            )
    return faults


# ---------------------------------------------------------------------------
# Publishing
# ---------------------------------------------------------------------------


@transaction.atomic
def version_publish(*, version: ToolkitVersion, user: Any = None) -> ToolkitVersion:
    """Publish a draft once it has no faults; new assessments then start on it.

    Assessments already started keep the version they were pinned to. Raises
    VersionNotValid with every fault, or PublishedContentError if it is published already.
    """
    # The row lock: two people publishing, or an editor saving while it is published,
    # cannot interleave with the check.
    version = ToolkitVersion.objects.select_for_update().select_related("toolkit").get(pk=version.pk)
    if version.is_published:
        raise PublishedContentError(f"Toolkit version {version.label}")
    faults = version_validate(version)
    if faults:
        raise VersionNotValid(version, faults)
    version.status = ToolkitVersion.Status.PUBLISHED
    version.published_at = timezone.now()
    version.save(update_fields=["status", "published_at"])
    _log(user, version, "Published. New assessments start on this version.")
    return version


@transaction.atomic
def question_move(*, question: Question, position: int) -> None:
    """Put a draft's question at `position` in its section (1 is first); the others keep their
    order around it, numbered 1, 2, 3... (positions are unique once the transaction commits)."""
    # The section's row lock: two editors reordering one section at once take turns, rather
    # than the second failing on the unique positions when it commits.
    Section.objects.select_for_update().filter(pk=question.section_id).values_list("pk", flat=True).get()
    others = list(question.section.questions.exclude(pk=question.pk).order_by("order", "pk"))
    position = max(1, min(position, len(others) + 1))
    others.insert(position - 1, question)
    moved = []
    for order, item in enumerate(others, start=1):
        if item.order != order or item.pk == question.pk:
            item.order = order
            moved.append(item)
    Question.objects.bulk_update(moved, ["order"])


def versions_newer_than(version: ToolkitVersion) -> QuerySet[ToolkitVersion]:
    """The published versions of the same toolkit published after this one, newest first:
    what an assessment pinned to `version` could be moved to."""
    # The stored date: the object in hand may predate its publishing.
    published_at = ToolkitVersion.objects.filter(pk=version.pk).values_list("published_at", flat=True).first()
    newer = ToolkitVersion.objects.filter(toolkit_id=version.toolkit_id, status=ToolkitVersion.Status.PUBLISHED)
    if published_at is not None:
        newer = newer.filter(published_at__gt=published_at)
    return newer.exclude(pk=version.pk).order_by("-published_at", "-id")


# ---------------------------------------------------------------------------
# A version's content as data: export, import, copy
# ---------------------------------------------------------------------------


def version_content(version: ToolkitVersion) -> dict[str, Any]:
    """Everything the version holds, in the content file's structure (toolkit_content/loader.py)."""
    toolkit = version.toolkit
    sections = []
    for section in version.sections.select_related("working_example").prefetch_related("questions", "resources"):
        item: dict[str, Any] = {
            "number": section.number,
            "title": section.title,
            "purpose": section.purpose,
            "guidance": section.guidance,
        }
        example = getattr(section, "working_example", None)
        if example is not None:
            item["working_example"] = {"title": example.title, "body": example.body}
        item["resources"] = [
            {"title": r.title, "who": r.who, "year": r.year, "url": r.url} for r in section.resources.all()
        ]
        item["questions"] = [
            {
                "key": q.key,
                "number": q.number,
                "text": q.text,
                "hint": q.hint,
                "answer_type": q.answer_type,
                "required": q.required,
                "role": q.role,
                "group": q.group,
                "choices": [{"value": c.get("value", ""), "label": c.get("label", "")} for c in q.choices],
            }
            for q in section.questions.all()
        ]
        sections.append(item)
    return {
        "toolkit": {
            "slug": toolkit.slug,
            "name": toolkit.name,
            "short_name": toolkit.short_name,
            "attribution": toolkit.attribution,
            "attribution_url": toolkit.attribution_url,
        },
        "version": {"label": version.label, "notes": version.notes},
        "project_details_guidance": version.project_details_guidance,
        "introduction": [{"slug": t.slug, "title": t.title, "body": t.body} for t in version.introduction_topics.all()],
        "sections": sections,
    }


def version_write_content(version: ToolkitVersion, content: dict[str, Any]) -> None:
    """Write a draft's rows from content data; order is the order of the lists, keys as given."""
    IntroductionTopic.objects.bulk_create(
        IntroductionTopic(version=version, order=i, **topic) for i, topic in enumerate(content["introduction"], start=1)
    )
    for s in content["sections"]:
        section = Section.objects.create(
            version=version, number=s["number"], title=s["title"], purpose=s["purpose"], guidance=s["guidance"]
        )
        if s.get("working_example") is not None:
            WorkingExample.objects.create(section=section, **s["working_example"])
        Resource.objects.bulk_create(
            Resource(section=section, order=i, **r) for i, r in enumerate(s["resources"], start=1)
        )
        Question.objects.bulk_create(
            Question(section=section, order=i, **q) for i, q in enumerate(s["questions"], start=1)
        )


def free_label(toolkit: Toolkit, wanted: str) -> str:
    """`wanted` if no version of the toolkit has it, else "wanted 2", "wanted 3"..."""
    wanted = wanted.strip()[:LABEL_MAX_LENGTH] or "draft"
    taken = set(ToolkitVersion.objects.filter(toolkit=toolkit).values_list("label", flat=True))
    label, n = wanted, 1
    while label in taken:
        n += 1
        suffix = f" {n}"
        label = wanted[: LABEL_MAX_LENGTH - len(suffix)] + suffix
    return label


@transaction.atomic
def version_create_draft(*, source: ToolkitVersion, user: Any = None, label: str = "") -> ToolkitVersion:
    """A new draft with a deep copy of the source's content: every key, text and order kept.

    Its label is `label`, or the source's with " draft" added; editors can rename a draft.
    """
    content = version_content(source)
    draft = ToolkitVersion.objects.create(
        toolkit=source.toolkit,
        label=free_label(source.toolkit, label or f"{source.label} draft"),
        notes=source.notes,
        project_details_guidance=source.project_details_guidance,
    )
    version_write_content(draft, content)
    _log(user, draft, f"Created as a draft copy of {source.label}.", added=True)
    _log(user, source, f"Copied into the new draft {draft.label}.")
    return draft


@transaction.atomic
def version_import(*, content: dict[str, Any], user: Any = None) -> ToolkitVersion:
    """A new draft from a content file already checked by toolkit_content.loader.

    The file's label is kept if free (else a number is added). An existing toolkit's name and
    attribution are left as they are: importing a draft must not change what the reports of
    published versions print. Everything happens in one transaction: a failure leaves nothing.
    """
    t = content["toolkit"]
    toolkit, created = Toolkit.objects.get_or_create(slug=t["slug"], defaults=t)
    draft = ToolkitVersion.objects.create(
        toolkit=toolkit,
        label=free_label(toolkit, content["version"]["label"]),
        notes=content["version"]["notes"],
        project_details_guidance=content["project_details_guidance"],
    )
    version_write_content(draft, content)
    if created:
        _log(user, toolkit, "Created by importing a content file.", added=True)
    _log(user, draft, "Imported from a content file as a draft.", added=True)
    return draft


def version_exported(*, version: ToolkitVersion, user: Any = None) -> None:
    """Record an export in the version's history (the file itself: toolkit_content.loader)."""
    _log(user, version, "Exported as a content file.")
