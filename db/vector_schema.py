"""The pgvector tables of a PostgreSQL catalog: one definition, used by the
Alembic migration and, when pgvector arrives after the migration ran, on open.

`embedding_models` names each embedding model once (id, name, dimension);
`item_vectors` holds one row per (model, item): the content hash of the
embedded text (unchanged texts are never re-embedded), the unit vector, the
BM25 lexemes as a `tsvector` (positions = term frequencies) and the text's
token count. Vectors are stored untyped (`vector`, any dimension) so that
several models can share the table; the HNSW index is per model
(`ix_item_vectors_hnsw_<model id>`: a partial expression index on
`embedding::halfvec(dim)`), created by `db.vector_store` when that model first
writes, because the dimension comes from the embedder, not from the schema.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

EXTENSION = "vector"
TABLES = frozenset({"embedding_models", "item_vectors"})  # ours: never "foreign" to a catalog

_DDL = (
    """
    CREATE TABLE IF NOT EXISTS embedding_models (
        id serial PRIMARY KEY,
        name text NOT NULL UNIQUE,
        dimension integer NOT NULL CHECK (dimension > 0)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS item_vectors (
        model_id integer NOT NULL REFERENCES embedding_models(id) ON DELETE CASCADE,
        item_id integer NOT NULL REFERENCES items(id) ON DELETE CASCADE,
        content_hash varchar(64) NOT NULL,
        embedding vector NOT NULL,
        lexemes tsvector NOT NULL,
        doc_len integer NOT NULL,
        PRIMARY KEY (model_id, item_id)
    )
    """,
    "CREATE INDEX IF NOT EXISTS ix_item_vectors_item_id ON item_vectors (item_id)",
    "CREATE INDEX IF NOT EXISTS ix_item_vectors_lexemes ON item_vectors USING gin (lexemes)",
)


def pgvector_installable(conn: Connection) -> bool:
    """True when this PostgreSQL server ships the pgvector extension (installed or not)."""
    return bool(conn.execute(
        text("SELECT 1 FROM pg_available_extensions WHERE name = :n"), {"n": EXTENSION}
    ).first())


def pgvector_installed(conn: Connection) -> bool:
    """True when pgvector is created in this database."""
    return bool(conn.execute(text("SELECT 1 FROM pg_extension WHERE extname = :n"), {"n": EXTENSION}).first())


def tables_exist(conn: Connection) -> bool:
    return conn.execute(text("SELECT to_regclass('item_vectors') IS NOT NULL")).scalar() is True


def ensure_vector_schema(conn: Connection) -> str | None:
    """Create the extension, tables and indexes if missing (idempotent).

    Returns None when done, else why not (no pgvector on the server, or no
    permission to create it): the caller then keeps the local FAISS index.
    Runs in a savepoint, so a refusal leaves the caller's transaction usable.
    """
    if conn.dialect.name != "postgresql":
        return "not a PostgreSQL database"
    if not pgvector_installed(conn):
        if not pgvector_installable(conn):
            return "the PostgreSQL server has no pgvector extension"
        try:
            with conn.begin_nested():
                conn.execute(text(f"CREATE EXTENSION IF NOT EXISTS {EXTENSION}"))
        except Exception as exc:  # noqa: BLE001 - e.g. permission denied: say so, keep the catalog usable
            first = str(getattr(exc, "orig", exc)).strip().splitlines()
            return f"CREATE EXTENSION vector failed ({first[0] if first else type(exc).__name__})"
    with conn.begin_nested():
        for stmt in _DDL:
            conn.execute(text(stmt))
    return None


def drop_vector_schema(conn: Connection) -> None:
    conn.execute(text("DROP TABLE IF EXISTS item_vectors"))
    conn.execute(text("DROP TABLE IF EXISTS embedding_models"))
