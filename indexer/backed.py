"""A search index whose vectors and BM25 statistics live in a shared backend.

`SearchIndex` keeps FAISS + BM25 files beside a SQLite catalog. `BackedIndex`
offers the same `sync` / `rebuild` / `search` / `check` over any store shaped
like `VectorBackend` (db.vector_store.PgVectorStore: pgvector + SQL BM25), so
every process on one catalog shares one index. What stays here, and is the
same for both: which texts need embedding (content hashes), how texts are
embedded and tokenized, and how hybrid search fuses the two rankings.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, Callable, ContextManager, Protocol, Sequence

import numpy as np

from indexer.embedder import Embedder, encode_batched
from indexer.index_api import Entries, Progress, SyncingIndex, check_mode, fused_hits, hybrid_depth, query_vector
from indexer.records import Hit, IndexEntry, IndexStateError, SyncReport, sync_plan, validated
from indexer.scoring import DEFAULT_FUSION, DEFAULT_WEIGHTS, RRF_K, Fusion
from indexer.tokenize import tokenize

Where = Mapping[str, "str | None"]


class VectorBackend(Protocol):
    """What a shared index store provides (implemented by db.vector_store.PgVectorStore)."""

    location: str

    def unavailable(self) -> str | None: ...
    def locked(self) -> ContextManager[None]: ...
    def prepare(self, replace_all: bool = False) -> str | None: ...
    def stored_hashes(self) -> dict[int, str]: ...
    def write(self, rows: Sequence[Any], remove: Collection[int] = ()) -> None: ...
    def dense_top(self, vector: np.ndarray, k: int, allowed_ids: Collection[int] | None = None,
                  where: Where | None = None) -> list[tuple[int, float]]: ...
    def lexical_top(self, terms: Sequence[str], k: int, allowed_ids: Collection[int] | None = None,
                    where: Where | None = None) -> list[tuple[int, float]]: ...
    def scores(self, ids: Collection[int], vector: np.ndarray, terms: Sequence[str]) -> dict[int, tuple[float, float]]: ...
    def problems(self) -> list[str]: ...


class BackedIndex(SyncingIndex):
    """`SearchIndex`'s interface over a shared `VectorBackend`.

    `row(id, hash, vector, tokens)` builds the backend's row type (the backend's
    module owns it; this module knows no SQL).
    """

    def __init__(
        self,
        backend: VectorBackend,
        embedder: Embedder,
        row: Callable[[int, str, np.ndarray, list[str]], Any],
        *,
        fusion: Fusion = DEFAULT_FUSION,
        weights: Sequence[float] = DEFAULT_WEIGHTS,
        rrf_k: int = RRF_K,
        batch_size: int = 64,
        query_embedder: Embedder | None = None,
    ) -> None:
        self.backend = backend
        self.embedder = embedder
        self.query_embedder = query_embedder or embedder  # e.g. the torch-free ONNX one
        self.row = row
        self.fusion: Fusion = fusion
        self.weights = tuple(float(w) for w in weights)
        self.rrf_k = rrf_k
        self.batch_size = batch_size

    def __repr__(self) -> str:
        return f"BackedIndex({self.backend.location!r}, model={self.embedder.name!r})"

    @property
    def location(self) -> str:
        return self.backend.location

    def __len__(self) -> int:
        return len(self.backend.stored_hashes())

    # -- checking ------------------------------------------------------------

    def check(self, entries: Sequence[IndexEntry]) -> list[str]:
        """Human-readable problems relative to `entries`; [] means consistent."""
        problem = self.backend.unavailable()
        if problem:
            return [problem]
        problems = list(self.backend.problems())
        entries = list(entries)
        if len({e.id for e in entries}) != len(entries):
            problems.append("the entries contain duplicate ids")
        stale = sync_plan(self.backend.stored_hashes(), entries).out_of_date()
        if stale:
            problems.append(stale)
        return problems

    # -- writing -------------------------------------------------------------

    # sync / rebuild: index_api.SyncingIndex. Here a callable is read under the
    # backend's writer lock, so two processes syncing at once embed each text once.

    def _write(self, entries: Entries, progress: Progress, force: bool, on_start: Progress = None) -> SyncReport:
        if not force:  # nothing to embed or remove: answer without waiting for another writer
            plan = sync_plan(self.backend.stored_hashes(), validated(entries() if callable(entries) else entries))
            if plan.idle:
                return plan.unchanged()
        with self.backend.locked():
            listed = validated(entries() if callable(entries) else entries)
            plan = sync_plan({} if force else self.backend.stored_hashes(), listed)
            if not force and plan.idle:
                return plan.unchanged()
            reason = self.backend.prepare(replace_all=force)
            if force:
                reason = "full rebuild requested"
            elif reason:  # stored rows were unusable and are gone: embed everything
                plan = sync_plan({}, listed)
            if on_start is not None:
                on_start(len(plan.to_embed))
            dim = int(self.embedder.dimension)
            vectors = encode_batched(self.embedder, [e.text for e in plan.to_embed], dim, self.batch_size, progress)
            rows = [self.row(e.id, e.hash, vectors[i], tokenize(e.text)) for i, e in enumerate(plan.to_embed)]
            self.backend.write(rows, remove=plan.gone)
            return plan.report(reason)

    # -- searching -----------------------------------------------------------

    def search(
        self,
        query: str,
        k: int = 10,
        mode: str = "hybrid",
        allowed_ids: Collection[int] | None = None,
        fusion: Fusion | None = None,
        where: Where | None = None,
    ) -> list[Hit]:
        """The k best items for `query`, best first (same modes and Hit fields as
        `SearchIndex.search`); `where` ({"kind": ..., "task": ...}) is applied by
        the backend, before ranking."""
        check_mode(mode)
        problem = self.backend.unavailable()
        if problem:
            raise IndexStateError(f"search index ({self.location}) cannot be used: {problem}")
        if k <= 0 or (allowed_ids is not None and not allowed_ids):
            return []
        terms = tokenize(query)
        if mode == "lexical":
            return [Hit(i, s, None, s) for i, s in self.backend.lexical_top(terms, k, allowed_ids, where)]
        qvec = query_vector(self.query_embedder, query)
        if mode == "dense":
            return [Hit(i, c, c, None) for i, c in self.backend.dense_top(qvec, k, allowed_ids, where)]
        depth = hybrid_depth(k)
        cand = {i for i, _ in self.backend.dense_top(qvec, depth, allowed_ids, where)}
        cand |= {i for i, _ in self.backend.lexical_top(terms, depth, allowed_ids, where)}
        scored = self.backend.scores(cand, qvec, terms)
        ids = sorted(scored)
        if not ids:
            return []
        dense = np.array([scored[i][0] for i in ids], dtype=np.float64)
        lexical = np.array([scored[i][1] for i in ids], dtype=np.float64)
        return fused_hits(ids, dense, lexical, fusion or self.fusion, self.weights, self.rrf_k, k)
