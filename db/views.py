"""What the catalog hands out: plain dataclasses, never ORM rows.

Everything above `db` (the app, the CLI, the server) sees these; a session
closing or an attribute lazily loading can then never surprise a caller, and
the JSON form (`as_dict`) is defined once for the CLI's --json and the HTTP API.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from db.models import Document, Item, Mention


@dataclass(frozen=True)
class ItemView:
    """One model or paper as stored."""

    key: str
    kind: str
    name: str
    paper_url: str | None
    github_url: str | None
    arxiv_id: str | None
    arxiv_version: int | None
    task: str | None
    architecture: str | None
    variant: str | None
    summary: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Source:
    """Provenance: a file an item was mentioned in, its role there, and the file's question."""

    path: str
    role: str
    position: int
    question: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ItemDetail(ItemView):
    """An item with the files and questions it came from."""

    sources: tuple[Source, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["sources"] = [s.as_dict() for s in self.sources]
        return d


@dataclass(frozen=True)
class DocumentView:
    """One ingested file."""

    id: int
    path: str
    sha256: str
    format: str
    question: str


@dataclass(frozen=True)
class CatalogStats:
    """Counts of what the catalog holds."""

    documents: int = 0
    items: int = 0
    models: int = 0
    papers: int = 0
    mentions: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def item_view(item: Item) -> ItemView:
    return ItemView(
        key=item.key, kind=item.kind, name=item.name, paper_url=item.paper_url, github_url=item.github_url,
        arxiv_id=item.arxiv_id, arxiv_version=item.arxiv_version, task=item.task,
        architecture=item.architecture, variant=item.variant, summary=item.summary,
    )


def item_detail(item: Item) -> ItemDetail:
    """Needs `item.mentions` and their documents loaded (selectinload)."""
    sources = tuple(_source(m) for m in item.mentions)
    return ItemDetail(**item_view(item).__dict__, sources=sources)


def _source(m: Mention) -> Source:
    return Source(path=m.document.path, role=m.role, position=m.position, question=m.document.question)


def document_view(doc: Document) -> DocumentView:
    return DocumentView(id=doc.id, path=doc.path, sha256=doc.sha256, format=doc.format, question=doc.question)
