"""The operators' side: agencies, the numbers that reach them, and who may see their calls."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from .models import Membership, Organization, PhoneNumber


class SuperuserOnlyAdmin(admin.ModelAdmin):
    """Tenants' data is managed by SYNCLEAD's operators only.

    Agency staff use the dashboard, which scopes every query to their organizations; the admin does not, so a
    staff account that was granted model permissions by mistake must still not reach it.
    """

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_module_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_module_permission(request)


class PhoneNumberInline(admin.TabularInline):
    model = PhoneNumber
    extra = 1


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(SuperuserOnlyAdmin):
    list_display = ["name", "slug", "language", "phone_numbers", "created_at"]
    list_filter = ["language"]
    search_fields = ["name", "slug", "numbers__number"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [PhoneNumberInline, MembershipInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "language"]}),
        ("The agent", {"fields": ["greeting", "persona", "facts"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organization]:
        return super().get_queryset(request).prefetch_related("numbers")

    @admin.display(description="Phone numbers")
    def phone_numbers(self, organization: Organization) -> str:
        return ", ".join(number.number for number in organization.numbers.all()) or "—"
