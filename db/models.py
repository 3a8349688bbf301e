"""SQLAlchemy 2.x mapping of the catalog records: items, documents, mentions."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class Item(Base):
    """One model or paper, de-duplicated across every file by `key`."""

    __tablename__ = "items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(1024), unique=True, index=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(Text)
    paper_url: Mapped[str | None] = mapped_column(Text)
    github_url: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    arxiv_id: Mapped[str | None] = mapped_column(String(64))
    arxiv_version: Mapped[int | None] = mapped_column(Integer)
    task: Mapped[str | None] = mapped_column(String(128), index=True)
    architecture: Mapped[str | None] = mapped_column(String(256))
    variant: Mapped[str | None] = mapped_column(String(256))
    extra: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)

    mentions: Mapped[list[Mention]] = relationship(back_populates="item")


class Document(Base):
    """One ingested file; identical bytes (sha256) are ingested once."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    format: Mapped[str] = mapped_column(String(16))
    question: Mapped[str] = mapped_column(Text)
    repairs: Mapped[list] = mapped_column(JSON, default=list)
    ingested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    mentions: Mapped[list[Mention]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="Mention.position"
    )


class Mention(Base):
    """Provenance: item X appears in document D, in a role, at a position."""

    __tablename__ = "mentions"
    __table_args__ = (UniqueConstraint("document_id", "item_id", "role", name="uq_mention"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer)

    document: Mapped[Document] = relationship(back_populates="mentions")
    item: Mapped[Item] = relationship(back_populates="mentions")
