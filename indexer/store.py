"""The persisted search index: vectors + FAISS + BM25 + a manifest, in one folder.

Embedding is the only expensive step, so the index remembers the content hash
of every text it embedded and `sync` embeds only new or changed texts. The
manifest (model, dimension, count, fingerprint of the (id, hash) rows, file
sizes) makes a stale, foreign or half-written index detectable: such an index
is rebuilt, never silently used. Writes go to a temporary folder and are moved
into place with the manifest removed first and written last, so an interrupted
write leaves no manifest, hence no index that passes the check.

See indexer/README.md for the file format.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Collection, Sequence

import numpy as np

from indexer.embedder import Embedder
from indexer.faiss_index import APPROX_KINDS, APPROX_THRESHOLD, DEFAULT_APPROX, FaissSettings, build_faiss
from indexer.files import locked, remove_leftovers, writable
from indexer.index_api import Entries, Progress, Mode, SyncingIndex, check_mode, query_vector
from indexer.journal import JOURNAL_DIR, JOURNAL_EVERY, Journal
from indexer.manifest import (
    LOCK,
    NEW_INDEX,
    Diagnosis,
    IndexState,
    diagnose,
    fingerprint,
    manifest_stamp,
    read_manifest,
)
from indexer.records import Hit, IndexEntry, IndexStateError, SyncReport, sync_plan, validated
from indexer.scoring import DEFAULT_FUSION, DEFAULT_WEIGHTS, FUSIONS, RRF_K, Fusion
from indexer.store_search import search_state
from indexer.store_write import embed_resumable, merged_vectors, persist

#: efSearch of the optional HNSW index (approx_kind="hnsw", M 32, efConstruction 80). It is
#: used only from `approx_threshold` (200k) items up, and at 1M real-based vectors
#: (benchmarks/results/ann_scale.json) recall@10 was 0.926 at 256 and 0.953 at 512
#: (1.6 ms per query); at 100k 256 already gave 0.999.
HNSW_EF_SEARCH = 512

__all__ = ["Hit", "IndexEntry", "IndexStateError", "Mode", "SearchIndex", "SyncReport", "fingerprint"]


class SearchIndex(SyncingIndex):
    """Dense (FAISS) + lexical (BM25) index over item texts, persisted in `directory`.

    Exact inner product (IndexFlatIP) below `approx_threshold` items, at or above
    it `approx_kind` ("ivf-sq8", the default, or "hnsw"; see indexer.faiss_index for
    why). `fusion` picks how hybrid search combines the two rankings.
    `query_embedder` (same model name and dimension) embeds search queries, e.g. a
    torch-free `indexer.onnx_encoder.QueryEmbedder`; default: `embedder`.
    """

    def __init__(
        self,
        directory: Path | str,
        embedder: Embedder,
        approx_threshold: int = APPROX_THRESHOLD,
        *,
        approx_kind: str = DEFAULT_APPROX,
        nprobe: int | None = None,
        fusion: Fusion = DEFAULT_FUSION,
        weights: Sequence[float] = DEFAULT_WEIGHTS,
        rrf_k: int = RRF_K,
        hnsw_m: int = 32,
        ef_construction: int = 80,
        ef_search: int = HNSW_EF_SEARCH,
        batch_size: int = 64,
        max_stale: float = 0.25,
        query_embedder: Embedder | None = None,
        journal_every: int = JOURNAL_EVERY,
        notify: Callable[[str], None] | None = None,
    ) -> None:
        if fusion not in FUSIONS:
            raise ValueError(f"unknown fusion {fusion!r}; use one of {', '.join(FUSIONS)}")
        self.directory = Path(directory)
        self.embedder = embedder
        self.query_embedder = query_embedder or embedder
        if approx_kind not in APPROX_KINDS:
            raise ValueError(f"unknown approx_kind {approx_kind!r}; use one of {', '.join(APPROX_KINDS)}")
        self.approx_threshold = int(approx_threshold)
        self.approx_kind = approx_kind
        self.nprobe = nprobe
        self.fusion: Fusion = fusion
        self.weights = tuple(float(w) for w in weights)
        self.rrf_k = rrf_k
        self.hnsw_m = hnsw_m
        self.ef_construction = ef_construction
        self.ef_search = ef_search
        self.batch_size = batch_size
        self.max_stale = max_stale
        self.journal_every = max(1, int(journal_every))
        self.notify = notify
        self._state: IndexState | None = None

    def __repr__(self) -> str:
        return f"SearchIndex({str(self.directory)!r}, model={self.embedder.name!r})"

    # ------------------------------------------------------------------ reading

    @property
    def _lock_path(self) -> Path:
        return self.directory / LOCK

    def _lock(self, exclusive: bool):
        """The folder's lock; says (through `notify`) when it has to wait for another process."""
        notify = self.notify

        def waiting() -> None:
            if notify is not None:
                notify(f"waiting for another modelkb process to finish writing the search index ({self.directory}) ...")

        return locked(self._lock_path, exclusive=exclusive, on_wait=waiting)

    @property
    def _faiss_settings(self) -> FaissSettings:
        return FaissSettings(
            self.approx_threshold, self.hnsw_m, self.ef_construction, self.ef_search, self.max_stale,
            self.approx_kind, self.nprobe,
        )

    def manifest(self) -> dict[str, Any] | None:
        """The manifest as stored, or None when missing or unreadable (for `stats`)."""
        return read_manifest(self.directory)

    def _diagnose(self) -> Diagnosis:
        return diagnose(self.directory, self.embedder)

    def _loaded(self) -> IndexState:
        """The validated in-memory state, reloaded when another process rewrote the folder."""
        if self._state is not None and self._state.stamp == manifest_stamp(self.directory):
            return self._state
        with self._lock(exclusive=False):
            diag = self._diagnose()
        if diag.level != "none" or diag.state is None:
            self._state = None
            raise IndexStateError(
                f"search index in {self.directory} cannot be used: {'; '.join(diag.problems)}; "
                "sync it with the catalog (e.g. `modelkb ingest` or a reindex) first"
            )
        self._state = diag.state
        return diag.state

    def __len__(self) -> int:
        return int(self._loaded().ids.shape[0])

    # ------------------------------------------------------------------ checking

    def check(self, entries: Sequence[IndexEntry]) -> list[str]:
        """Human-readable problems with the index relative to `entries`; [] means consistent."""
        with self._lock(exclusive=False):
            diag = self._diagnose()
        problems = list(diag.problems)
        if diag.state is None:
            return problems
        manifest = diag.state.manifest
        wanted = {int(e.id): e.hash for e in entries}
        if len(wanted) != len(entries):
            problems.append("the entries contain duplicate ids")
        if int(manifest["count"]) != len(wanted):
            problems.append(f"index holds {manifest['count']} items, the catalog has {len(wanted)}")
        if fingerprint(wanted.items()) != manifest["fingerprint"]:
            latest = {int(e.id): e for e in entries}  # last one wins, as in `wanted`
            stale = sync_plan(diag.state.hashes, list(latest.values())).out_of_date()
            if stale:
                problems.append(stale)
        return problems

    # ------------------------------------------------------------------ writing

    # sync / rebuild: index_api.SyncingIndex. Here: a sync with more than
    # `journal_every` texts to embed journals each chunk's vectors (indexer.journal),
    # so one killed part-way embeds only what is missing when rerun
    # (`SyncReport.resumed`); `rebuild` ignores the journal. A missing, corrupt,
    # foreign (other model / dimension) or inconsistent index is rebuilt.

    def _write(self, entries: Entries, progress: Progress, force: bool, on_start: Progress = None) -> SyncReport:
        if not writable(self.directory):
            if force:
                raise IndexStateError(f"cannot rebuild the search index in {self.directory}: the folder is read-only")
            return self._read_only_sync(entries)
        self.directory.mkdir(parents=True, exist_ok=True)
        with self._lock(exclusive=True):
            entries = validated(entries() if callable(entries) else entries)
            remove_leftovers(self.directory)
            if force:
                diag = Diagnosis(None, ["full rebuild requested"], "core")
            else:
                diag = self._diagnose()
            rebuilt = diag.level != "none" and diag.problems != [NEW_INDEX]
            reason = "; ".join(diag.problems) if rebuilt else None
            old = diag.state if diag.level != "core" else None
            old_hashes = old.hashes if old is not None else {}

            plan = sync_plan(old_hashes, entries)
            wanted = {e.id: e for e in entries}

            journal = Journal(self.directory / JOURNAL_DIR, self.embedder.name, int(self.embedder.dimension))
            if diag.level == "none" and plan.idle:
                # Nothing changed: touch nothing on disk (but a journal an earlier, killed
                # writer left after committing is no longer needed).
                assert old is not None
                journal.clear()
                self._state = old
                return plan.unchanged()

            if force:
                journal.clear()
            new_vectors, resumed = embed_resumable(
                self.embedder, plan.to_embed, journal, batch_size=self.batch_size,
                journal_every=self.journal_every, progress=progress, on_start=on_start,
            )
            fresh = {e.id: r for r, e in enumerate(plan.to_embed)}
            ids = np.array(sorted(wanted), dtype=np.int64)
            vectors = merged_vectors(ids, fresh, new_vectors, old, int(self.embedder.dimension))
            hashes = {int(i): wanted[int(i)].hash for i in ids.tolist()}
            texts = [wanted[int(i)].text for i in ids.tolist()]

            self._state = None  # the grow path mutates the cached FAISS index; never reuse it on failure
            self._state = persist(
                self.directory, model=self.embedder.name, ids=ids, vectors=vectors, hashes=hashes,
                texts=texts, grow_from=old if not rebuilt else None, fresh=fresh,
                dead=plan.changed + plan.removed, settings=self._faiss_settings, previous=self.manifest(),
            )
            journal.clear()
            return plan.report(reason, resumed)

    def _read_only_sync(self, entries: Entries) -> SyncReport:
        """`sync` where the folder cannot be written: fine when the index is already up
        to date (searching needs no write), else one clear IndexStateError."""
        with self._lock(exclusive=False):
            wanted = validated(entries() if callable(entries) else entries)
            diag = self._diagnose()
        current = {e.id: e.hash for e in wanted}
        if diag.level == "none" and diag.state is not None and diag.state.hashes == current:
            self._state = diag.state
            return SyncReport(0, 0, len(current), False, None, written=False)
        why = "; ".join(diag.problems) if diag.problems else "it is out of date"
        raise IndexStateError(
            f"the search index in {self.directory} cannot be updated: the folder is read-only ({why})"
        )

    def _build_faiss(self, ids: np.ndarray, vectors: np.ndarray) -> Any:
        """A fresh FAISS index with this index's settings (benchmarks time it)."""
        return build_faiss(ids, vectors, self._faiss_settings)

    # ------------------------------------------------------------------ searching

    def search(
        self,
        query: str,
        k: int = 10,
        mode: Mode = "hybrid",
        allowed_ids: Collection[int] | None = None,
        fusion: Fusion | None = None,
        weights: Sequence[float] | None = None,
    ) -> list[Hit]:
        """The k best items for `query`, best first.

        `dense`: cosine similarity; `lexical`: BM25 (only items sharing a token);
        `hybrid`: both fused (`fusion` and `weights`, default the index's). `allowed_ids`
        restricts results to those ids and still returns up to k of them.
        Raises IndexStateError if the index is missing or stale.
        """
        check_mode(mode)
        return search_state(
            self._loaded(), query, k, mode, allowed_ids,
            query_vector=lambda q: query_vector(self.query_embedder, q), settings=self._faiss_settings,
            fusion=fusion or self.fusion, weights=weights or self.weights, rrf_k=self.rrf_k,
        )
