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

import json
from pathlib import Path
from typing import Any, Callable, Collection, Literal, Sequence

import numpy as np

from indexer.embedder import Embedder, encode_batched, normalize_rows
from indexer.faiss_index import (
    APPROX_KINDS,
    APPROX_THRESHOLD,
    DEFAULT_APPROX,
    FaissSettings,
    build_faiss,
    dense_top,
    grow_or_build,
    index_type,
    ivf_info,
)
from indexer.files import commit, fsync_write, locked, remove_leftovers, save_npy, temp_dir, writable
from indexer.journal import JOURNAL_DIR, JOURNAL_EVERY, Journal
from indexer.lexical import BM25_DIR, lexical_scores, save_bm25, top_lexical_rows
from indexer.manifest import (
    HASHES,
    IDS,
    LOCK,
    MANIFEST,
    NEW_INDEX,
    SIZED_FILES,
    VECTORS,
    FAISS,
    Diagnosis,
    IndexState,
    build_manifest,
    diagnose,
    fingerprint,
    manifest_stamp,
    read_manifest,
    row_index,
)
from indexer.records import Hit, IndexEntry, IndexStateError, SyncReport, sync_plan, validated
from indexer.scoring import DEFAULT_FUSION, DEFAULT_WEIGHTS, FUSIONS, RRF_K, Fusion, fuse

Mode = Literal["hybrid", "dense", "lexical"]

#: efSearch of the optional HNSW index (approx_kind="hnsw", M 32, efConstruction 80). It is
#: used only from `approx_threshold` (200k) items up, and at 1M real-based vectors
#: (benchmarks/results/ann_scale.json) recall@10 was 0.926 at 256 and 0.953 at 512
#: (1.6 ms per query); at 100k 256 already gave 0.999.
HNSW_EF_SEARCH = 512

__all__ = ["Hit", "IndexEntry", "IndexStateError", "Mode", "SearchIndex", "SyncReport", "fingerprint"]


class SearchIndex:
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

    def sync(
        self,
        entries: Sequence[IndexEntry] | Callable[[], Sequence[IndexEntry]],
        progress: Callable[[int], None] | None = None,
        on_start: Callable[[int], None] | None = None,
    ) -> SyncReport:
        """Bring the index in line with `entries`, embedding only new or changed texts.

        Pass a callable to have the entries read while the index lock is held:
        two processes syncing at once then never let an older snapshot of the
        catalog overwrite a newer index.

        A missing, corrupt, foreign (other model / dimension) or inconsistent index
        is rebuilt (`rebuilt=True`, `reason` says why). `on_start(n)` is called
        once with the number of texts about to be embedded, then `progress(n)`
        after each batch with the number just embedded.

        Resumable: when more than `journal_every` texts need embedding, each
        chunk's vectors go to `journal/` as soon as they exist (indexer.journal),
        so a sync killed part-way embeds only what is not there yet when rerun
        (`SyncReport.resumed` counts the vectors taken from the journal).
        """
        return self._write(entries, progress, force=False, on_start=on_start)

    def rebuild(
        self,
        entries: Sequence[IndexEntry] | Callable[[], Sequence[IndexEntry]],
        progress: Callable[[int], None] | None = None,
        on_start: Callable[[int], None] | None = None,
    ) -> SyncReport:
        """Re-embed everything and rewrite the index from scratch (journal ignored)."""
        return self._write(entries, progress, force=True, on_start=on_start)

    def _write(
        self,
        entries: Sequence[IndexEntry] | Callable[[], Sequence[IndexEntry]],
        progress: Callable[[int], None] | None,
        force: bool,
        on_start: Callable[[int], None] | None = None,
    ) -> SyncReport:
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

            dim = int(self.embedder.dimension)
            if force:
                journal.clear()
            new_vectors, resumed = self._embed(plan.to_embed, journal, dim, progress, on_start)
            fresh = {e.id: r for r, e in enumerate(plan.to_embed)}

            ids = np.array(sorted(wanted), dtype=np.int64)
            vectors = np.empty((len(ids), dim), dtype=np.float32)
            id_list = ids.tolist()
            is_fresh = np.array([i in fresh for i in id_list], dtype=bool)
            if is_fresh.any():
                vectors[is_fresh] = new_vectors[[fresh[i] for i in id_list if i in fresh]]
            if not is_fresh.all():
                assert old is not None
                kept_rows = [old.row_of[i] for i in id_list if i not in fresh]
                vectors[~is_fresh] = np.asarray(old.vectors[kept_rows], dtype=np.float32)
            hashes = {int(i): wanted[int(i)].hash for i in ids.tolist()}
            texts = [wanted[int(i)].text for i in ids.tolist()]

            self._state = None  # the grow path mutates the cached FAISS index; never reuse it on failure
            state = self._persist(
                ids, vectors, hashes, texts, old if not rebuilt else None, fresh, plan.changed + plan.removed
            )
            self._state = state
            journal.clear()
            return plan.report(reason, resumed)

    def _embed(
        self,
        entries: Sequence[IndexEntry],
        journal: Journal,
        dim: int,
        progress: Callable[[int], None] | None,
        on_start: Callable[[int], None] | None,
    ) -> tuple[np.ndarray, int]:
        """Vectors for `entries` (row order) and how many came from the journal.

        Texts go to the model longest first, like one `encode_batched` call, but in
        journal chunks; a job of at most one chunk is not journaled (a kill costs
        less than re-reading it would save)."""
        known = journal.load() if len(entries) > self.journal_every else {}
        need = [i for i, e in enumerate(entries) if e.hash not in known]
        if on_start is not None:
            on_start(len(need))
        out = np.empty((len(entries), dim), dtype=np.float32)
        for i, e in enumerate(entries):
            if e.hash in known:
                out[i] = known[e.hash]
        need.sort(key=lambda i: -len(entries[i].text))
        step = self.journal_every if len(entries) > self.journal_every else max(len(need), 1)
        for start in range(0, len(need), step):
            rows = need[start : start + step]
            vecs = encode_batched(self.embedder, [entries[i].text for i in rows], dim, self.batch_size, progress)
            if len(entries) > self.journal_every:
                journal.append([entries[i].hash for i in rows], vecs)
            out[rows] = vecs
        return out, len(entries) - len(need)
    def _read_only_sync(
        self, entries: Sequence[IndexEntry] | Callable[[], Sequence[IndexEntry]]
    ) -> SyncReport:
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

    def _persist(
        self,
        ids: np.ndarray,
        vectors: np.ndarray,
        hashes: dict[int, str],
        texts: list[str],
        grow_from: IndexState | None,
        fresh: dict[int, int],
        dead: int,
    ) -> IndexState:
        import faiss

        d = self.directory
        with temp_dir(d) as tmp:
            index, stale = grow_or_build(ids, vectors, grow_from, fresh, dead, self._faiss_settings)
            faiss.write_index(index, str(tmp / FAISS))
            save_npy(tmp / IDS, ids)
            save_npy(tmp / VECTORS, vectors)
            fsync_write(
                tmp / HASHES,
                json.dumps({str(i): h for i, h in hashes.items()}, indent=0).encode("utf-8"),
            )
            bm25 = save_bm25(tmp / BM25_DIR, texts)
            kind = index_type(index)
            manifest = build_manifest(
                folder=tmp,
                model=self.embedder.name,
                dimension=int(vectors.shape[1]),
                count=len(ids),
                index_type=kind,
                hashes=hashes,
                hnsw=(
                    {"M": self.hnsw_m, "efConstruction": self.ef_construction, "efSearch": self.ef_search}
                    if kind == "hnsw"
                    else None
                ),
                faiss_ntotal=int(index.ntotal),
                stale=stale,
                previous=self.manifest(),
            )
            manifest["ivf"] = ivf_info(index, self._faiss_settings)
            commit(tmp, d, (*SIZED_FILES, BM25_DIR), MANIFEST, json.dumps(manifest, indent=2).encode("utf-8"))

        return IndexState(
            manifest=manifest,
            ids=ids,
            vectors=vectors,
            hashes=hashes,
            faiss_index=index,
            bm25=bm25,
            row_of=row_index(ids),
            stamp=manifest_stamp(d),
        )

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
        if mode not in ("hybrid", "dense", "lexical"):
            raise ValueError(f"unknown search mode {mode!r}; use hybrid, dense or lexical")
        state = self._loaded()
        n = int(state.ids.shape[0])
        if k <= 0 or n == 0:
            return []
        rows: np.ndarray | None = None
        if allowed_ids is not None:
            rows = np.array(
                sorted({state.row_of[int(i)] for i in allowed_ids if int(i) in state.row_of}),
                dtype=np.int64,
            )
            if rows.size == 0:
                return []
        pool = n if rows is None else int(rows.size)
        k = min(k, pool)

        if mode == "lexical":
            lex = lexical_scores(state.bm25, n, query)
            cand = top_lexical_rows(lex, rows, k)
            return [Hit(int(state.ids[r]), float(lex[r]), None, float(lex[r])) for r in cand]

        qvec = self._query_vector(query)
        if mode == "dense":
            cand_rows, cand_scores = dense_top(state, qvec, k, rows, self._faiss_settings)
            return [
                Hit(int(state.ids[r]), float(s), float(s), None) for r, s in zip(cand_rows, cand_scores)
            ]

        # hybrid: candidates from both sides, then both scores computed exactly for each.
        depth = min(pool, max(50, 5 * k))
        dense_rows, _ = dense_top(state, qvec, depth, rows, self._faiss_settings)
        lex = lexical_scores(state.bm25, n, query)
        lex_rows = top_lexical_rows(lex, rows, depth)
        cand = np.array(sorted(set(dense_rows.tolist()) | set(lex_rows.tolist())), dtype=np.int64)
        dense = np.asarray(state.vectors[cand] @ qvec, dtype=np.float64)
        lexical = lex[cand].astype(np.float64)
        fused = fuse(dense, lexical, fusion or self.fusion, weights or self.weights, self.rrf_k)
        order = sorted(range(len(cand)), key=lambda j: (-fused[j], -dense[j], int(state.ids[cand[j]])))
        return [
            Hit(int(state.ids[cand[j]]), float(fused[j]), float(dense[j]), float(lexical[j]))
            for j in order[:k]
        ]

    def _query_vector(self, query: str) -> np.ndarray:
        vec = np.asarray(self.query_embedder.encode([query]), dtype=np.float32)
        return normalize_rows(vec)[0]
