"""Deliveries, read-only: operators look at what was sent and why one failed; nothing is edited by hand."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from synclead.web.organizations.admin import SuperuserOnlyAdmin

from .models import Delivery


@admin.register(Delivery)
class DeliveryAdmin(SuperuserOnlyAdmin):
    list_display = ["__str__", "lead", "attempts", "next_attempt_at", "sent_at", "created_at"]
    list_filter = ["status", "channel"]
    list_select_related = ["lead"]
    search_fields = ["target", "lead__phone", "lead__call__call_sid"]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        return [field.name for field in Delivery._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
