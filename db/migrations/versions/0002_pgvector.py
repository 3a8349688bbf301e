"""pgvector on PostgreSQL: the extension, embedding_models and item_vectors (db/vector_schema.py).

SQLite: nothing (its index is the FAISS folder beside the file). PostgreSQL
without pgvector (or without the right to create it): nothing either; the
catalog then keeps a local FAISS index, and `db.vector_store` creates the
tables on a later open once the extension is there.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    from db.vector_schema import ensure_vector_schema

    ensure_vector_schema(conn)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    from db.vector_schema import drop_vector_schema

    drop_vector_schema(conn)
