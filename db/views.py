"""What the catalog hands out: plain dataclasses, never ORM rows.

Everything above `db` (the app, the CLI, the server) sees these; a session
closing or an attribute lazily loading can then never surprise a caller. Each
record type is defined here once, and its JSON form once, in `Record.as_dict`,
for the CLI's --json and the HTTP API alike (`modelkb.app`'s own records build
on these).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from db.models import Document, Item, Mention


class Record:
    """Base of the plain records (dataclasses): `as_dict()` is the JSON shape, field by
    field in declaration order, nested records and tuples as dicts and lists."""

    def as_dict(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}  # type: ignore[arg-type]


def _plain(value: Any) -> Any:
    if isinstance(value, Record):
        return value.as_dict()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class ItemView(Record):
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


@dataclass(frozen=True)
class Source(Record):
    """Provenance: a file an item was mentioned in, its role there, and the file's question."""

    path: str
    role: str
    position: int
    question: str


@dataclass(frozen=True)
class ItemDetail(ItemView):
    """An item with the files and questions it came from."""

    sources: tuple[Source, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class DocumentView(Record):
    """One ingested file."""

    id: int
    path: str
    sha256: str
    format: str
    question: str


@dataclass(frozen=True)
class CatalogStats(Record):
    """Counts of what the catalog holds."""

    documents: int = 0
    items: int = 0
    models: int = 0
    papers: int = 0
    mentions: int = 0


@dataclass
class IngestResult(Record):
    """What one file did to the catalog."""

    path: str
    status: str  # "new" | "unchanged"
    items_new: int = 0
    items_enriched: int = 0
    mentions: int = 0
    document_id: int | None = None


@dataclass(frozen=True)
class IndexRow:
    """An item as the search index needs it (its text is made from `item` and, for an item
    without a summary, the questions of the files that recommended it), SQL-free."""

    id: int
    item: ItemView
    questions: list[str] = field(default_factory=list)


def item_view(item: Item) -> ItemView:
    return ItemView(**{f.name: getattr(item, f.name) for f in fields(ItemView)})


def item_detail(item: Item) -> ItemDetail:
    """Needs `item.mentions` and their documents loaded (selectinload)."""
    sources = tuple(_source(m) for m in item.mentions)
    return ItemDetail(**item_view(item).__dict__, sources=sources)


def _source(m: Mention) -> Source:
    return Source(path=m.document.path, role=m.role, position=m.position, question=m.document.question)


def document_view(doc: Document) -> DocumentView:
    return DocumentView(**{f.name: getattr(doc, f.name) for f in fields(DocumentView)})
