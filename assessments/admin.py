"""Assessments in the admin: read-only, for superusers only, for support.

People's answers are theirs: content editors and other staff cannot open these pages (the
admin answers 403), and a superuser who opens one is written to the security log, so the
people whose answers these are can be told who looked.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from accounts.models import SecurityEvent
from accounts.security_log import security_event_record
from assessments.models import Answer, Assessment


def _is_superuser(request: HttpRequest) -> bool:
    return bool(request.user.is_active and request.user.is_superuser)


class SuperuserReadOnly:
    """Visible to active superusers only, and never changed here: changes go through the app."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_superuser(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_superuser(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _log_view(request: HttpRequest, response: HttpResponse, detail: dict[str, Any]) -> HttpResponse:
    if response.status_code == 200 and _is_superuser(request):
        security_event_record(
            kind=SecurityEvent.Kind.ADMIN_VIEWED_ASSESSMENT,
            request=request,
            user=request.user,  # type: ignore[arg-type]
            detail={"path": request.path, **detail},
        )
    return response


class AnswerInline(SuperuserReadOnly, admin.TabularInline):
    model = Answer
    fields = ("question", "text", "selected", "version", "updated_at", "updated_by")
    readonly_fields = ("question", "text", "selected", "version", "updated_at", "updated_by")
    extra = 0

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("question", "updated_by")


@admin.register(Assessment)
class AssessmentAdmin(SuperuserReadOnly, admin.ModelAdmin):
    list_display = ["title", "organisation", "owner", "toolkit_version", "updated_at"]
    list_filter = ["toolkit_version", "work_type"]
    search_fields = ["title", "organisation", "owner__email"]
    list_select_related = ["owner", "toolkit_version__toolkit"]
    date_hierarchy = "updated_at"
    inlines = [AnswerInline]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        return _log_view(request, response, {"list": "assessments", "query": request.GET.urlencode()})

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        return _log_view(request, response, {"assessment": object_id})


@admin.register(Answer)
class AnswerAdmin(SuperuserReadOnly, admin.ModelAdmin):
    list_display = ["assessment", "question", "version", "updated_at"]
    search_fields = ["assessment__title", "question__key"]
    list_select_related = ["assessment", "question"]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        return _log_view(request, response, {"list": "answers", "query": request.GET.urlencode()})

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        assessment_id = (
            Answer.objects.filter(pk=int(object_id)).values_list("assessment_id", flat=True).first()
            if object_id.isdigit()
            else None
        )
        return _log_view(request, response, {"assessment": assessment_id or "", "answer": object_id})
