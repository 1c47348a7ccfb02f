"""The knowledge base: documents an organization uploaded, the passages cut from them, and its listings.

Every row carries its organization, so every query can be scoped inside the query itself.
"""

from __future__ import annotations

from django.db import models

from synclead.web.organizations.models import Organization


class DocumentKind(models.TextChoices):
    MARKDOWN = "markdown", "Markdown"
    TEXT = "text", "Text"
    HTML = "html", "HTML"
    PDF = "pdf", "PDF"
    DOCX = "docx", "Word"
    LISTINGS = "listings", "Listings (CSV)"


class Document(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="documents")
    name = models.CharField(max_length=255, help_text="File name, unique within the organization.")
    kind = models.CharField(max_length=16, choices=DocumentKind.choices)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    # The original bytes, so the document can be re-indexed (new chunking, new embedding model) without the file.
    content = models.BinaryField()
    embedding_model = models.CharField(max_length=100, blank=True)
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
    RENT = "rent", "To rent"
    SALE = "sale", "For sale"


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
