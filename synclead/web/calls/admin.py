"""Calls as the engine recorded them: searchable, with their transcript, and not to be rewritten."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from synclead.web.organizations.admin import SuperuserOnlyAdmin

from .models import Call, Utterance


class UtteranceInline(admin.TabularInline):
    """What was said is a record of the call; editing it here would make the transcript lie."""

    model = Utterance
    fields = ["at", "role", "text", "interrupted"]
    readonly_fields = ["at"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    @admin.display(description="At")
    def at(self, utterance: Utterance) -> str:
        minutes, seconds = divmod(utterance.start_ms // 1000, 60)
        return f"{minutes:02d}:{seconds:02d}"


@admin.register(Call)
class CallAdmin(SuperuserOnlyAdmin):
    list_display = [
        "call_sid",
        "organization",
        "from_number",
        "to_number",
        "status",
        "started_at",
        "duration_s",
    ]
    list_filter = ["status", "organization"]
    list_select_related = ["organization"]
    search_fields = ["call_sid", "from_number", "to_number"]
    date_hierarchy = "started_at"
    # What the carrier and the engine observed is read-only; operators may only fix the outcome of a call
    # (a status stuck at "in progress" after a crash, a summary). The stream token, a one-time secret, is not shown.
    fieldsets = [
        (None, {"fields": ["call_sid", "organization", "from_number", "to_number", "language"]}),
        ("Timing", {"fields": ["started_at", "stream_started_at", "ended_at", "duration_s"]}),
        ("Outcome", {"fields": ["status", "end_reason", "summary", "recording_url", "recording_duration_s"]}),
        ("Metrics", {"fields": ["metrics"], "classes": ["collapse"]}),
    ]
    readonly_fields = [
        "call_sid",
        "organization",
        "from_number",
        "to_number",
        "language",
        "started_at",
        "stream_started_at",
        "ended_at",
        "duration_s",
        "metrics",
    ]
    inlines = [UtteranceInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Calls come from the carrier; one made up by hand would have no audio and no carrier record.
        return False
