"""The catalog: one transaction per file in, read queries out."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import fields

from catalog.normalize import looks_like_url, parse_arxiv
from catalog.records import ItemRecord, ParsedDocument, ParsedItem
from sqlalchemy import Engine, func, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from db.engine import CatalogStoppedError, is_read_only, make_engine, upgrade
from db.enrich import enrich, new_item, to_record
from db.models import Document, Item, Mention, utcnow
from db.views import (
    CatalogStats, DocumentView, IndexRow, IngestResult, ItemDetail, ItemView, document_view, item_detail, item_view,
)


def _link_form(url: str) -> str:
    """A link as compared: no scheme, no `www.`, lower case, no trailing slash or `.git`."""
    text = re.sub(r"^(?:https?://)?(?:www\.)?", "", url.strip().casefold())
    return re.sub(r"(?:\.git)?/*$", "", text)


#: Records per transaction of a bulk (JSONL) import: what a kill can cost at most.
BULK_BATCH = 5000

#: What `Catalog.change_stamp` reads: every part is an index lookup (items.updated_at is
#: indexed since migration 0003) or a count, so it stays well under a millisecond at 100k items.
_CHANGE_STAMP_SQL = (
    f"SELECT (SELECT count(*) FROM {Item.__tablename__}), (SELECT max(id) FROM {Item.__tablename__}), "
    f"(SELECT max(updated_at) FROM {Item.__tablename__}), (SELECT count(*) FROM {Document.__tablename__}), "
    f"(SELECT max(id) FROM {Document.__tablename__})"
)

#: The columns of an `ItemView`, in its field order (plain-row reads build views from them).
_VIEW_COLUMNS = tuple(getattr(Item, f.name) for f in fields(ItemView))


class Catalog:
    """The SQL catalog behind a SQLAlchemy URL."""

    def __init__(self, url: str, notify: Callable[[str], None] | None = None):
        self.url = url
        self.engine: Engine = make_engine(url)
        try:
            upgrade(self.engine, notify=notify)
        except BaseException:
            self.engine.dispose()  # no pooled connection left behind (PostgreSQL)
            raise
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(
            self.engine.execution_options(write=True), expire_on_commit=False
        )

    def session(self) -> Session:
        return self._sessions()

    def close(self) -> None:
        self.engine.dispose()

    # -- writing -----------------------------------------------------------

    @property
    def read_only(self) -> bool:
        """True when the catalog was opened read-only (it cannot be written here)."""
        return is_read_only(self.engine)

    def ingest(self, doc: ParsedDocument, attempts: int = 5) -> IngestResult:
        """Store one parsed file atomically; identical bytes are a no-op.

        Retries when a concurrent writer inserted the same item or document
        first (unique violation) or held the lock too long. A full disk or a
        read-only catalog is not retried: CatalogStoppedError, since no later
        file can succeed either.
        """
        return self._write(lambda session: self._ingest(session, doc), attempts)

    def ingest_bulk(
        self, doc: ParsedDocument, batch: int = BULK_BATCH, progress: Callable[[int], None] | None = None
    ) -> IngestResult:
        """Store a big file (a JSONL import) in batches, so a kill loses at most one batch.

        Items go in first, `batch` records per transaction (idempotent: an item already
        stored is found and enriched, never duplicated); then the document row and all
        its mentions in one last transaction. The document row therefore marks a
        complete import: until it exists, a rerun goes through the file again, finds
        the items of the committed batches in place and carries on. `progress(n)` is
        called after each batch with its number of records. A file of at most one
        batch is one transaction, like `ingest`.
        """
        with self.session() as s:
            existing = s.scalar(select(Document.id).where(Document.sha256 == doc.sha256))
        if existing is not None or len(doc.items) <= batch:
            result = self.ingest(doc) if existing is None else IngestResult(doc.path, "unchanged", document_id=existing)
            if progress:
                progress(len(doc.items))
            return result
        result = IngestResult(doc.path, "new")
        seen: set[str] = set()
        for start in range(0, len(doc.items), batch):
            part = doc.items[start : start + batch]

            def one_batch(session: Session, part: Sequence[ParsedItem] = part) -> IngestResult:
                counts = IngestResult(doc.path, "new")  # fresh per attempt: a retry counts once
                self._upsert(session, part, counts, set(seen))
                return counts

            counts = self._write(one_batch)
            seen.update(p.item.key for p in part)
            result.items_new += counts.items_new
            result.items_enriched += counts.items_enriched
            if progress:
                progress(len(part))
        done = self._write(lambda session: self._bulk_document(session, doc))
        result.status, result.mentions, result.document_id = done.status, done.mentions, done.document_id
        if done.status == "unchanged":  # a concurrent import of the same file finished first
            result.items_new = result.items_enriched = 0
        return result

    def _write(self, work: Callable[[Session], IngestResult], attempts: int = 5) -> IngestResult:
        """Run `work` in one write transaction, retried on a concurrent writer's
        unique violation or a lock held too long."""
        if self.read_only:
            raise CatalogStoppedError(
                f"cannot write the catalog {self.url_for_display}: it is read-only here (it can be read, not changed)"
            )
        for attempt in range(attempts):
            try:
                with self._write_sessions() as session, session.begin():
                    return work(session)
            except (IntegrityError, OperationalError) as exc:
                stop = _stop_reason(exc)
                if stop:
                    raise CatalogStoppedError(f"cannot write the catalog {self.url_for_display}: {stop}") from exc
                if attempt == attempts - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    @property
    def url_for_display(self) -> str:
        """The catalog's URL without its password."""
        from sqlalchemy.engine import make_url

        return make_url(self.url).render_as_string(hide_password=True)

    def _ingest(self, session: Session, doc: ParsedDocument) -> IngestResult:
        existing = session.scalar(select(Document).where(Document.sha256 == doc.sha256))
        if existing is not None:
            return IngestResult(doc.path, "unchanged", document_id=existing.id)
        document = _document(doc)
        session.add(document)
        result = IngestResult(doc.path, "new")
        items = self._upsert(session, doc.items, result, set())
        mentioned: set[tuple[str, str]] = set()
        for parsed in doc.items:
            rec = parsed.item
            if (rec.key, parsed.role) in mentioned:
                continue
            mentioned.add((rec.key, parsed.role))
            session.add(Mention(document=document, item=items[rec.key], role=parsed.role, position=parsed.position))
            result.mentions += 1
        session.flush()
        result.document_id = document.id
        return result

    def _upsert(
        self, session: Session, parsed_items: Sequence[ParsedItem], result: IngestResult, seen: set[str]
    ) -> dict[str, Item]:
        """Insert new items, enrich stored ones; counts go to `result`. `seen`: keys this
        file already counted (an item new or enriched earlier in the file counts once)."""
        items: dict[str, Item] = {}
        stored = self._stored_items(session, [parsed.item.key for parsed in parsed_items])
        for parsed in parsed_items:
            rec = parsed.item
            item = items.get(rec.key) or stored.get(rec.key)
            if item is None:
                item = new_item(rec)
                session.add(item)
                result.items_new += 1
            elif enrich(item, rec):
                item.updated_at = utcnow()
                if rec.key not in seen:
                    result.items_enriched += 1
            seen.add(rec.key)
            items[rec.key] = item
        return items

    def _bulk_document(self, session: Session, doc: ParsedDocument, chunk: int = 5000) -> IngestResult:
        """The document row and its mentions, for items `ingest_bulk` already stored
        (plain INSERTs in chunks: no ORM object per mention)."""
        existing = session.scalar(select(Document.id).where(Document.sha256 == doc.sha256))
        if existing is not None:
            return IngestResult(doc.path, "unchanged", document_id=existing)
        document = _document(doc)
        session.add(document)
        session.flush()
        keys = sorted({parsed.item.key for parsed in doc.items})
        ids: dict[str, int] = {}
        for start in range(0, len(keys), 500):
            part = keys[start : start + 500]
            ids.update((key, item_id) for key, item_id in session.execute(select(Item.key, Item.id).where(Item.key.in_(part))))
        rows, mentioned = [], set()
        for parsed in doc.items:
            pair = (parsed.item.key, parsed.role)
            if pair in mentioned:
                continue
            mentioned.add(pair)
            rows.append({"document_id": document.id, "item_id": ids[parsed.item.key],
                         "role": parsed.role, "position": parsed.position})
        for start in range(0, len(rows), chunk):
            session.execute(insert(Mention), rows[start : start + chunk])
        return IngestResult(doc.path, "new", mentions=len(rows), document_id=document.id)

    @staticmethod
    def _stored_items(session: Session, keys: list[str], chunk: int = 500) -> dict[str, Item]:
        """Existing items for `keys`, loaded in chunks: one query per 500 keys instead of
        one per item (and no autoflush of the pending document in between), so a
        5,000-record bulk import costs ten SELECTs, not five thousand."""
        unique = sorted(set(keys))  # one global lock order across chunks too
        found: dict[str, Item] = {}
        with session.no_autoflush:
            for start in range(0, len(unique), chunk):
                part = unique[start : start + chunk]
                # FOR UPDATE (PostgreSQL; SQLite already writes under BEGIN IMMEDIATE): a concurrent
                # writer waits and then enriches the committed row, instead of overwriting it with
                # what it read before (a lost update, e.g. a shorter summary). Key order: no deadlock.
                stmt = select(Item).where(Item.key.in_(part)).order_by(Item.key).with_for_update()
                found.update((i.key, i) for i in session.scalars(stmt))
        return found

    # -- reading -----------------------------------------------------------

    def stats(self) -> dict[str, int]:
        return self.counts().as_dict()

    def counts(self) -> CatalogStats:
        with self.session() as s:
            kinds = dict(s.execute(select(Item.kind, func.count()).group_by(Item.kind)).all())
            return CatalogStats(
                documents=s.scalar(select(func.count()).select_from(Document)) or 0,
                items=sum(kinds.values()),
                models=kinds.get("model", 0),
                papers=kinds.get("paper", 0),
                mentions=s.scalar(select(func.count()).select_from(Mention)) or 0,
            )

    def change_stamp(self) -> tuple:
        """Changes whenever an ingest added or enriched anything: one cheap query, so a
        long-running process can tell whether its search index may be stale without
        reading every row."""
        with self.engine.connect() as conn:  # one round trip, plain SQL: a server runs it before every search
            return tuple(conn.exec_driver_sql(_CHANGE_STAMP_SQL).one())

    @staticmethod
    def _filtered(stmt, kind: str | None, task: str | None):
        if kind:
            stmt = stmt.where(Item.kind == kind)
        if task:
            stmt = stmt.where(func.lower(Item.task) == task.lower())
        return stmt

    def items(self, kind: str | None = None, task: str | None = None) -> list[ItemView]:
        """Items, models first, then by name."""
        stmt = self._filtered(select(Item).order_by(Item.kind, Item.name), kind, task)
        with self.session() as s:
            return [item_view(i) for i in s.scalars(stmt)]

    def item_ids(self, kind: str | None = None, task: str | None = None) -> list[int]:
        """Ids of the items passing the filters (for restricting a search)."""
        with self.session() as s:
            return list(s.scalars(self._filtered(select(Item.id), kind, task)))

    def tasks(self) -> list[str]:
        """The distinct task prefixes of zoo models (for a filter menu)."""
        with self.session() as s:
            return sorted(t for t in s.scalars(select(Item.task).where(Item.task.is_not(None)).distinct()) if t)

    def extra_values(self, name: str) -> dict[int, object]:
        """`extra[name]` of every item that has it, by item id (e.g. a bulk import's source ids)."""
        with self.session() as s:
            rows = s.execute(select(Item.id, Item.extra))
            return {i: extra[name] for i, extra in rows if extra and name in extra}

    def items_by_id(self, ids: list[int]) -> dict[int, ItemView]:
        if not ids:
            return {}
        with self.engine.connect() as conn:  # plain rows: a search hydrates ten items per request
            rows = conn.execute(select(Item.id, *_VIEW_COLUMNS).where(Item.id.in_(ids)))
            return {row[0]: ItemView(*row[1:]) for row in rows}

    def records(self, keys: list[str]) -> list[ItemRecord]:
        """Stored items as catalog records, in the order of `keys`."""
        if not keys:
            return []
        with self.session() as s:
            found = {i.key: to_record(i) for i in s.scalars(select(Item).where(Item.key.in_(keys)))}
        return [found[k] for k in keys if k in found]

    def item(self, ref: str) -> ItemDetail | None:
        """An item by key (`arxiv:2308.15462`), id, exact name, its paper or code link, or a name
        part matching one item."""
        with self.session() as s:
            opts = selectinload(Item.mentions).selectinload(Mention.document)
            item = s.scalar(select(Item).options(opts).where(Item.key == ref))
            if item is None and ref.isdigit():
                item = s.scalar(select(Item).options(opts).where(Item.id == int(ref)))
            if item is None:
                item = s.scalar(select(Item).options(opts).where(func.lower(Item.name) == ref.lower()))
            if item is None and looks_like_url(ref):
                linked = self._by_link(s, ref, (opts,))
                item = linked[0] if len(linked) == 1 else None
            for pattern in (f"{_escape_like(ref)}%", f"%{_escape_like(ref)}%"):
                if item is not None:
                    break
                like = Item.name.ilike(pattern, escape="\\")
                found = list(s.scalars(select(Item).options(opts).where(like).limit(2)))
                item = found[0] if len(found) == 1 else None
            return None if item is None else item_detail(item)

    def keys_by_link(self, ref: str) -> list[str]:
        """Keys of the items whose paper or code link is `ref` (any arXiv spelling, any case, with
        or without a trailing slash or `.git`)."""
        if not looks_like_url(ref):
            return []
        with self.session() as s:
            return [i.key for i in self._by_link(s, ref, ())]

    @staticmethod
    def _by_link(s: Session, ref: str, opts) -> list[Item]:
        arxiv = parse_arxiv(ref)
        if arxiv:
            found = s.scalar(select(Item).options(*opts).where(Item.key == f"arxiv:{arxiv[0]}"))
            if found is not None:
                return [found]
        link = _link_form(ref)
        host = link.split("/", 1)[0]
        rows = s.scalars(select(Item).options(*opts).where(
            (func.lower(Item.paper_url).contains(host)) | (func.lower(Item.github_url).contains(host))))
        return [i for i in rows if link in (_link_form(i.paper_url or ""), _link_form(i.github_url or ""))]

    def documents(self) -> list[DocumentView]:
        with self.session() as s:
            return [document_view(d) for d in s.scalars(select(Document).order_by(Document.id))]

    def index_rows(self) -> Iterator[IndexRow]:
        """Every item with what its search text is made of, in id order."""
        with self.session() as s:
            questions: dict[int, list[str]] = {}
            q = (
                select(Mention.item_id, Document.question)
                .join(Document, Mention.document_id == Document.id)
                .where(Mention.role == "recommended")
                .order_by(Document.id)
            )
            for item_id, question in s.execute(q):
                qs = questions.setdefault(item_id, [])
                if question not in qs:
                    qs.append(question)
            for row in s.execute(select(Item.id, *_VIEW_COLUMNS).order_by(Item.id)):
                item = ItemView(*row[1:])
                yield IndexRow(row[0], item, [] if item.summary else questions.get(row[0], []))


def _document(doc: ParsedDocument) -> Document:
    return Document(
        path=doc.path,
        sha256=doc.sha256,
        format=doc.format,
        question=doc.question,
        repairs=list(doc.repairs),
        ingested_at=utcnow(),
    )


# Errors after which no further write can succeed: SQLite's result codes, PostgreSQL's SQLSTATEs.
_SQLITE_STOP = {13: "the disk is full", 8: "the catalog is read-only", 10: "disk I/O error"}  # FULL, READONLY, IOERR
_PG_STOP = {"53100": "the disk is full", "25006": "the catalog is read-only"}  # disk_full, read_only_sql_transaction


def _stop_reason(exc: Exception) -> str | None:
    """Why a failed write means the whole batch must stop, or None (retry / report)."""
    orig = getattr(exc, "orig", None)
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None and code & 0xFF in _SQLITE_STOP:
        return _SQLITE_STOP[code & 0xFF]
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return _PG_STOP.get(sqlstate) if sqlstate else None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
