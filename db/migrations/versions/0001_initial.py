"""Initial catalog schema: items, documents, mentions.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(1024), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("paper_url", sa.Text),
        sa.Column("github_url", sa.Text),
        sa.Column("summary", sa.Text),
        sa.Column("arxiv_id", sa.String(64)),
        sa.Column("arxiv_version", sa.Integer),
        sa.Column("task", sa.String(128)),
        sa.Column("architecture", sa.String(256)),
        sa.Column("variant", sa.String(256)),
        sa.Column("extra", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_items_key", "items", ["key"], unique=True)
    op.create_index("ix_items_kind", "items", ["kind"])
    op.create_index("ix_items_task", "items", ["task"])
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("repairs", sa.JSON, nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_documents_sha256", "documents", ["sha256"], unique=True)
    op.create_table(
        "mentions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("document_id", sa.Integer, sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.UniqueConstraint("document_id", "item_id", "role", name="uq_mention"),
    )
    op.create_index("ix_mentions_document_id", "mentions", ["document_id"])
    op.create_index("ix_mentions_item_id", "mentions", ["item_id"])


def downgrade() -> None:
    op.drop_table("mentions")
    op.drop_table("documents")
    op.drop_table("items")
