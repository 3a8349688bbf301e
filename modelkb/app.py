"""Wiring of catalog, db, indexer and answerer: what each command does.

The CLI calls these; tests and scripts can too. Heavy pieces (the database,
the embedding model) are opened on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from modelkb.config import Settings, load_settings
from modelkb.inputs import InputFile

Progress = Callable[[int], None]
Notify = Callable[[str], None]


@dataclass
class IngestSummary:
    files_new: int = 0
    files_unchanged: int = 0
    files_failed: int = 0
    files_skipped: int = 0  # not tried: the batch stopped (disk full, read-only catalog)
    items_new: int = 0
    items_enriched: int = 0
    embedded: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


@dataclass
class SearchResult:
    key: str
    kind: str
    name: str
    score: float
    paper_url: str | None
    github_url: str | None
    task: str | None
    dense: float | None = None
    lexical: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def make_embedder(model: str | None):
    """The configured sentence-transformers model (loaded lazily on first encode)."""
    from indexer.embedder import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(model)


class App:
    def __init__(self, settings: Settings | None = None, embedder=None, notify: Notify | None = None):
        self.settings = settings or load_settings()
        self._embedder = embedder
        self.notify: Notify = notify or (lambda msg: None)

    @cached_property
    def catalog(self):
        from db import Catalog

        return Catalog(self.settings.db_url, notify=self.notify)

    @property
    def embedder(self):
        if self._embedder is None:
            self._embedder = make_embedder(self.settings.model)
        return self._embedder

    @cached_property
    def index(self):
        """pgvector in a PostgreSQL catalog that has it, else FAISS files (modelkb.backends)."""
        from modelkb.backends import open_index

        return open_index(self.settings, self.catalog, self.embedder, self.notify)

    # -- ingest ------------------------------------------------------------

    def ingest(
        self, files: Iterable[InputFile], progress: Progress | None = None, jsonl: Iterable[InputFile] = ()
    ) -> IngestSummary:
        """Each file in its own transaction; a bad file is reported and skipped.

        `jsonl` files are bulk imports (one JSON record per line, see catalog.jsonl).
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
                if result.status == "new":
                    summary.files_new += 1
                else:
                    summary.files_unchanged += 1
                summary.items_new += result.items_new
                summary.items_enriched += result.items_enriched
            if progress:
                progress(1)
        return summary

    # -- index -------------------------------------------------------------

    def index_entries(self) -> list:
        from indexer.store import IndexEntry
        from indexer.text import content_hash, item_text

        entries = []
        for row in self.catalog.index_rows():
            text = item_text(
                row.name, row.kind, row.summary,
                task=row.task, architecture=row.architecture, variant=row.variant, questions=row.questions,
            )
            entries.append(IndexEntry(row.id, text, content_hash(text)))
        return entries

    def sync_index(self, progress: Progress | None = None, rebuild: bool = False, on_start: Progress | None = None):
        """Embed what is new or changed (or everything, on rebuild); `on_start(n)` gets the
        number of texts to embed, `progress(n)` each batch done. A killed sync resumes."""
        write = self.index.rebuild if rebuild else self.index.sync
        report = write(self.index_entries, progress=progress, on_start=on_start)  # read under the index lock
        if report.rebuilt and report.reason:
            self.notify(f"search index rebuilt: {report.reason}")
        return report

    def doctor(self) -> list[str]:
        """Problems between the catalog and its search index; empty when healthy."""
        return self.index.check(self.index_entries())

    # -- search ------------------------------------------------------------

    def search(self, query: str, k: int = 10, mode: str = "hybrid", kind: str | None = None, task: str | None = None) -> list[SearchResult]:
        self.sync_index()
        if hasattr(self.index, "backend"):  # pgvector: the filters are SQL WHERE clauses
            hits = self.index.search(query, k=k, mode=mode, where={"kind": kind, "task": task})
        else:
            allowed = None
            if kind or task:
                allowed = [i.id for i in self.catalog.items(kind=kind, task=task)]
                if not allowed:
                    return []
            hits = self.index.search(query, k=k, mode=mode, allowed_ids=allowed)
        items = self.catalog.items_by_id([h.id for h in hits])
        out = []
        for h in hits:
            it = items.get(h.id)
            if it is None:
                continue
            out.append(SearchResult(it.key, it.kind, it.name, round(float(h.score), 4), it.paper_url, it.github_url, it.task,
                                    None if h.dense is None else round(float(h.dense), 4),
                                    None if h.lexical is None else round(float(h.lexical), 4)))
        return out

    # -- answer ------------------------------------------------------------

    def answer_file(self, f: InputFile, ingest: bool = True):
        """Parse a prompt file, store it (unless told not to), answer from its own items."""
        from answerer.compose import compose
        from catalog import parse_bytes

        doc = parse_bytes(f.read_or_fail(), f.name)
        if ingest:
            self.catalog.ingest(doc)
        return compose(doc.question, doc.items, self.embedder, source=doc.text)

    def ask(self, question: str, k: int = 6):
        """Retrieve from the whole catalog, then compose as for a prompt file.

        Nothing was recommended by anyone, so every item is "related"; its search
        score goes into the answer's ranking and task evidence (the answer agrees
        with the search under it).
        """
        from answerer.compose import compose

        results = self.search(question, k=k)
        records = self.catalog.records([r.key for r in results])
        return compose(question, [(rec, "related") for rec in records], self.embedder, source=None,
                       retrieval=retrieval_strengths(results, [rec.key for rec in records]))


def retrieval_strengths(results: list[SearchResult], keys: list[str]) -> list[float]:
    """Search results -> one strength in [0, 1] per key: half the score relative to the best, half the rank."""
    top = max((r.score for r in results), default=0.0) or 1.0
    strength = {r.key: 0.5 * max(r.score, 0.0) / top + 0.5 / (1.0 + rank) for rank, r in enumerate(results)}
    return [round(strength.get(key, 0.0), 4) for key in keys]


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def resolve_paths(paths: list[str]) -> list[InputFile]:
    from modelkb.inputs import expand

    return expand(paths)


def output_path(out_dir: Path, name: str, fmt: str) -> Path:
    stem = Path(name).stem if name != "<stdin>" else "stdin"
    return out_dir / f"{stem}.{'md' if fmt == 'md' else 'json'}"


def output_paths(out_dir: Path, names: list[str], fmt: str) -> list[Path]:
    """One answer file per input, never two inputs on one file: `a/x.txt` and
    `b/x.txt` become `x.md` and `x-2.md` (compared case-insensitively, as on
    macOS and Windows file systems)."""
    taken: set[str] = set()
    out = []
    for name in names:
        path = output_path(out_dir, name, fmt)
        n = 1
        while path.name.casefold() in taken:
            n += 1
            base = output_path(out_dir, name, fmt)
            path = base.with_name(f"{base.stem}-{n}{base.suffix}")
        taken.add(path.name.casefold())
        out.append(path)
    return out
