"""The application API: what each command and each HTTP endpoint does.

The CLI and the server call `App` and nothing else. Every method returns
plain dataclasses (`db.views`, the answerer's `Answer`, the two below, which
build on `db.views`), never ORM rows, and fails with a `ModelkbError` subclass (`catalog.errors`). Heavy
pieces (the database, the embedding model) are opened on first use.

One `App` may serve many threads: index writes are serialized by a lock, and
whether the index needs a sync is decided from two cheap stamps (the
catalog's change stamp and the index manifest's stat) instead of re-reading
the catalog and the index on every search.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from catalog.errors import BadInput, NotFound
from db.views import CatalogStats, IngestResult, ItemDetail, ItemView, Record
from modelkb.config import Settings, load_settings
from modelkb.inputs import InputFile

if TYPE_CHECKING:  # types only: importing it at run time would load numpy eagerly
    from answerer.answer import Answer

Progress = Callable[[int], None]
Notify = Callable[[str], None]

EMPTY_CATALOG = "the catalog is empty; add prompt files first with `modelkb ingest PATH`"


@dataclass
class IngestSummary(Record):
    """What a batch of files did: the files' `IngestResult`s summed, the failures, the embedding."""

    files_new: int = 0
    files_unchanged: int = 0
    files_failed: int = 0
    files_skipped: int = 0  # not tried: the batch stopped (disk full, read-only catalog)
    items_new: int = 0
    items_enriched: int = 0
    embedded: int = 0
    errors: list[str] = field(default_factory=list)
    index_error: str | None = None  # the catalog part is done, the index could not be written (e.g. disk full)

    def add(self, result: IngestResult) -> None:
        """Count one stored file."""
        if result.status == "new":
            self.files_new += 1
        else:
            self.files_unchanged += 1
        self.items_new += result.items_new
        self.items_enriched += result.items_enriched


#: A code link shared by many items (one toolkit's repository) searches by the first few of them.
LINKED_QUERY_ITEMS = 5


@dataclass(frozen=True)
class SearchResult(Record):
    """A stored item that fits a query: its fused score (and the dense and lexical parts
    that went into it) and the summary sentence that best matches the query.

    It reads as its item too (`r.key`, `r.name`, ...)."""

    item: ItemView
    score: float
    dense: float | None = None
    lexical: float | None = None
    snippet: str | None = None

    #: The JSON shape (`search --json`, `GET /api/search`): the item's identity and links with the scores.
    JSON_FIELDS: ClassVar[tuple[str, ...]] = (
        "key", "kind", "name", "score", "paper_url", "github_url", "task", "dense", "lexical", "snippet",
    )

    def __getattr__(self, name: str) -> Any:
        if name == "item" or name.startswith("__"):  # not set yet (copy, unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.item, name)

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.JSON_FIELDS}


def make_embedder(model: str | None):
    """The embedder for queries and items (loaded lazily on first encode).

    The one place that decides how text is embedded: a faster query path only
    has to change this function.
    """
    from indexer.embedder import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(model)


class App:
    def __init__(self, settings: Settings | None = None, embedder=None, notify: Notify | None = None):
        self.settings = settings or load_settings()
        self._embedder = embedder
        self._query_embedder = None
        self.notify: Notify = notify or (lambda msg: None)
        self._write_lock = threading.RLock()
        self._synced: tuple | None = None  # (catalog stamp, manifest stamp) after the last sync

    @cached_property
    def catalog(self):
        from db import Catalog

        return Catalog(self.settings.db_url, notify=self.notify)

    @property
    def embedder(self):
        if self._embedder is None:
            with self._write_lock:
                if self._embedder is None:
                    self._embedder = make_embedder(self.settings.model)
        return self._embedder

    @property
    def query_embedder(self):
        """Embeds questions: the torch-free ONNX export beside the index when it is valid
        for the model, else `embedder` itself (see indexer/onnx_encoder.py)."""
        if self._query_embedder is None:
            from indexer.onnx_encoder import query_embedder_for

            self._query_embedder = query_embedder_for(self.embedder, self.settings.index_dir, self.notify)
        return self._query_embedder

    @cached_property
    def index(self):
        """pgvector in a PostgreSQL catalog that has it, else FAISS files (modelkb.backends)."""
        from modelkb.backends import open_index

        return open_index(self.settings, self.catalog, self.embedder, self.notify,
                          query_embedder=self.query_embedder)

    def close(self) -> None:
        if "catalog" in self.__dict__:
            self.catalog.close()

    # -- reading -------------------------------------------------------------

    def stats(self) -> CatalogStats:
        """Counts of documents, items (models, papers) and mentions."""
        return self.catalog.counts()

    def items(self, kind: str | None = None, task: str | None = None) -> list[ItemView]:
        """Catalog items, models first, then by name."""
        return self.catalog.items(kind=kind, task=task)

    def tasks(self) -> list[str]:
        """The task prefixes present in the catalog (Deblur, SR, Txt2Img, ...)."""
        return self.catalog.tasks()

    def item(self, ref: str) -> ItemDetail:
        """One item with its provenance, by key, id, name, paper or code link, or a name part matching one item."""
        found = self.catalog.item(ref)
        if found is not None:
            return found
        close = self.catalog.keys_by_link(ref) or [
            i.key for i in self.catalog.items() if ref.lower() in i.name.lower()]
        if close:
            raise NotFound(f"{ref!r} matches {len(close)} items, name one by key: " + ", ".join(close[:8]))
        raise NotFound(f"no item matches {ref!r}; see `modelkb list`")

    # -- ingest ------------------------------------------------------------

    def ingest(
        self,
        files: Iterable[InputFile],
        progress: Progress | None = None,
        jsonl: Iterable[InputFile] = (),
        index: bool = False,
        embed_progress: Progress | None = None,
        embed_start: Progress | None = None,
    ) -> IngestSummary:
        """Each file in its own transaction; a bad file is reported and skipped.

        `jsonl` files are bulk imports (one JSON record per line, see catalog.jsonl).
        With `index`, new and changed items are embedded before returning.
        """
        from catalog import ParseError, parse_bytes
        from catalog.jsonl import parse_jsonl_bytes
        from db.engine import CatalogStoppedError

        summary = IngestSummary()
        tagged = [(f, parse_bytes) for f in files] + [(f, parse_jsonl_bytes) for f in jsonl]
        for n, (f, parse) in enumerate(tagged):
            try:
                doc = parse(f.read_or_fail(), f.name)
                # a bulk file goes in batch by batch, so a killed import resumes (db.Catalog.ingest_bulk)
                result = self.catalog.ingest(doc) if parse is parse_bytes else self.catalog.ingest_bulk(doc)
            except ParseError as exc:
                summary.files_failed += 1
                summary.errors.append(str(exc))
            except CatalogStoppedError as exc:  # disk full, read-only: no later file can go in either
                summary.files_failed += 1
                summary.files_skipped = len(tagged) - n - 1
                rest = f"; stopped, {summary.files_skipped} file(s) not tried" if summary.files_skipped else ""
                summary.errors.append(f"{f.name}: {_one_line(exc)}{rest}")
                if progress:
                    progress(len(tagged) - n)
                break
            except Exception as exc:  # a database error must not stop the batch
                summary.files_failed += 1
                summary.errors.append(f"{f.name}: could not store: {_one_line(exc)}")
            else:
                summary.add(result)
            if progress:
                progress(1)
        if index and not summary.files_skipped:  # a stopped batch (disk full) does not embed
            try:
                summary.embedded = self.sync_index(progress=embed_progress, on_start=embed_start).embedded
            except OSError as exc:
                summary.index_error = f"search index not updated: {exc.strerror or exc}; run `modelkb reindex` later"
        return summary

    # -- index -------------------------------------------------------------

    def index_entries(self) -> list:
        from indexer.store import IndexEntry
        from indexer.text import content_hash, item_text

        entries = []
        for row in self.catalog.index_rows():
            it = row.item
            text = item_text(
                it.name, it.kind, it.summary,
                task=it.task, architecture=it.architecture, variant=it.variant, questions=row.questions,
            )
            entries.append(IndexEntry(row.id, text, content_hash(text)))
        return entries

    def _stamps(self) -> tuple:
        from indexer.manifest import manifest_stamp

        return (self.catalog.change_stamp(), manifest_stamp(self.settings.index_dir))

    def sync_index(self, progress: Progress | None = None, rebuild: bool = False, on_start: Progress | None = None):
        """Embed what is new or changed (or everything, on rebuild); `on_start(n)` gets the
        number of texts to embed, `progress(n)` each batch done. A killed sync resumes."""
        with self._write_lock:
            catalog_stamp = self.catalog.change_stamp()  # before reading the rows: a later ingest re-syncs
            write = self.index.rebuild if rebuild else self.index.sync
            report = write(self.index_entries, progress=progress, on_start=on_start)  # read under the index lock
            from indexer.manifest import manifest_stamp

            self._synced = (catalog_stamp, manifest_stamp(self.settings.index_dir))
        if report.rebuilt and report.reason:
            self.notify(f"search index rebuilt: {report.reason}")
        self.refresh_query_export()
        return report

    def refresh_query_export(self) -> None:
        """Export the model to ONNX for torch-free queries when torch is loaded anyway
        and no valid export exists; a failure only means queries keep using torch."""
        from indexer.onnx_encoder import QueryEmbedder

        query = self.query_embedder
        if not isinstance(query, QueryEmbedder) or not query.base.loaded:
            return
        from indexer.onnx_export import ensure_export

        try:
            written = ensure_export(query.base, query.folder)
        except Exception as exc:  # noqa: BLE001 - an optimization failing must not fail the ingest
            self.notify(f"queries keep using sentence-transformers: {' '.join(str(exc).split())[:300]}")
            return
        if written is not None:
            query.forget()
            self.notify(f"exported the embedding model to ONNX for fast queries ({query.folder})")
    def ensure_index(self) -> None:
        """Sync the index only when the catalog or the index folder changed since the last
        sync (by this or any other process): one small query and one stat per call."""
        if self._synced is not None and self._stamps() == self._synced:
            return
        with self._write_lock:
            if self._synced is None or self._stamps() != self._synced:
                self.sync_index()

    def doctor(self) -> list[str]:
        """Problems between the catalog and its search index; empty when healthy."""
        return self.index.check(self.index_entries())

    # -- search ------------------------------------------------------------

    def search(self, query: str, k: int = 10, mode: str = "hybrid", kind: str | None = None, task: str | None = None) -> list[SearchResult]:
        """The k items that best fit `query`, best first, with the sentence that matches it.

        A query that is a paper or code link (or `arxiv:ID`) of stored items finds those items
        first and then the items most like them: a pasted link means "this one, and what else"."""
        from indexer.snippet import best_sentences

        _require_question(query)
        self.ensure_index()
        linked = self._linked(query)
        if linked:
            query = " ".join(f"{it.name}. {it.summary or ''}" for it in linked[:LINKED_QUERY_ITEMS])
            k += len(linked)  # room for them, whatever their own score
        if hasattr(self.index, "backend"):  # pgvector: the filters are SQL WHERE clauses
            hits = self.index.search(query, k=k, mode=mode, where={"kind": kind, "task": task})
        else:
            allowed = None
            if kind or task:
                allowed = self.catalog.item_ids(kind=kind, task=task)
                if not allowed:
                    return []
            hits = self.index.search(query, k=k, mode=mode, allowed_ids=allowed)
        items = self.catalog.items_by_id([h.id for h in hits])
        found = [(h, items[h.id]) for h in hits if h.id in items]
        if linked:
            keys = {it.key for it in linked}
            found = sorted(found, key=lambda hit: hit[1].key not in keys)[: k - len(linked)]  # stable: by score
        snippets = best_sentences(query, [it.summary for _, it in found])
        return [SearchResult(it, round(float(h.score), 4),
                             None if h.dense is None else round(float(h.dense), 4),
                             None if h.lexical is None else round(float(h.lexical), 4),
                             snippet)
                for (h, it), snippet in zip(found, snippets)]

    def _linked(self, query: str) -> list[ItemDetail]:
        """The stored items a query names by link or `arxiv:` key; empty for any other query."""
        from catalog.normalize import looks_like_url

        ref = query.strip()
        if not looks_like_url(ref):
            return []
        keys = self.catalog.keys_by_link(ref)
        found = [it for it in ([self.catalog.item(key) for key in keys] if keys else [self.catalog.item(ref)])
                 if it is not None]
        if not found:  # the words of a URL match nothing meaningful
            raise NotFound(f"no stored item has the link {ref!r}; search takes words, or the link of a "
                           "stored item (see `modelkb list`)")
        return found

    # -- answer ------------------------------------------------------------

    def answer(self, f: InputFile, ingest: bool = True) -> Answer:
        """Parse a prompt file, store it (unless told not to), answer from its own items."""
        from answerer.compose import compose
        from catalog import parse_bytes

        doc = parse_bytes(f.read_or_fail(), f.name)
        if ingest:
            self.catalog.ingest(doc)
        return compose(doc.question, doc.items, self.query_embedder, source=doc.text)

    answer_file = answer  # the older name, kept for scripts

    def answer_text(self, text: str | bytes, name: str = "<text>", ingest: bool = False) -> Answer:
        """Answer a prompt file given as text (a paste, an upload): nothing touches the disk."""
        data = text.encode("utf-8") if isinstance(text, str) else text
        return self.answer(InputFile.of_bytes(name, data), ingest=ingest)

    def ask(self, question: str, k: int = 6) -> Answer:
        """Retrieve from the whole catalog, then compose as for a prompt file.

        Nothing was recommended by anyone, so every item is "related"; its search
        score goes into the answer's ranking and task evidence (the answer agrees
        with the search under it).
        """
        from answerer.compose import compose

        _require_question(question)
        if self.catalog.counts().items == 0:
            raise NotFound(EMPTY_CATALOG)
        results = self.search(question, k=k)
        records = self.catalog.records([r.key for r in results])
        return compose(question, [(rec, "related") for rec in records], self.query_embedder, source=None,
                       retrieval=retrieval_strengths(results, [rec.key for rec in records]))


def retrieval_strengths(results: list[SearchResult], keys: list[str]) -> list[float]:
    """Search results -> one strength in [0, 1] per key: half the score relative to the best, half
    the rank, times how close in meaning the item is at all (its dense cosine, where known). The
    best of a catalog that holds nothing on the question is still the best; it is not relevant."""
    from answerer.item_evidence import RELEVANCE_RANGE, calibrate

    top = max((r.score for r in results), default=0.0) or 1.0
    strength = {r.key: (0.5 * max(r.score, 0.0) / top + 0.5 / (1.0 + rank))
                * (1.0 if r.dense is None else float(calibrate(r.dense, *RELEVANCE_RANGE)))
                for rank, r in enumerate(results)}
    return [round(strength.get(key, 0.0), 4) for key in keys]


def _require_question(text: str) -> None:
    """An empty question has no best match: every item would be "found" and an answer made up."""
    if not (text or "").strip():
        raise BadInput("the question is empty: say what you want a model to do, e.g. "
                       "\"restore an old scratched photo\"")


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
