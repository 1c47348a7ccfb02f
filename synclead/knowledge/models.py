"""The knowledge base: documents an organization uploaded, the passages cut from them, and its listings.

Every row carries its organization, so every query can be scoped inside the query itself.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from synclead.web.organizations.models import Organization


class DocumentKind(models.TextChoices):
    MARKDOWN = "markdown", _("Markdown")
    TEXT = "text", _("Text")
    HTML = "html", _("HTML")
    PDF = "pdf", _("PDF")
    DOCX = "docx", _("Word")
    LISTINGS = "listings", _("Listings (CSV, Excel)")


class Document(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="documents")
    name = models.CharField(max_length=255, help_text="File name, unique within the organization.")
    kind = models.CharField(max_length=16, choices=DocumentKind.choices)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    # The original bytes, so the document can be re-indexed (new chunking, new embedding model) without the file.
    content = models.BinaryField()
    embedding_model = models.CharField(max_length=100, blank=True)
    # Column → field chosen when a listings file was imported, so a re-index reads the stored bytes the same way.
    listing_columns = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="unique_document_name")]

    def __str__(self) -> str:
        return self.name


class Passage(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="passages")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="passages")
    position = models.PositiveIntegerField(help_text="Order within the document.")
    heading = models.CharField(max_length=500, blank=True, help_text="The headings above it, joined by ' > '.")
    text = models.TextField()
    # float32 vector, normalised; on PostgreSQL a pgvector column mirrors it for the HNSW index.
    embedding = models.BinaryField(null=True)

    class Meta:
        ordering = ["document", "position"]
        indexes = [models.Index(fields=["organization", "document"])]

    def __str__(self) -> str:
        return f"{self.document.name} #{self.position}"


class ListingKind(models.TextChoices):
    RENT = "rent", _("To rent")
    SALE = "sale", _("For sale")


class Listing(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="listings")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="listings")
    reference = models.CharField(max_length=64)
    kind = models.CharField(max_length=8, choices=ListingKind.choices)
    city = models.CharField(max_length=100)
    district = models.CharField(max_length=100, blank=True)
    rooms = models.PositiveSmallIntegerField(null=True, blank=True)
    bedrooms = models.PositiveSmallIntegerField(null=True, blank=True)
    surface_m2 = models.FloatField(null=True, blank=True)
    price = models.PositiveIntegerField(help_text="Monthly rent without charges, or sale price, in euros.")
    charges = models.PositiveIntegerField(null=True, blank=True, help_text="Monthly charges, euros.")
    available_from = models.DateField(null=True, blank=True)
    available = models.BooleanField(default=True)
    features = models.JSONField(default=list, blank=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["price"]
        constraints = [models.UniqueConstraint(fields=["organization", "reference"], name="unique_listing_reference")]
        indexes = [models.Index(fields=["organization", "kind", "price"])]

    def __str__(self) -> str:
        return self.reference


class PendingImport(models.Model):
    """A listings file uploaded on the dashboard and shown as a preview, waiting for someone to confirm it."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="pending_imports")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(max_length=255)
    content = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.name


class OrganizationVocabulary(models.Model):
    """The names found in an organization's documents and listings, for its recogniser (`vocabulary.py`).

    Recomputed on every ingest; read once at each call's start.
    """

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="vocabulary")
    terms = models.JSONField(default=list, blank=True, help_text=_("Names the recogniser is told to expect."))
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.organization}: {len(self.terms)} terms"
