from django.contrib import admin

from workshops.models import Participant, Workshop, WorkshopGroup


class GroupInline(admin.TabularInline):
    model = WorkshopGroup
    extra = 0
    fields = ("name", "position", "assessment")
    readonly_fields = ("assessment",)


@admin.register(Workshop)
class WorkshopAdmin(admin.ModelAdmin):
    """For support only: trainers run their workshops from the Workshops pages. Trainers are
    made by adding an account to the "Trainers" group (Users > the account > Groups)."""

    list_display = ("name", "trainer", "starts_at", "mode", "capacity", "closed_at")
    list_filter = ("mode",)
    search_fields = ("name", "trainer__email", "join_code")
    readonly_fields = ("join_code", "created_at", "closed_at", "revealed")
    raw_id_fields = ("trainer", "case_study")
    inlines = [GroupInline]


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ("user", "workshop", "group", "guest", "joined_at")
    raw_id_fields = ("user", "workshop", "group", "assessment")
    readonly_fields = ("browser_key_hash",)
