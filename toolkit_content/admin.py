"""Admin for toolkit content: toolkits, versions, sections with their questions, examples,
resources and introduction topics.

Published versions are read-only here (and frozen by the models too): assessments and their
reports are pinned to them. Editors change content in a draft made with "Create a new
draft", check it, and publish it with the actions below, which call
toolkit_content.services; a version's status is never a field anyone can edit.
"""

from typing import Any

from adminsortable2.admin import SortableAdminBase, SortableStackedInline
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Count, IntegerField, Model, OuterRef, QuerySet, Subquery, URLField
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import slugify

from toolkit_content.loader import ToolkitFileError, dump_text, parse_text
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
    Fault,
    VersionNotValid,
    question_move,
    version_content,
    version_create_draft,
    version_exported,
    version_import,
    version_publish,
    version_validate,
)

# The largest content file the admin reads (the shipped one is about 60 kB).
IMPORT_MAX_BYTES = 2 * 1024 * 1024


# Web addresses typed without a scheme are read as https (Django 6's default).
HTTPS_URLS: dict[Any, dict[str, Any]] = {URLField: {"assume_scheme": "https"}}


class ContentMedia:
    """Keyboard use and target size for the sortable inlines, and the faults' list style."""

    css = {"all": ["css/admin.css"]}
    js = ["js/admin-sortable-keys.js"]


def _version_of(obj: object) -> ToolkitVersion | None:
    if isinstance(obj, ToolkitVersion):
        return obj
    if isinstance(obj, Section | IntroductionTopic):
        return obj.version
    if isinstance(obj, Question | Resource | WorkingExample):
        return obj.section.version
    return None


def _is_published(obj: object) -> bool:
    version = _version_of(obj)
    return version is not None and version.is_published


def admin_url(obj: Model) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def faults_html(faults: list[Fault]) -> SafeString:
    """Each fault with a link to the admin page where it is fixed."""
    return format_html(
        '<ul class="app-faults">{}</ul>',
        format_html_join(
            "",
            '<li><a href="{}">{}</a>: {}</li>',
            ((admin_url(f.obj), f.place, f.message) for f in faults),
        ),
    )


class DraftContentForm(forms.ModelForm):
    """Refuses, with a message on the form, a change to a version published while it was open."""

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        version = self._version()
        if (
            version is not None
            and ToolkitVersion.objects.filter(pk=version.pk, status=ToolkitVersion.Status.PUBLISHED).exists()
        ):
            raise forms.ValidationError(str(PublishedContentError(f"{version}")))
        return cleaned

    def _version(self) -> ToolkitVersion | None:
        chosen = self.cleaned_data.get("version") or self.cleaned_data.get("section")
        if chosen is not None:
            return _version_of(chosen)
        try:
            return (
                _version_of(self.instance)
                if self.instance.pk or not isinstance(self.instance, ToolkitVersion)
                else None
            )
        except ObjectDoesNotExist:  # a new row of a parent not saved yet
            return None


class QuestionForm(DraftContentForm):
    """A question's order is its position. A position typed on the question's page may be one
    another question holds (QuestionAdmin.save_model then makes room with question_move), and
    a drag swaps two in one save, so positions are checked unique by the database when the
    save commits (a deferred constraint), not row by row here."""

    def _get_validation_exclusions(self) -> set[str]:
        return {*super()._get_validation_exclusions(), "order"}  # type: ignore[misc]


class PublishedReadOnlyMixin:
    """Nothing in a published version can be changed, added or deleted here."""

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return not _is_published(obj) and super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return not _is_published(obj) and super().has_delete_permission(request, obj)  # type: ignore[misc]


class InlinePublishedReadOnlyMixin(PublishedReadOnlyMixin):
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return not _is_published(obj) and super().has_add_permission(request, obj)  # type: ignore[misc]


class DraftsOnlyMixin:
    """New rows can be put only into draft versions: the choices offer no published one."""

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "version":
            kwargs["queryset"] = ToolkitVersion.objects.filter(status=ToolkitVersion.Status.DRAFT).select_related(
                "toolkit"
            )
        elif db_field.name == "section":
            kwargs["queryset"] = Section.objects.filter(version__status=ToolkitVersion.Status.DRAFT).select_related(
                "version__toolkit"
            )
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]
        if db_field.name == "section" and field is not None:
            # Every draft has a "Section 1": say which version each one belongs to.
            field.label_from_instance = lambda s: f"{s.version.toolkit.short_name} {s.version.label}: {s}"
        return field


def _count(model: type[Model], link: str) -> Coalesce:
    """A count of related rows as a subquery, so several counts never multiply each other."""
    rows = model._base_manager.filter(**{link: OuterRef("pk")}).order_by().values(link)
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n"), output_field=IntegerField()), 0)


@admin.register(Toolkit)
class ToolkitAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ["name", "short_name", "slug", "version_count"]
    search_fields = ["name", "short_name", "slug"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Toolkit]:
        return super().get_queryset(request).annotate(n_versions=_count(ToolkitVersion, "toolkit"))

    @admin.display(description="Versions", ordering="n_versions")
    def version_count(self, obj: Any) -> int:
        return obj.n_versions


class IntroductionTopicInline(InlinePublishedReadOnlyMixin, SortableStackedInline):
    form = DraftContentForm
    model = IntroductionTopic
    extra = 0


class SectionInline(admin.TabularInline):
    """The version's sections, each linking to its own page (questions, example, resources)."""

    model = Section
    fields = ("number", "title", "question_count")
    readonly_fields = ("number", "title", "question_count")
    show_change_link = True
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # added on the Sections page, with their questions

    def get_queryset(self, request: HttpRequest) -> QuerySet[Section]:
        return super().get_queryset(request).annotate(n_questions=_count(Question, "section"))

    @admin.display(description="Questions")
    def question_count(self, obj: Any) -> int:
        return obj.n_questions


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Content file (YAML)",
        help_text="A file written by “Download as a content file” or by manage.py export_toolkit.",
    )

    def clean_file(self) -> dict[str, Any]:
        upload = self.cleaned_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(f"The file is over {IMPORT_MAX_BYTES // (1024 * 1024)} MB.")
        raw = upload.read()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(f"The file is not UTF-8 text ({exc.reason} at byte {exc.start}).") from None
        try:
            return parse_text(text, upload.name)
        except ToolkitFileError as exc:
            raise forms.ValidationError(f"Nothing was imported. {exc}") from None


@admin.register(ToolkitVersion)
class ToolkitVersionAdmin(SortableAdminBase, PublishedReadOnlyMixin, admin.ModelAdmin):
    form = DraftContentForm
    Media = ContentMedia
    list_display = ["__str__", "toolkit", "label", "status", "published_at", "section_count", "question_count"]
    list_display_links = ["__str__"]
    list_filter = ["status", "toolkit"]
    search_fields = ["label", "notes"]
    list_select_related = ["toolkit"]
    fields = [
        "toolkit",
        "label",
        "status",
        "published_at",
        "created_at",
        "problems",
        "notes",
        "project_details_guidance",
    ]
    readonly_fields = ["status", "published_at", "created_at", "problems"]
    inlines = [SectionInline, IntroductionTopicInline]
    actions = ["create_draft", "check_versions", "publish", "download"]
    change_list_template = "admin/toolkit_content/toolkitversion/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[ToolkitVersion]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_sections=_count(Section, "version"),
                n_questions=_count(Question, "section__version"),
            )
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The toolkit is chosen when a version is added, never moved afterwards.
        return [*self.readonly_fields, "toolkit"] if obj is not None else list(self.readonly_fields)

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("toolkit_content.publish_toolkitversion")

    @admin.display(description="Sections", ordering="n_sections")
    def section_count(self, obj: Any) -> int:
        return obj.n_sections

    @admin.display(description="Questions", ordering="n_questions")
    def question_count(self, obj: Any) -> int:
        return obj.n_questions

    @admin.display(description="Ready to publish?")
    def problems(self, obj: ToolkitVersion | None) -> str:
        if obj is None or obj.pk is None:
            return "Save the version first."
        if obj.is_published:
            return "Published. Create a new draft from it to make changes."
        faults = version_validate(obj)
        if not faults:
            return "Yes: no problems found."
        count = f"No: {len(faults)} problem{'s' if len(faults) != 1 else ''} to fix first."
        return format_html("{}{}", count, faults_html(faults))

    # -- Actions -----------------------------------------------------------------------

    @admin.action(description="Create a new draft from the selected version", permissions=["add"])
    def create_draft(self, request: HttpRequest, queryset: QuerySet[ToolkitVersion]) -> HttpResponse | None:
        drafts = [
            version_create_draft(source=source, user=request.user) for source in queryset.select_related("toolkit")
        ]
        for draft in drafts:
            self.message_user(
                request,
                format_html(
                    'Created the draft <a href="{}">{}</a>. Edit it, then publish it.', admin_url(draft), draft
                ),
                messages.SUCCESS,
            )
        if len(drafts) == 1:
            return HttpResponseRedirect(admin_url(drafts[0]))
        return None

    @admin.action(description="Check the selected versions for problems", permissions=["view"])
    def check_versions(self, request: HttpRequest, queryset: QuerySet[ToolkitVersion]) -> TemplateResponse:
        return self._check_page(request, [(v, version_validate(v)) for v in queryset.select_related("toolkit")])

    @admin.action(description="Publish the selected draft (new assessments start on it)", permissions=["publish"])
    def publish(self, request: HttpRequest, queryset: QuerySet[ToolkitVersion]) -> TemplateResponse | None:
        """Publishing cannot be undone: first a page saying what it will do (or what to fix),
        and only its "Publish" button publishes."""
        if request.POST.get("confirmed") != "yes":
            return self._publish_confirm_page(request, list(queryset.select_related("toolkit")))
        refused: list[tuple[ToolkitVersion, list[Fault]]] = []
        for version in queryset.select_related("toolkit"):
            try:
                published = version_publish(version=version, user=request.user)
            except PublishedContentError:
                self.message_user(request, f"{version} is published already.", messages.WARNING)
            except VersionNotValid as exc:
                refused.append((version, exc.faults))
            else:
                self.message_user(request, f"Published {published}. New assessments start on it.", messages.SUCCESS)
        if refused:
            self.message_user(
                request, "Not published: fix the problems listed below, then publish again.", messages.ERROR
            )
            return self._check_page(request, refused)
        return None

    @admin.action(description="Download the selected version as a content file", permissions=["view"])
    def download(self, request: HttpRequest, queryset: QuerySet[ToolkitVersion]) -> HttpResponse | None:
        versions = list(queryset.select_related("toolkit")[:2])
        if len(versions) != 1:
            self.message_user(request, "Choose one version to download.", messages.ERROR)
            return None
        version = versions[0]
        text = dump_text(version_content(version), version=version)
        version_exported(version=version, user=request.user)
        response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
        name = slugify(f"{version.toolkit.slug}-{version.label.replace('.', '-')}") or "toolkit"
        response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localdate():%Y%m%d}.yaml"'
        return response

    def _publish_confirm_page(self, request: HttpRequest, versions: list[ToolkitVersion]) -> TemplateResponse:
        drafts = [v for v in versions if not v.is_published]
        faulty = [(v, faults) for v in drafts if (faults := version_validate(v))]
        if faulty or not drafts:
            if faulty:
                self.message_user(request, "Not ready to publish: fix the problems listed below first.", messages.ERROR)
            return self._check_page(request, faulty or [(v, []) for v in versions])
        plans = []
        for draft in drafts:
            published = ToolkitVersion.objects.filter(
                toolkit=draft.toolkit, status=ToolkitVersion.Status.PUBLISHED
            ).order_by("-published_at", "-id")
            plans.append(
                {
                    "version": draft,
                    "replaces": published.first(),
                    "assessments_on_older": published.aggregate(n=Count("assessments"))["n"],
                    "sections": draft.sections.count(),
                    "questions": Question.objects.filter(section__version=draft).count(),
                }
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Publish toolkit content",
            "plans": plans,
            "selected": [v.pk for v in drafts],
        }
        return TemplateResponse(request, "admin/toolkit_content/toolkitversion/publish_confirm.html", context)

    def _check_page(self, request: HttpRequest, results: list[tuple[ToolkitVersion, list[Fault]]]) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Check toolkit versions",
            "results": [(version, faults_html(faults) if faults else None) for version, faults in results],
        }
        return TemplateResponse(request, "admin/toolkit_content/toolkitversion/check.html", context)

    # -- Import --------------------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="toolkit_content_toolkitversion_import"),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            draft = version_import(content=form.cleaned_data["file"], user=request.user)
            self.message_user(request, f"Imported as the draft {draft}. Check it, then publish it.", messages.SUCCESS)
            return HttpResponseRedirect(admin_url(draft))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import a content file",
            "form": form,
        }
        return TemplateResponse(request, "admin/toolkit_content/toolkitversion/import.html", context)


class QuestionInline(InlinePublishedReadOnlyMixin, SortableStackedInline):
    form = QuestionForm
    model = Question
    extra = 0
    fields = ["number", "text", "hint", "key", "answer_type", "required", "role", "group", "choices"]


class ResourceInline(InlinePublishedReadOnlyMixin, SortableStackedInline):
    form = DraftContentForm
    formfield_overrides = HTTPS_URLS
    model = Resource
    extra = 0


class WorkingExampleInline(InlinePublishedReadOnlyMixin, admin.StackedInline):
    form = DraftContentForm
    model = WorkingExample


@admin.register(Section)
class SectionAdmin(SortableAdminBase, DraftsOnlyMixin, PublishedReadOnlyMixin, admin.ModelAdmin):
    form = DraftContentForm
    Media = ContentMedia
    list_display = ["__str__", "version", "status", "question_count"]
    list_filter = ["version__status", "version"]
    search_fields = ["title", "purpose", "guidance"]
    list_select_related = ["version__toolkit"]
    ordering = ["version__toolkit", "-version__created_at", "number"]
    inlines = [QuestionInline, WorkingExampleInline, ResourceInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Section]:
        return super().get_queryset(request).annotate(n_questions=_count(Question, "section"))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["version"] if obj is not None else []

    @admin.display(description="Status", ordering="version__status")
    def status(self, obj: Section) -> str:
        return obj.version.get_status_display()

    @admin.display(description="Questions", ordering="n_questions")
    def question_count(self, obj: Any) -> int:
        return obj.n_questions


class SectionContentAdmin(DraftsOnlyMixin, PublishedReadOnlyMixin, admin.ModelAdmin):
    """What belongs to a section (its questions, working example, resources): listed newest
    version first, filtered by version, each row saying which version it is in."""

    form = DraftContentForm
    list_filter = ["section__version__status", "section__version"]
    list_select_related = ["section__version__toolkit"]

    @admin.display(description="Version", ordering="section__version__label")
    def version(self, obj: Any) -> ToolkitVersion:
        return obj.section.version


@admin.register(Question)
class QuestionAdmin(SectionContentAdmin):
    form = QuestionForm
    list_display = ["number", "question_text", "section_number", "version", "answer_type", "required"]
    list_display_links = ["number", "question_text"]
    list_filter = [*SectionContentAdmin.list_filter, "answer_type", "required", "role"]
    search_fields = ["text", "number", "key", "hint", "group"]
    ordering = ["section__version__toolkit", "-section__version__created_at", "section__number", "order"]
    fields = [
        "section",
        "order",
        "number",
        "text",
        "hint",
        "key",
        "answer_type",
        "required",
        "role",
        "group",
        "choices",
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["section"] if obj is not None else []

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        if "order" in form.base_fields:
            form.base_fields["order"].label = "Position in its section"
            form.base_fields["order"].help_text = "1 is first. The section's other questions move to make room."
        return form

    def save_model(self, request: HttpRequest, obj: Question, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # Ordering by number: the typed position wins, the others close up around it.
        question_move(question=obj, position=obj.order)

    @admin.display(description="Question", ordering="text")
    def question_text(self, obj: Question) -> str:
        return obj.text if len(obj.text) <= 120 else obj.text[:119] + "…"

    @admin.display(description="Section", ordering="section__number")
    def section_number(self, obj: Question) -> int:
        return obj.section.number


@admin.register(WorkingExample)
class WorkingExampleAdmin(SectionContentAdmin):
    list_display = ["title", "section", "version"]
    search_fields = ["title", "body"]
    ordering = ["section__version__toolkit", "-section__version__created_at", "section__number"]


@admin.register(Resource)
class ResourceAdmin(SectionContentAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ["title", "who", "year", "section", "version"]
    search_fields = ["title", "who", "url"]
    ordering = ["section__version__toolkit", "-section__version__created_at", "section__number", "order"]


@admin.register(IntroductionTopic)
class IntroductionTopicAdmin(DraftsOnlyMixin, PublishedReadOnlyMixin, admin.ModelAdmin):
    form = DraftContentForm
    list_display = ["title", "version", "order"]
    list_filter = ["version__status", "version"]
    search_fields = ["title", "body", "slug"]
    list_select_related = ["version__toolkit"]
    ordering = ["version__toolkit", "-version__created_at", "order"]
