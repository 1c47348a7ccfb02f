"""The audit log in the admin: for SYNCLEAD's operators to search, never to edit."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from synclead.web.organizations.admin import SuperuserOnlyAdmin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(SuperuserOnlyAdmin):
    list_display = ["at", "organization", "actor", "action", "target", "detail", "ip"]
    list_filter = ["action", "organization"]
    search_fields = ["actor", "target", "ip"]
    date_hierarchy = "at"

    # A record that can be rewritten proves nothing.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
