"""The knowledge admin: documents with their passage counts, listings filtered, nothing editable by hand."""

from __future__ import annotations

from django.urls import reverse

from synclead.knowledge.ingest import ingest_file
from synclead.knowledge.models import Document
from tests.knowledge.files import PARIS_RENTALS_EN


def test_documents_are_listed_with_counts_and_read_only(admin_client, org):
    ingest_file(org, "paris.csv", PARIS_RENTALS_EN.encode())
    document = Document.objects.get()

    page = admin_client.get(reverse("admin:knowledge_document_changelist")).content.decode()
    assert "paris.csv" in page
    assert '<td class="field-passages">3</td>' in page
    assert admin_client.get(reverse("admin:knowledge_document_add")).status_code == 403

    detail = admin_client.get(reverse("admin:knowledge_document_change", args=[document.pk])).content.decode()
    assert "Property to rent in Paris 9e" in detail  # the passages, shown read-only
    assert 'name="name"' not in detail


def test_listings_can_be_filtered(admin_client, org):
    ingest_file(org, "paris.csv", PARIS_RENTALS_EN.encode())
    url = reverse("admin:knowledge_listing_changelist")

    page = admin_client.get(url, {"kind__exact": "sale"}).content.decode()
    assert "S-201" in page
    assert "A-102" not in page
