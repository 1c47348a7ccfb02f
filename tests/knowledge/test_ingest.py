"""Ingesting into an organization's knowledge base: added, unchanged, replaced, deleted, re-indexed, refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

from synclead.knowledge import index
from synclead.knowledge.ingest import IngestError, IngestResult, delete_document, ingest_file, ingest_paths, reindex
from synclead.knowledge.models import Document, DocumentKind, Listing, Passage
from tests.knowledge.files import LYON_RENTALS_FR, PARIS_RENTALS_EN, docx_bytes, pdf_bytes

FEES = b"""# Fees

Rentals cost one month's rent, excluding charges. Sales cost four percent of the price.

## Deposit

The deposit is one month's rent for an unfurnished flat and two months for a furnished one.
"""
FEES_V2 = FEES.replace(b"four percent", b"five percent")


def _passages(org, name):
    return list(Passage.objects.filter(organization=org, document__name=name).order_by("position"))


def test_a_new_file_is_stored_cut_and_indexed(org, indexed):
    result = ingest_file(org, "fees.md", FEES)

    assert result == IngestResult("fees.md", "added", passages=2, listings=0)
    document = Document.objects.get(organization=org, name="fees.md")
    assert (document.kind, document.size, bytes(document.content)) == (DocumentKind.MARKDOWN, len(FEES), FEES)
    passages = _passages(org, "fees.md")
    assert [(p.position, p.heading) for p in passages] == [(0, "Fees"), (1, "Fees > Deposit")]
    assert passages[0].text == "Rentals cost one month's rent, excluding charges. Sales cost four percent of the price."
    # The indexer was handed exactly the rows just created, and stored their vectors.
    assert [[p.pk for p in call] for call in indexed] == [[p.pk for p in passages]]
    assert all(p.embedding for p in passages)
    assert document.embedding_model


def test_the_same_file_again_changes_nothing_in_one_query(org, indexed, django_assert_num_queries):
    ingest_file(org, "fees.md", FEES)
    before = [(p.pk, p.text) for p in _passages(org, "fees.md")]
    updated_at = Document.objects.get(name="fees.md").updated_at

    with django_assert_num_queries(1):
        result = ingest_file(org, "fees.md", FEES)

    assert result == IngestResult("fees.md", "unchanged", passages=2, listings=0)
    assert [(p.pk, p.text) for p in _passages(org, "fees.md")] == before
    assert Document.objects.get(name="fees.md").updated_at == updated_at
    assert len(indexed) == 1


def test_a_changed_file_replaces_its_passages(org, indexed):
    ingest_file(org, "fees.md", FEES)
    old_ids = {p.pk for p in _passages(org, "fees.md")}

    result = ingest_file(org, "fees.md", FEES_V2)

    assert result.status == "updated"
    passages = _passages(org, "fees.md")
    assert "five percent" in passages[0].text
    assert not old_ids & {p.pk for p in passages}
    assert Passage.objects.filter(pk__in=old_ids).count() == 0
    assert Document.objects.filter(organization=org).count() == 1
    assert bytes(Document.objects.get(name="fees.md").content) == FEES_V2


def test_delete_removes_the_document_its_passages_listings_and_index_entries(org):
    ingest_file(org, "fees.md", FEES)
    ingest_file(org, "paris.csv", PARIS_RENTALS_EN.encode())
    assert Listing.objects.filter(organization=org).count() == 3

    assert delete_document(org, "paris.csv") is True
    assert delete_document(org, "fees.md") is True

    assert not Document.objects.filter(organization=org).exists()
    assert not Passage.objects.filter(organization=org).exists()
    assert not Listing.objects.filter(organization=org).exists()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM knowledge_passage_fts WHERE knowledge_passage_fts MATCH 'deposit'")
            assert cursor.fetchone()[0] == 0
    assert delete_document(org, "fees.md") is False


def test_another_organizations_identical_file_is_its_own(org, other_org):
    ingest_file(org, "fees.md", FEES)
    assert ingest_file(other_org, "fees.md", FEES).status == "added"

    delete_document(org, "fees.md")

    assert [p.text for p in _passages(other_org, "fees.md")][1].startswith("The deposit")
    assert ingest_file(other_org, "fees.md", FEES).status == "unchanged"
    assert ingest_file(org, "fees.md", FEES).status == "added"


def test_listings_become_rows_and_sentences_in_the_organizations_language(org, other_org):
    result = ingest_file(org, "paris.csv", PARIS_RENTALS_EN.encode())
    assert result == IngestResult("paris.csv", "added", passages=3, listings=3)
    a102 = Listing.objects.get(organization=org, reference="A-102")
    assert (a102.kind, a102.district, a102.price, a102.charges, a102.features) == (
        "rent",
        "9e",
        1650,
        150,
        ["balcony", "lift"],
    )
    passage = _passages(org, "paris.csv")[0]
    assert passage.heading == "Listing A-102"
    assert passage.text.startswith("Property to rent in Paris 9e, 3 rooms (2 bedrooms), 58 m², 1,650 € per month")

    ingest_file(other_org, "lyon.csv", LYON_RENTALS_FR)
    assert _passages(other_org, "lyon.csv")[0].text.startswith("Logement à louer à Lyon 6e")
    assert Listing.objects.filter(organization=other_org).count() == 2


def test_reindex_rebuilds_from_the_stored_bytes(org):
    ingest_file(org, "fees.md", FEES)
    ingest_file(org, "paris.csv", PARIS_RENTALS_EN.encode())
    old_ids = set(Passage.objects.filter(organization=org).values_list("pk", flat=True))
    org.language = "fr"
    org.save()

    assert reindex(org) == 2

    assert not old_ids & set(Passage.objects.filter(organization=org).values_list("pk", flat=True))
    assert _passages(org, "paris.csv")[0].text.startswith("Logement à louer à Paris 9e")
    assert len(_passages(org, "fees.md")) == 2
    assert reindex(org, "fees.md") == 1
    with pytest.raises(IngestError, match="no document by this name"):
        reindex(org, "missing.md")


def test_a_stored_document_that_no_longer_reads_keeps_its_passages_on_reindex(org):
    ingest_file(org, "fees.md", FEES)
    ingest_file(org, "brochure.pdf", pdf_bytes([[("body", "Keys are collected at the office.")]]))
    kept = list(Passage.objects.filter(document__name="brochure.pdf").values_list("pk", flat=True))
    Document.objects.filter(name="brochure.pdf").update(content=b"%PDF-1.4\nnot any more")
    fees_before = {p.pk for p in _passages(org, "fees.md")}

    with pytest.raises(IngestError, match=r"brochure\.pdf: the PDF could not be read.* keeps its passages"):
        reindex(org)

    assert list(Passage.objects.filter(document__name="brochure.pdf").values_list("pk", flat=True)) == kept
    assert not fees_before & {p.pk for p in _passages(org, "fees.md")}  # the others were still rebuilt


# --- Bad input loses nothing --------------------------------------------------------------------------------------

BAD_PRICE_ON_LINE_7 = (
    "reference,kind,city,price\n" + "".join(f"R-{n},rent,Paris,1200\n" for n in range(1, 6)) + "R-6,rent,Paris,12O0\n"
).encode()


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("brochure.pdf", b"%PDF-1.4\n" + b"\x00garbage" * 100, "damaged"),
        ("fees.md", b"", "empty"),
        ("stock.csv", BAD_PRICE_ON_LINE_7, "line 7, column 'price': '12O0' is not a price"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_written(org, name, data, reason):
    ingest_file(org, "fees.md", FEES)
    before = list(Passage.objects.values_list("pk", "text"))

    with pytest.raises(IngestError) as caught:
        ingest_file(org, name, data)

    assert caught.value.name == name
    assert reason in str(caught.value)
    assert list(Document.objects.values_list("name", flat=True)) == ["fees.md"]
    assert list(Passage.objects.values_list("pk", "text")) == before
    assert not Listing.objects.exists()


def test_a_failure_while_indexing_rolls_everything_back(org, monkeypatch):
    ingest_file(org, "fees.md", FEES)
    before = list(Passage.objects.values_list("pk", "text"))

    def broken(passages):
        raise RuntimeError("embedding service down")

    monkeypatch.setattr(index, "index_passages", broken)
    with pytest.raises(RuntimeError):
        ingest_file(org, "fees.md", FEES_V2)
    with pytest.raises(RuntimeError):
        ingest_file(org, "paris.csv", PARIS_RENTALS_EN.encode())

    assert bytes(Document.objects.get(name="fees.md").content) == FEES
    assert list(Passage.objects.values_list("pk", "text")) == before
    assert not Listing.objects.exists()


def test_a_reference_already_in_another_file_is_refused(org, other_org):
    ingest_file(org, "paris.csv", PARIS_RENTALS_EN.encode())
    clash = b"reference,kind,city,price\nN-1,rent,Paris,900\nA-102,rent,Paris,900\n"

    with pytest.raises(IngestError, match=r"line 3: reference 'A-102' is already a listing of paris\.csv"):
        ingest_file(org, "more.csv", clash)
    assert not Document.objects.filter(name="more.csv").exists()
    # The same reference in another organization is no clash.
    assert ingest_file(other_org, "more.csv", clash).listings == 2


# --- Files and folders ----------------------------------------------------------------------------------------------


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "guides").mkdir()
    (tmp_path / ".git").mkdir()
    (tmp_path / "fees.md").write_bytes(FEES)
    (tmp_path / "guides" / "fees.md").write_bytes(FEES_V2)
    (tmp_path / "guides" / "agency.docx").write_bytes(docx_bytes())
    (tmp_path / "guides" / "hours.pdf").write_bytes(pdf_bytes([[("body", "Open Monday to Saturday.")]]))
    (tmp_path / "paris.csv").write_text(PARIS_RENTALS_EN)
    (tmp_path / ".git" / "notes.md").write_bytes(FEES)
    (tmp_path / ".hidden.md").write_bytes(FEES)
    (tmp_path / "guides" / "~$agency.docx").write_bytes(b"lock")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    (tmp_path / "pictures").mkdir()
    (tmp_path / "pictures" / "front.jpg").write_bytes(b"\xff\xd8\xff")
    return tmp_path


def test_a_folder_is_read_recursively_skipping_hidden_and_unsupported_files(org, folder):
    results = ingest_paths(org, [folder])

    assert [(r.name, r.status) for r in results] == [
        ("fees.md", "added"),
        ("guides/agency.docx", "added"),
        ("guides/fees.md", "added"),
        ("guides/hours.pdf", "added"),
        ("paris.csv", "added"),
    ]
    assert [r.status for r in ingest_paths(org, [folder])] == ["unchanged"] * 5
    assert ingest_paths(org, [folder / "fees.md"]) == [IngestResult("fees.md", "unchanged", 2, 0)]
    # A file and a folder together: the folder's files are named below it.
    names = [r.name for r in ingest_paths(org, [folder / "paris.csv", folder / "guides"])]
    assert names == ["paris.csv", "agency.docx", "fees.md", "hours.pdf"]


def test_one_bad_file_in_a_folder_means_nothing_is_written(org, folder):
    (folder / "guides" / "broken.pdf").write_bytes(b"%PDF-1.4\nnot really")

    with pytest.raises(IngestError, match=r"broken\.pdf"):
        ingest_paths(org, [folder])
    assert not Document.objects.exists()


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda root: [root / "missing.md"], "no such file or folder"),
        (lambda root: [root / "photo.jpg"], ".jpg files are not supported"),
        (lambda root: [root / "pictures"], "no Markdown, text, HTML, PDF, Word, CSV or Excel file in this folder"),
        (lambda root: [root / "fees.md", root / "guides" / "fees.md"], "two files would be stored under this name"),
    ],
)
def test_paths_that_cannot_be_ingested(org, folder, make, reason):
    with pytest.raises(IngestError, match=reason):
        ingest_paths(org, make(folder))
    assert not Document.objects.exists()
