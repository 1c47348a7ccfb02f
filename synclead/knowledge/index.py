"""Indexing passages for search: their embeddings, and on PostgreSQL their lexical and vector columns.

`index_passages` runs inside the ingest's transaction, so a document's passages become searchable together, or
not at all. On SQLite the FTS5 table follows `knowledge_passage` through triggers (migration 0002), so only the
embedding is written here.

Vectors from two models never meet in one search: `Document.embedding_model` names the model of its passages, and
search leaves out documents embedded by another model until they are re-indexed (`stale_documents` lists them).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.db import connection
from django.utils import timezone

from synclead.knowledge import lexical
from synclead.knowledge.models import Document, Passage
from synclead.providers.embeddings import Embedder, get_embedder

logger = logging.getLogger(__name__)

# The dimensions migration 0002 built an HNSW index for; another model's index is made the first time it is used.
_PREBUILT_HNSW = frozenset({384, 1024})
_hnsw_ready: set[int] = set()


def embedding_text(heading: str, text: str) -> str:
    """What is embedded for a passage: its headings too, as a short passage may not name its subject."""
    return f"{heading}\n{text}" if heading else text


def vector_literal(vector: np.ndarray) -> str:
    """pgvector's text form, so no adapter has to be registered on Django's connections."""
    return "[" + ",".join(f"{x:.7g}" for x in vector.tolist()) + "]"


def index_passages(passages: list[Passage], embedder: Embedder | None = None) -> None:
    """Embed freshly created passages and store their vectors; record the model on their documents."""
    if not passages:
        return
    embedder = embedder or get_embedder()
    vectors = embedder.embed_passages([embedding_text(p.heading, p.text) for p in passages])
    for passage, vector in zip(passages, vectors, strict=True):
        passage.embedding = vector.astype(np.float32).tobytes()
    Passage.objects.bulk_update(passages, ["embedding"], batch_size=500)
    if connection.vendor == "postgresql":
        store_postgres_columns(passages, vectors, embedder.dim)
    # updated_at changes too: it is part of the fingerprint that tells every process's dense cache to reload.
    document_ids = {p.document_id for p in passages}
    Document.objects.filter(id__in=document_ids).update(embedding_model=embedder.name, updated_at=timezone.now())
    for organization_id in {p.organization_id for p in passages}:
        stale = stale_documents(organization_id, embedder)
        if stale:
            logger.warning(
                "organization %s has %d document(s) embedded by another model (%s); they are left out of semantic "
                "search until re-indexed: synclead ingest --org %s --reindex",
                organization_id,
                len(stale),
                ", ".join(sorted(stale)[:5]),
                _slug(organization_id),
            )


def store_postgres_columns(passages: Sequence[Passage], vectors: np.ndarray, dim: int) -> None:
    """The pgvector column (for the HNSW index) and the folded words (for the GIN index) of saved passages."""
    _ensure_hnsw_index(dim)
    rows = [
        (vector_literal(vector), " ".join(lexical.terms(f"{p.heading} {p.text}")), p.id)
        for p, vector in zip(passages, vectors, strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE knowledge_passage SET embedding_vector = %s::vector, search_vector = to_tsvector('simple', %s) "
            "WHERE id = %s",
            rows,
        )


def _ensure_hnsw_index(dim: int) -> None:
    if dim in _PREBUILT_HNSW or dim in _hnsw_ready:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_class WHERE relname = %s", [f"knowledge_passage_hnsw_{dim}"])
        if cursor.fetchone() is None:
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS knowledge_passage_hnsw_{int(dim)} ON knowledge_passage "
                f"USING hnsw ((embedding_vector::vector({int(dim)})) vector_cosine_ops) "
                f"WHERE vector_dims(embedding_vector) = {int(dim)}"
            )
    _hnsw_ready.add(dim)


def stale_documents(organization_id: int, embedder: Embedder | None = None) -> list[str]:
    """Names of the organization's documents whose passages were embedded by another model (or not at all)."""
    name = (embedder or get_embedder()).name
    return list(
        Document.objects.filter(organization_id=organization_id, passages__isnull=False)
        .exclude(embedding_model=name)
        .values_list("name", flat=True)
        .distinct()
    )


@dataclass(frozen=True, slots=True)
class IndexStatus:
    model: str
    documents: int
    passages: int
    stale_documents: tuple[str, ...]

    @property
    def message(self) -> str:
        """A sentence for a person when something needs doing, else ""."""
        if not self.stale_documents:
            return ""
        return (
            f"{len(self.stale_documents)} document(s) were embedded by another model than {self.model} and are left "
            f"out of semantic search until re-indexed: {', '.join(self.stale_documents[:3])}"
            + ("…" if len(self.stale_documents) > 3 else "")
        )


def index_status(organization_id: int, embedder: Embedder | None = None) -> IndexStatus:
    embedder = embedder or get_embedder()
    return IndexStatus(
        model=embedder.name,
        documents=Document.objects.filter(organization_id=organization_id).count(),
        passages=Passage.objects.filter(organization_id=organization_id).count(),
        stale_documents=tuple(sorted(stale_documents(organization_id, embedder))),
    )


def _slug(organization_id: int) -> str:
    from synclead.web.organizations.models import Organization

    return Organization.objects.filter(pk=organization_id).values_list("slug", flat=True).first() or "SLUG"
