"""The toolkit's content as data: versions, sections, questions, guidance and resources.

An assessment is pinned to the ToolkitVersion it started on, so a published version's
rows are what last year's reports were asked; editors change content in a new draft.

That rule lives here, at the model layer, so nothing (the admin, a command, a shell, a
bulk query) can change a published version: saving or deleting a published version or any
row under it raises PublishedContentError, and so do the querysets' update(), delete(),
bulk_create() and bulk_update(). The workflow that copies, checks and publishes versions
is toolkit_content/services.py.
"""

from collections.abc import Iterable
from typing import Any, ClassVar

from django.db import models
from django.urls import reverse


class PublishedContentError(Exception):
    """A change to a published toolkit version, or to anything in it, was refused."""

    def __init__(self, what: str = "This toolkit version") -> None:
        super().__init__(
            f"{what}: the toolkit version is published and cannot be changed, because assessments and their "
            "reports are pinned to it. Create a new draft from it instead."
        )


def _refuse_if_published(version_ids: Iterable[int | None], what: str) -> None:
    ids = {pk for pk in version_ids if pk is not None}
    if ids and ToolkitVersion.objects.filter(pk__in=ids, status=ToolkitVersion.Status.PUBLISHED).exists():
        raise PublishedContentError(what)


class ContentQuerySet(models.QuerySet):
    """Bulk writes check the versions of the rows they touch: a queryset never bypasses the rule."""

    def _refuse_if_any_published(self) -> None:
        status = self.model.version_lookup.removesuffix("_id") + "__status"  # type: ignore[attr-defined]
        if self.filter(**{status: ToolkitVersion.Status.PUBLISHED}).exists():
            raise PublishedContentError(f"Some of these {self.model._meta.verbose_name_plural}")

    def update(self, **kwargs: Any) -> int:
        self._refuse_if_any_published()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        self._refuse_if_any_published()
        return super().delete()

    def _version_ids_of(self, objs: list[Any]) -> list[int | None]:
        """The versions of rows in memory, in one query whatever their number."""
        if self.model.version_lookup == "version_id":  # type: ignore[attr-defined]
            return [obj.version_id for obj in objs]
        section_ids = {obj.section_id for obj in objs}
        return list(Section._base_manager.filter(pk__in=section_ids).values_list("version_id", flat=True))

    def bulk_create(self, objs: Iterable[Any], *args: Any, **kwargs: Any) -> list[Any]:
        objs = list(objs)
        _refuse_if_published(self._version_ids_of(objs), f"New {self.model._meta.verbose_name_plural}")
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs: Iterable[Any], fields: Any, *args: Any, **kwargs: Any) -> int:
        objs = list(objs)
        _refuse_if_published(self._version_ids_of(objs), f"Some {self.model._meta.verbose_name_plural}")
        self.filter(pk__in=[obj.pk for obj in objs])._refuse_if_any_published()
        return super().bulk_update(objs, fields, *args, **kwargs)


class VersionedContent(models.Model):
    """A row that belongs to one toolkit version: frozen once that version is published."""

    # How a row reaches its version's id, e.g. "section__version_id" (for querysets).
    version_lookup: ClassVar[str]

    objects = ContentQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Both the version the row is saved into and, for an existing row, the one it is
        # stored under: a row can be neither added to nor moved out of a published version.
        _refuse_if_published([self.rule_version_id(), self._stored_version_id()], self._what())
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        _refuse_if_published([self._stored_version_id()], self._what())
        return super().delete(*args, **kwargs)

    def rule_version_id(self) -> int | None:
        """The id of the version this row (as it is in memory) belongs to."""
        raise NotImplementedError

    def _stored_version_id(self) -> int | None:
        if self.pk is None:
            return None
        return type(self)._base_manager.filter(pk=self.pk).values_list(self.version_lookup, flat=True).first()

    def _what(self) -> str:
        return f"{str(self._meta.verbose_name).capitalize()} “{self}”"


class Toolkit(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    short_name = models.CharField(max_length=40)
    attribution = models.TextField(help_text="Markdown. Who made the toolkit and how this adaptation credits them.")
    attribution_url = models.URLField(blank=True)

    def __str__(self) -> str:
        return self.name


class ToolkitVersionQuerySet(models.QuerySet):
    def _refuse_if_any_published(self) -> None:
        if self.filter(status=ToolkitVersion.Status.PUBLISHED).exists():
            raise PublishedContentError("Some of these toolkit versions")

    def update(self, **kwargs: Any) -> int:
        self._refuse_if_any_published()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        self._refuse_if_any_published()
        return super().delete()

    def bulk_update(self, objs: Iterable[Any], fields: Any, *args: Any, **kwargs: Any) -> int:
        objs = list(objs)
        self.filter(pk__in=[obj.pk for obj in objs])._refuse_if_any_published()
        return super().bulk_update(objs, fields, *args, **kwargs)


class ToolkitVersion(models.Model):
    """One version of a toolkit's content. Drafts are edited; published versions never change.

    A draft becomes published only through toolkit_content.services.version_publish, which
    checks it first; the status is never edited as a field.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    toolkit = models.ForeignKey(Toolkit, on_delete=models.PROTECT, related_name="versions")
    label = models.CharField(max_length=40, help_text='For example "2026.1".')
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, editable=False)
    notes = models.TextField(blank=True)
    project_details_guidance = models.TextField(blank=True, help_text="Markdown, shown above the project details form.")
    source_digest = models.CharField(
        max_length=64, blank=True, editable=False, help_text="SHA-256 of the content file this version was loaded from."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ToolkitVersionQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["toolkit", "label"], name="unique_version_label")]
        ordering = ["toolkit", "-published_at", "-created_at"]
        permissions = [("publish_toolkitversion", "Can publish a toolkit version")]

    def __str__(self) -> str:
        return f"{self.toolkit.short_name} {self.label} ({self.get_status_display().lower()})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The stored row decides, not this object: a draft may be saved as published once
        # (that is publishing), a published one never again.
        if self._stored_status() == self.Status.PUBLISHED:
            raise PublishedContentError(f"Toolkit version {self.label}")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self._stored_status() == self.Status.PUBLISHED:
            raise PublishedContentError(f"Toolkit version {self.label}")
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def _stored_status(self) -> str | None:
        if self.pk is None:
            return None
        return ToolkitVersion._base_manager.filter(pk=self.pk).values_list("status", flat=True).first()


class IntroductionTopic(VersionedContent):
    version_lookup = "version_id"

    version = models.ForeignKey(ToolkitVersion, on_delete=models.CASCADE, related_name="introduction_topics")
    order = models.PositiveSmallIntegerField()
    slug = models.SlugField()
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown.")

    class Meta:
        ordering = ["order"]
        constraints = [models.UniqueConstraint(fields=["version", "slug"], name="unique_intro_slug")]

    def __str__(self) -> str:
        return self.title

    def rule_version_id(self) -> int | None:
        return self.version_id


class Section(VersionedContent):
    version_lookup = "version_id"

    version = models.ForeignKey(ToolkitVersion, on_delete=models.CASCADE, related_name="sections")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=300)
    purpose = models.TextField()
    guidance = models.TextField(blank=True, help_text="Markdown.")

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["version", "number"], name="unique_section_number")]

    def __str__(self) -> str:
        return f"Section {self.number}: {self.title}"

    def get_absolute_url(self) -> str:
        # The admin's "View on site": the section as an assessor sees it (assessments app).
        return reverse("section_preview", args=[self.pk])

    def rule_version_id(self) -> int | None:
        return self.version_id


class Question(VersionedContent):
    version_lookup = "section__version_id"

    class AnswerType(models.TextChoices):
        LONG_TEXT = "long_text", "Long text"
        SINGLE_CHOICE = "single_choice", "Single choice"
        MULTIPLE_CHOICE = "multiple_choice", "Multiple choice"

    class Role(models.TextChoices):
        NONE = "", "None"
        PUBLIC_INVOLVEMENT = "public_involvement", "Public involvement"
        DIMENSIONS = "dimensions", "Dimensions of inequality"

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="questions")
    key = models.SlugField(
        max_length=60, help_text="Stable identifier, the same in every version; answers carry over by it."
    )
    number = models.CharField(max_length=12, help_text='Display number, for example "4.6(a)".')
    order = models.PositiveSmallIntegerField()
    text = models.TextField()
    hint = models.TextField(blank=True)
    answer_type = models.CharField(max_length=20, choices=AnswerType.choices, default=AnswerType.LONG_TEXT)
    required = models.BooleanField(default=True)
    role = models.CharField(max_length=30, choices=Role.choices, blank=True, default="")
    group = models.CharField(max_length=300, blank=True, help_text="Lead-in shared by the parts of one question.")
    choices = models.JSONField(default=list, blank=True, help_text='A list of {"value": ..., "label": ...}.')

    class Meta:
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(fields=["section", "key"], name="unique_question_key"),
            # Checked at commit, so two questions can swap places in one save (drag and drop).
            models.UniqueConstraint(
                fields=["section", "order"], name="unique_question_order", deferrable=models.Deferrable.DEFERRED
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.text[:60]}"

    def rule_version_id(self) -> int | None:
        return _section_version_id(self.section_id)

    @property
    def is_choice(self) -> bool:
        return self.answer_type != self.AnswerType.LONG_TEXT

    def choice_labels(self) -> dict[str, str]:
        return {choice["value"]: choice["label"] for choice in self.choices}


class WorkingExample(VersionedContent):
    version_lookup = "section__version_id"

    section = models.OneToOneField(Section, on_delete=models.CASCADE, related_name="working_example")
    title = models.CharField(max_length=300)
    body = models.TextField(help_text="Markdown.")

    def __str__(self) -> str:
        return self.title

    def rule_version_id(self) -> int | None:
        return _section_version_id(self.section_id)


class Resource(VersionedContent):
    version_lookup = "section__version_id"

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="resources")
    order = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=300)
    who = models.CharField(max_length=300, help_text="Publisher or authors.")
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    url = models.URLField(max_length=500)

    class Meta:
        ordering = ["order"]

    def __str__(self) -> str:
        return self.title

    def rule_version_id(self) -> int | None:
        return _section_version_id(self.section_id)


def _section_version_id(section_id: int | None) -> int | None:
    if section_id is None:
        return None
    return Section._base_manager.filter(pk=section_id).values_list("version_id", flat=True).first()
