"""Admin for toolkit content.

Published versions are read-only here: assessments and their reports are pinned to them,
so changing a published question would rewrite what people were asked.
"""

from django.contrib import admin
from django.http import HttpRequest

from toolkit_content.models import (
    IntroductionTopic,
    Question,
    Resource,
    Section,
    Toolkit,
    ToolkitVersion,
    WorkingExample,
)


def _is_published(obj: object) -> bool:
    version = None
    if isinstance(obj, ToolkitVersion):
        version = obj
    elif isinstance(obj, Section | IntroductionTopic):
        version = obj.version
    elif isinstance(obj, Question | Resource | WorkingExample):
        version = obj.section.version
    return version is not None and version.status == ToolkitVersion.Status.PUBLISHED


class PublishedReadOnlyMixin:
    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return not _is_published(obj) and super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return not _is_published(obj) and super().has_delete_permission(request, obj)  # type: ignore[misc]


@admin.register(Toolkit)
class ToolkitAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "slug"]


class IntroductionTopicInline(PublishedReadOnlyMixin, admin.StackedInline):
    model = IntroductionTopic
    extra = 0


@admin.register(ToolkitVersion)
class ToolkitVersionAdmin(PublishedReadOnlyMixin, admin.ModelAdmin):
    list_display = ["toolkit", "label", "status", "published_at"]
    list_filter = ["status", "toolkit"]
    inlines = [IntroductionTopicInline]


class QuestionInline(PublishedReadOnlyMixin, admin.StackedInline):
    model = Question
    extra = 0


class ResourceInline(PublishedReadOnlyMixin, admin.TabularInline):
    model = Resource
    extra = 0


class WorkingExampleInline(PublishedReadOnlyMixin, admin.StackedInline):
    model = WorkingExample


@admin.register(Section)
class SectionAdmin(PublishedReadOnlyMixin, admin.ModelAdmin):
    list_display = ["__str__", "version"]
    list_filter = ["version"]
    inlines = [QuestionInline, WorkingExampleInline, ResourceInline]


@admin.register(Question)
class QuestionAdmin(PublishedReadOnlyMixin, admin.ModelAdmin):
    list_display = ["number", "key", "answer_type", "required", "section"]
    list_filter = ["section__version", "answer_type"]
    search_fields = ["key", "text"]
