"""The toolkit's content as data: versions, sections, questions, guidance and resources.

An assessment is pinned to the ToolkitVersion it started on, so a published version's
rows are what last year's reports were asked; editors change content in a new draft.
"""

from django.db import models


class Toolkit(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    short_name = models.CharField(max_length=40)
    attribution = models.TextField(help_text="Markdown. Who made the toolkit and how this adaptation credits them.")
    attribution_url = models.URLField(blank=True)

    def __str__(self) -> str:
        return self.name


class ToolkitVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    toolkit = models.ForeignKey(Toolkit, on_delete=models.PROTECT, related_name="versions")
    label = models.CharField(max_length=40, help_text='For example "2026.1".')
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    notes = models.TextField(blank=True)
    project_details_guidance = models.TextField(blank=True, help_text="Markdown, shown above the project details form.")
    source_digest = models.CharField(
        max_length=64, blank=True, editable=False, help_text="SHA-256 of the content file this version was loaded from."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["toolkit", "label"], name="unique_version_label")]
        ordering = ["toolkit", "-published_at", "-created_at"]

    def __str__(self) -> str:
        return f"{self.toolkit.short_name} {self.label} ({self.get_status_display().lower()})"


class IntroductionTopic(models.Model):
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


class Section(models.Model):
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


class Question(models.Model):
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
            models.UniqueConstraint(fields=["section", "order"], name="unique_question_order"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.text[:60]}"

    @property
    def is_choice(self) -> bool:
        return self.answer_type != self.AnswerType.LONG_TEXT

    def choice_labels(self) -> dict[str, str]:
        return {choice["value"]: choice["label"] for choice in self.choices}


class WorkingExample(models.Model):
    section = models.OneToOneField(Section, on_delete=models.CASCADE, related_name="working_example")
    title = models.CharField(max_length=300)
    body = models.TextField(help_text="Markdown.")

    def __str__(self) -> str:
        return self.title


class Resource(models.Model):
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
