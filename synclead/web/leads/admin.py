"""Leads, for operators who need to correct or reassign one; agencies follow them up in the dashboard."""

from __future__ import annotations

from django.contrib import admin

from synclead.web.organizations.admin import SuperuserOnlyAdmin

from .models import Lead


@admin.register(Lead)
class LeadAdmin(SuperuserOnlyAdmin):
    list_display = ["__str__", "phone", "intent", "urgency", "follow_up", "organization", "created_at"]
    list_filter = ["follow_up", "urgency", "source", "organization"]
    list_select_related = ["organization"]
    search_fields = ["name", "phone", "email", "call__call_sid"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["call"]
    # Set by the post-call job only; as an editable field it would also list every lead in one select.
    readonly_fields = ["created_at", "grouped_into"]
