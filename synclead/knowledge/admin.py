"""The knowledge base as operators see it: documents with what was cut from them, and listings to filter.

Read-only: a document changes by ingesting its file again, so that its passages, listings and vectors always
come from one version of it (`synclead ingest`, or the dashboard's knowledge page).
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from synclead.knowledge.ingest import with_counts
from synclead.web.organizations.admin import SuperuserOnlyAdmin

from .models import Document, Listing, Passage


class ReadOnlyAdmin(SuperuserOnlyAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class PassageInline(admin.TabularInline):
    model = Passage
    fields = ["position", "heading", "text"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    classes = ["collapse"]

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ["name", "organization", "kind", "size", "passages", "listings", "embedding_model", "updated_at"]
    list_filter = ["kind", "organization"]
    list_select_related = ["organization"]
    search_fields = ["name", "organization__slug"]
    # The stored bytes are not shown: megabytes of PDF are no use on a page.
    fields = ["organization", "name", "kind", "size", "sha256", "embedding_model", "created_at", "updated_at"]
    readonly_fields = fields
    inlines = [PassageInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Document]:
        return with_counts(super().get_queryset(request))

    @admin.display(description="Passages", ordering="passage_count")
    def passages(self, document: Document) -> int:
        return document.passage_count  # type: ignore[attr-defined]

    @admin.display(description="Listings", ordering="listing_count")
    def listings(self, document: Document) -> int:
        return document.listing_count  # type: ignore[attr-defined]


@admin.register(Listing)
class ListingAdmin(ReadOnlyAdmin):
    list_display = [
        *("reference", "organization", "kind", "city", "district", "rooms", "bedrooms", "surface_m2"),
        *("price", "charges", "available_from", "available", "document"),
    ]
    list_filter = ["kind", "available", "organization", "city", "rooms"]
    list_select_related = ["organization", "document"]
    search_fields = ["reference", "city", "district", "description"]
