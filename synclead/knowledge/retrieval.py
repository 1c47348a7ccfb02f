"""Hybrid search over one organization's passages: lexical and semantic lists, fused by reciprocal rank.

Lexical search finds the caller's exact words (a street, "Visale", "état des lieux") that embeddings blur; the
multilingual embedding finds the answer when the words differ, in the other language too. Reciprocal rank fusion
(Cormack et al., 2009) needs no calibration between BM25 and cosine scales: each list votes 1 / (k + rank).

Both lists are filtered by organization inside their SQL; the same code runs on SQLite and PostgreSQL, only the
two list queries differ (see `dense` and `_lexical`).
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from django.db import connection

from synclead.agent.knowledge import Passage
from synclead.knowledge import dense, glossary, lexical
from synclead.knowledge.models import Passage as PassageRow
from synclead.providers.embeddings import Embedder, get_embedder

logger = logging.getLogger(__name__)

RRF_K = 60
# How deep each list goes before fusion: a passage ranked 20th by one list and 1st by the other can still win.
DEPTH = 20
# The question is embedded here while the calling thread runs the lexical query: both release the GIL (C engine,
# SQLite/libpq), so the search costs about the longer of the two instead of their sum. Embedding needs no database,
# so the calling thread keeps its connection (and its transaction) for every query.
_embedding_threads = ThreadPoolExecutor(max_workers=4, thread_name_prefix="synclead-embed")


@dataclass(frozen=True, slots=True)
class Hit:
    passage: Passage
    cosine: float | None  # similarity of question and passage, when the semantic list ranked it
    lexical_rank: int | None  # 1-based, None when not in that list
    dense_rank: int | None


@dataclass(frozen=True, slots=True)
class SearchResult:
    hits: list[Hit]
    # The raw cosine of the best semantic match, whether or not it won the fusion: a hint of whether the knowledge
    # base holds anything about the question at all. multilingual-e5's cosines are bunched: on the demo agency,
    # questions it answers scored 0.80 to 0.92 (median 0.86), off-topic ones 0.73 to 0.86 (median 0.81). Below
    # ~0.80 means "not in the documents"; above that it cannot tell alone. None when nothing is embedded.
    best_cosine: float | None

    @property
    def passages(self) -> list[Passage]:
        return [hit.passage for hit in self.hits]


def rrf(ranked_lists: list[list[int]], k: int = RRF_K) -> dict[int, float]:
    """Reciprocal rank fusion, scaled so a first place in every list scores 1.0 (a usable confidence)."""
    if not ranked_lists:
        return {}
    fused: dict[int, float] = {}
    for ranking in ranked_lists:
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + 1.0 / (k + rank)
    best_possible = len(ranked_lists) / (k + 1)
    return {item: score / best_possible for item, score in fused.items()}


def _lexical(organization_id: int, question: str, language: str, limit: int) -> list[int]:
    # The question's own words, and the glossary's words for the same notions in the other language.
    terms = lexical.query_words(question, language) + glossary.translations(question)
    if not terms:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT id FROM knowledge_passage, to_tsquery('simple', %s) q "
                "WHERE organization_id = %s AND search_vector @@ q "
                "ORDER BY ts_rank(search_vector, q, 1) DESC, id LIMIT %s",
                [lexical.tsquery(terms), organization_id, limit],
            )
        else:
            # The organization is required inside the MATCH expression (see `lexical.fts5_query`); joining the
            # passage table to filter again doubled the query's time at 10 000 passages, and `_rows` re-checks it.
            # bm25() is lower-is-better; the organization column's weight is 0 so it never adds to the score.
            cursor.execute(
                "SELECT rowid FROM knowledge_passage_fts WHERE knowledge_passage_fts MATCH %s "
                "ORDER BY bm25(knowledge_passage_fts, 1.0, 1.0, 0.0), rowid LIMIT %s",
                [lexical.fts5_query(organization_id, terms), limit],
            )
        return [row[0] for row in cursor.fetchall()]


def _rows(organization_id: int, ids: list[int]) -> dict[int, dict]:
    # Scoped again: whatever either list returned, only this organization's passages can come out.
    rows = PassageRow.objects.filter(organization_id=organization_id, id__in=ids).values(
        "id", "text", "heading", "position", "document__name"
    )
    return {row["id"]: row for row in rows}


def _wait_for(vector: Future[np.ndarray], model: str) -> np.ndarray | None:
    try:
        return vector.result()
    except Exception:
        # A remote model (mistral-embed) can time out or be down: the caller still gets what the words find.
        logger.exception("embedding the question with %s failed; searching by words only", model)
        return None


def search_result(
    organization_id: int,
    question: str,
    language: str = "en",
    limit: int = 3,
    embedder: Embedder | None = None,
) -> SearchResult:
    """The organization's passages that best answer `question`, best first, with how each list ranked them."""
    if not question.strip() or limit <= 0:
        return SearchResult([], None)
    embedder = embedder or get_embedder()
    depth = max(DEPTH, limit)
    vector = _embedding_threads.submit(embedder.embed_query, question)
    try:
        lexical_ids = _lexical(organization_id, question, language, depth)
    finally:
        query_vector = _wait_for(vector, embedder.name)
    nearest = dense.nearest(organization_id, query_vector, embedder.name, depth) if query_vector is not None else []
    dense_ids = [pid for pid, _ in nearest]
    cosines = dict(nearest)
    fused = rrf([lexical_ids, dense_ids])
    # Ties (same ranks, swapped) go to the closer meaning, then to the earlier passage.
    order = sorted(fused, key=lambda pid: (-fused[pid], -cosines.get(pid, -1.0), pid))[:limit]
    rows = _rows(organization_id, order)
    lexical_rank = {pid: rank for rank, pid in enumerate(lexical_ids, start=1)}
    dense_rank = {pid: rank for rank, pid in enumerate(dense_ids, start=1)}
    hits = [
        Hit(
            passage=Passage(
                document=rows[pid]["document__name"],
                text=rows[pid]["text"],
                score=round(fused[pid], 4),
                heading=rows[pid]["heading"],
                position=rows[pid]["position"],
            ),
            cosine=cosines.get(pid),
            lexical_rank=lexical_rank.get(pid),
            dense_rank=dense_rank.get(pid),
        )
        for pid in order
        if pid in rows  # deleted between the list queries and this one
    ]
    return SearchResult(hits, nearest[0][1] if nearest else None)


def search(organization_id: int, query: str, language: str = "en", limit: int = 3) -> list[Passage]:
    """The passages the agent sees: best first, `score` is the fused score in (0, 1]."""
    return search_result(organization_id, query, language, limit).passages
