"""Hybrid search over an organization's passages, and the listing search, on whichever database the tests use.

Run on PostgreSQL too: SYNCLEAD_DATABASE_URL=$(python scripts/embedded_pg.py start /tmp/pg) pytest tests/knowledge
"""

from __future__ import annotations

import asyncio
import gc

import numpy as np
import pytest
from django.db import connection

from synclead.agent.knowledge import ListingCriteria
from synclead.knowledge import dense, glossary, lexical, retrieval
from synclead.knowledge.index import index_status
from synclead.knowledge.ingest import delete_document, ingest_file
from synclead.knowledge.models import Document, Passage
from synclead.knowledge.store import OrganizationKnowledge, find_listings
from synclead.providers.embeddings import get_embedder
from synclead.web.organizations.models import Organization

FEES = b"""# Fees

## Rental fees
Tenants pay 12 euros per square metre for the viewing, the application and the lease, plus 3 euros per square
metre for the inventory.

## Sales
Our commission on a sale is 4 % of the price, paid by the seller.
"""
KITCHEN = "# L'appartement\n\nCuisine entièrement ÉQUIPÉE, parquet en chêne, salle d'eau refaite à neuf.\n".encode()
HOURS = b"# Opening hours\n\nWe are open Monday to Friday from 9:00 to 19:00 and on Saturday from 10:00 to 17:00.\n"

LISTINGS = """reference;kind;city;district;rooms;bedrooms;surface_m2;price;charges;available_from;features;description
R1;location;Paris;9e - Saint-Georges;2;1;42;1390;110;immédiatement;balcon|ascenseur;Deux-pièces avec balcon.
R2;location;Paris;18e - Montmartre;1;0;24;890;60;;meublé;Studio meublé.
R3;location;Paris;9e - Pigalle;1;0;30;1080;70;;ascenseur;Grand studio.
R4;location;Paris;11e - Oberkampf;2;1;38;1290;90;loué;balcon;Déjà loué.
R5;location;Paris;17e - Batignolles;4;3;88;2890;240;;parking|gardien;Familial.
S1;vente;Paris;9e - Notre-Dame-de-Lorette;3;2;61;655000;;;cave;Haussmannien.
S2;vente;Boulogne-Billancourt;;6;4;140;1450000;;;jardin|garage;Maison.
S3;vente;Paris;9e - Saint-Georges;4;2;84;890000;;vendu;ascenseur;Vendu.
""".encode()


@pytest.fixture
def agency_a(db) -> Organization:
    return Organization.objects.create(slug="agency-a", name="Agency A")


@pytest.fixture
def agency_b(db) -> Organization:
    return Organization.objects.create(slug="agency-b", name="Agency B", language="fr")


def _passage_ids(organization: Organization, document: str) -> set[int]:
    return set(Passage.objects.filter(organization=organization, document__name=document).values_list("id", flat=True))


def _dense_ids(organization: Organization, question: str) -> list[int]:
    embedder = get_embedder()
    return [pid for pid, _ in dense.nearest(organization.pk, embedder.embed_query(question), embedder.name, 50)]


# ---- scoping --------------------------------------------------------------------------------------------------


def test_another_organizations_identical_passage_is_never_found(agency_a, agency_b):
    ingest_file(agency_a, "a-fees.md", FEES)
    ingest_file(agency_b, "b-fees.md", FEES)
    question = "How much are the rental fees per square metre?"

    found = retrieval.search(agency_a.pk, question, "en", limit=10)

    assert found and {p.document for p in found} == {"a-fees.md"}
    b_ids = _passage_ids(agency_b, "b-fees.md")
    assert not b_ids & set(retrieval._lexical(agency_a.pk, question, "en", 50))
    assert not b_ids & set(_dense_ids(agency_a, question))
    assert {p.document for p in retrieval.search(agency_b.pk, question, "en", limit=10)} == {"b-fees.md"}


def test_search_syntax_in_a_question_cannot_widen_the_search(agency_a, agency_b):
    ingest_file(agency_a, "hours.md", HOURS)
    ingest_file(agency_b, "b-fees.md", FEES)
    other = agency_b.pk
    for question in [
        f'fees" OR organization_id : "{other}',
        "fees OR *",
        'NEAR("fees" "sale") -- ;',
        "(((",
        "'fees' | 'sale' & !",
    ]:
        found = retrieval.search(agency_a.pk, question, "en", limit=5)
        assert {p.document for p in found} <= {"hours.md"}


def test_a_deleted_document_leaves_both_indexes(agency_a):
    ingest_file(agency_a, "fees.md", FEES)
    ingest_file(agency_a, "hours.md", HOURS)
    ids = _passage_ids(agency_a, "fees.md")
    question = "commission on a sale"
    assert ids & set(retrieval._lexical(agency_a.pk, question, "en", 50))
    assert ids & set(_dense_ids(agency_a, question))

    assert delete_document(agency_a, "fees.md")

    assert not Passage.objects.filter(id__in=ids).exists()
    assert not ids & set(retrieval._lexical(agency_a.pk, question, "en", 50))
    assert not ids & set(_dense_ids(agency_a, question))
    assert "fees.md" not in {p.document for p in retrieval.search(agency_a.pk, question, "en", limit=10)}
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM knowledge_passage_fts WHERE knowledge_passage_fts MATCH 'commission'")
            assert cursor.fetchone()[0] == 0


def test_the_search_indexes_exist(db):
    # A later migration that rebuilds knowledge_passage on SQLite would drop the FTS triggers silently: this fails.
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'knowledge_passage'")
            assert {row[0] for row in cursor.fetchall()} == {
                "knowledge_passage_fts_insert",
                "knowledge_passage_fts_delete",
                "knowledge_passage_fts_update",
            }
        else:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'knowledge_passage'")
            names = {row[0] for row in cursor.fetchall()}
            assert {
                "knowledge_passage_search_gin",
                "knowledge_passage_hnsw_384",
                "knowledge_passage_hnsw_1024",
            } <= names


# ---- lexical ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("question", ["cuisine equipee", "CUISINE ÉQUIPÉE", "cuisine équipée", "Equipee ?"])
def test_accents_and_case_do_not_matter(agency_a, question):
    ingest_file(agency_a, "flat.md", KITCHEN)
    assert retrieval._lexical(agency_a.pk, question, "fr", 5) == sorted(_passage_ids(agency_a, "flat.md"))


def test_the_glossary_finds_words_written_in_the_other_language(agency_a):
    french = "# Dossier\n\nFournissez vos trois derniers bulletins de salaire et votre avis d'imposition.\n"
    ingest_file(agency_a, "dossier.md", french.encode())
    assert "bulletin de salaire" in glossary.translations("How many payslips do I need?")
    assert retrieval._lexical(agency_a.pk, "How many payslips do I need?", "en", 5) == sorted(
        _passage_ids(agency_a, "dossier.md")
    )


def test_question_words_drop_filler_and_keep_meaning():
    assert lexical.query_words("What are your opening hours on Saturday?", "en") == ["opening", "hours", "saturday"]
    assert lexical.query_words("Est-ce que l'assurance est obligatoire ?", "fr") == ["assurance", "obligatoire"]
    assert lexical.terms("Bureaux équipés") == ["bureau", "equipe"]


# ---- fusion -------------------------------------------------------------------------------------------------------


def test_reciprocal_rank_fusion_prefers_agreement_and_scales_to_one():
    fused = retrieval.rrf([[1, 2, 3], [2, 1, 4]])
    assert fused[1] == pytest.approx(fused[2])
    assert max(fused.values()) < 1.0
    assert fused[1] > fused[3] and fused[1] > fused[4]
    assert retrieval.rrf([[7], [7]])[7] == pytest.approx(1.0)
    # A passage both lists rank second beats one only a single list ranks first.
    assert retrieval.rrf([[1, 2], [3, 2]])[2] > retrieval.rrf([[1, 2], [3, 2]])[1]


def test_results_come_best_first_with_the_best_cosine(agency_a):
    ingest_file(agency_a, "fees.md", FEES)
    ingest_file(agency_a, "hours.md", HOURS)

    result = retrieval.search_result(agency_a.pk, "When are you open on Saturday?", "en", limit=3)

    assert result.passages[0].document == "hours.md"
    assert result.hits[0].lexical_rank == 1 and result.hits[0].dense_rank == 1
    assert result.passages[0].score == pytest.approx(1.0)
    scores = [p.score for p in result.passages]
    assert scores == sorted(scores, reverse=True) and all(0 < s <= 1 for s in scores)
    assert result.best_cosine == pytest.approx(max(h.cosine for h in result.hits if h.cosine is not None))


def test_an_empty_question_or_knowledge_base_finds_nothing(agency_a):
    assert retrieval.search(agency_a.pk, "opening hours", "en") == []
    ingest_file(agency_a, "hours.md", HOURS)
    assert retrieval.search(agency_a.pk, "  ", "en") == []
    assert retrieval.search(agency_a.pk, "the of and", "en", limit=1)  # no words left, but meaning still searched


def test_a_failing_embedding_model_leaves_the_lexical_list(agency_a, caplog):
    ingest_file(agency_a, "hours.md", HOURS)

    class Down:
        name, dim = get_embedder().name, get_embedder().dim

        def embed_query(self, text: str) -> np.ndarray:
            raise TimeoutError("mistral-embed did not answer")

    result = retrieval.search_result(agency_a.pk, "opening hours on Saturday", "en", embedder=Down())

    assert [p.document for p in result.passages] == ["hours.md"]
    assert result.best_cosine is None and result.hits[0].dense_rank is None
    assert "searching by words only" in caplog.text


# ---- embedding model changes --------------------------------------------------------------------------------------


def test_documents_embedded_by_another_model_are_left_out_and_reported(agency_a):
    ingest_file(agency_a, "fees.md", FEES)
    ingest_file(agency_a, "hours.md", HOURS)
    Document.objects.filter(name="fees.md").update(embedding_model="some-other-model")

    assert not _passage_ids(agency_a, "fees.md") & set(_dense_ids(agency_a, "commission on a sale"))
    status = index_status(agency_a.pk)
    assert status.stale_documents == ("fees.md",)
    assert "fees.md" in status.message
    # Still found by its words.
    assert "fees.md" in {p.document for p in retrieval.search(agency_a.pk, "commission", "en", limit=3)}


def test_stored_vectors_are_unit_float32_of_the_models_dimension(agency_a):
    ingest_file(agency_a, "fees.md", FEES)
    embedder = get_embedder()
    for blob in Passage.objects.filter(organization=agency_a).values_list("embedding", flat=True):
        vector = np.frombuffer(bytes(blob), dtype=np.float32)
        assert vector.shape == (embedder.dim,)
        assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-4)
    assert set(Document.objects.filter(organization=agency_a).values_list("embedding_model", flat=True)) == {
        embedder.name
    }


# ---- the dense cache (outside a test transaction, as in production) ---------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_dense_cache_follows_ingests_and_deletions():
    dense.clear_cache()
    organization = Organization.objects.create(slug="cached", name="Cached")
    ingest_file(organization, "hours.md", HOURS)
    first = _dense_ids(organization, "opening hours")
    assert first == sorted(_passage_ids(organization, "hours.md"))

    ingest_file(organization, "fees.md", FEES)
    assert _passage_ids(organization, "fees.md") <= set(_dense_ids(organization, "opening hours"))

    delete_document(organization, "hours.md")
    assert not set(first) & set(_dense_ids(organization, "opening hours"))


@pytest.fixture
def committed_agency(transactional_db) -> Organization:
    """Committed rows, as the worker threads' own connections can only see those."""
    organization = Organization.objects.create(slug="committed", name="Committed")
    ingest_file(organization, "hours.md", HOURS)
    ingest_file(organization, "listings.csv", LISTINGS)
    return organization


async def test_organization_knowledge_answers_from_the_event_loop(committed_agency):
    organization = committed_agency
    knowledge = OrganizationKnowledge(organization.pk)

    passages, listings = await asyncio.gather(
        knowledge.search("Are you open on Saturday?", "en", limit=2),
        knowledge.search_listings(ListingCriteria(kind="rent", area="9e"), limit=5),
    )

    assert passages[0].document == "hours.md"
    assert [listing.reference for listing in listings] == ["R3", "R1"]
    # The worker threads hold database connections of their own: ending them closes those, so the test database
    # can be dropped at the end of the run.
    await asyncio.get_running_loop().shutdown_default_executor()
    gc.collect()


# ---- listings --------------------------------------------------------------------------------------------------


def _refs(organization: Organization, limit: int = 10, **criteria) -> list[str]:
    return [listing.reference for listing in find_listings(organization.pk, ListingCriteria(**criteria), limit)]


def test_listings_are_available_only_and_cheapest_first(agency_a):
    ingest_file(agency_a, "listings.csv", LISTINGS)
    assert _refs(agency_a, kind="rent") == ["R2", "R3", "R1", "R5"]  # R4 is let
    assert _refs(agency_a, kind="sale") == ["S1", "S2"]  # S3 is sold
    assert _refs(agency_a, kind="rent", limit=2) == ["R2", "R3"]


def test_a_rent_budget_includes_the_charges(agency_a):
    ingest_file(agency_a, "listings.csv", LISTINGS)
    # R1: 1 390 € rent + 110 € charges = 1 500 €: over a 1 450 € budget although its rent alone is under it.
    assert _refs(agency_a, kind="rent", max_price=1450) == ["R2", "R3"]
    assert _refs(agency_a, kind="rent", max_price=1500) == ["R2", "R3", "R1"]
    assert _refs(agency_a, kind="sale", max_price=700_000) == ["S1"]


@pytest.mark.parametrize("area", ["9e", "9ème", "9eme", "ninth", "the 9th", "Paris 9", "75009", "neuvième", "IXe"])
def test_an_arrondissement_said_any_way(agency_a, area):
    ingest_file(agency_a, "listings.csv", LISTINGS)
    assert _refs(agency_a, kind="rent", area=area) == ["R3", "R1"]


def test_areas_by_name_and_city(agency_a):
    ingest_file(agency_a, "listings.csv", LISTINGS)
    assert _refs(agency_a, area="Montmartre") == ["R2"]
    assert _refs(agency_a, area="montmartre 18e") == ["R2"]
    assert _refs(agency_a, area="Boulogne-Billancourt") == ["S2"]
    assert _refs(agency_a, area="Lyon 9e") == []
    assert _refs(agency_a, kind="sale", area="Paris") == ["S1"]


def test_rooms_bedrooms_surface_and_features(agency_a):
    ingest_file(agency_a, "listings.csv", LISTINGS)
    assert _refs(agency_a, kind="rent", min_rooms=2) == ["R1", "R5"]
    assert _refs(agency_a, min_bedrooms=3) == ["R5", "S2"]
    assert _refs(agency_a, kind="rent", min_surface_m2=30) == ["R3", "R1", "R5"]
    assert _refs(agency_a, kind="rent", features=("lift",)) == ["R3", "R1"]
    assert _refs(agency_a, kind="rent", features=("balcony", "elevator")) == ["R1"]
    assert _refs(agency_a, features=("garden",)) == ["S2"]
    assert _refs(agency_a, kind="rent", features=("furnished",)) == ["R2"]


def test_listings_stay_within_their_organization(agency_a, agency_b):
    ingest_file(agency_b, "listings.csv", LISTINGS)
    assert _refs(agency_a) == []
    listing = find_listings(agency_b.pk, ListingCriteria(kind="rent", area="Pigalle"))[0]
    assert (listing.reference, listing.price, listing.charges, listing.available) == ("R3", 1080, 70, "now")
    assert listing.features == ("ascenseur",)
