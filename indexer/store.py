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

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Collection, Iterator, Literal, Sequence

import numpy as np

from indexer.embedder import Embedder, normalize_rows
from indexer.scoring import (
    BM25_PARAMS,
    DEFAULT_FUSION,
    DEFAULT_WEIGHTS,
    RRF_K,
    Fusion,
    bm25_query_scores,
    build_bm25,
    fuse,
)
from indexer.tokenize import TOKENIZER_VERSION, tokenize

FORMAT = "modelkb-index"
FORMAT_VERSION = 1

MANIFEST = "manifest.json"
IDS = "ids.npy"
VECTORS = "vectors.npy"
HASHES = "hashes.json"
FAISS = "faiss.index"
BM25_DIR = "bm25"
BM25_EMPTY = "EMPTY"  # marker file in bm25/ for an index of zero items (bm25s cannot index nothing)
LOCK = ".lock"
NEW_INDEX = "no index yet"
_SIZED_FILES = (IDS, VECTORS, HASHES, FAISS)

Mode = Literal["hybrid", "dense", "lexical"]


class IndexStateError(RuntimeError):
    """The index on disk is missing, stale or damaged; `sync` repairs it."""


@dataclass(frozen=True)
class IndexEntry:
    """One item to index: its id, the text to embed, and the text's content hash."""

    id: int
    text: str
    hash: str

    @classmethod
    def of(cls, id: int, text: str) -> "IndexEntry":
        """Entry with the hash computed from the text."""
        return cls(int(id), text, hashlib.sha256(text.encode("utf-8")).hexdigest())


@dataclass(frozen=True)
class Hit:
    """A search result. `dense` is the cosine, `lexical` the BM25 score, when computed."""

    id: int
    score: float
    dense: float | None
    lexical: float | None


@dataclass
class SyncReport:
    """What a sync did: texts embedded, ids removed, items now indexed, and whether
    (and why) the index was rebuilt instead of updated."""

    embedded: int
    removed: int
    total: int
    rebuilt: bool
    reason: str | None
    added: int = 0
    changed: int = 0
    written: bool = True


def fingerprint(pairs: Collection[tuple[int, str]]) -> str:
    """sha256 over sorted (id, hash) pairs: identifies exactly which texts are indexed."""
    h = hashlib.sha256()
    for item_id, text_hash in sorted((int(i), str(s)) for i, s in pairs):
        h.update(f"{item_id}:{text_hash}\n".encode())
    return h.hexdigest()


@dataclass
class _State:
    """A loaded, validated index."""

    manifest: dict[str, Any]
    ids: np.ndarray  # int64, sorted ascending
    vectors: np.ndarray  # float32 (n, d), rows aligned with ids
    hashes: dict[int, str]
    faiss_index: Any = None
    bm25: Any = None
    row_of: dict[int, int] = field(default_factory=dict)
    stamp: tuple[int, int, int] | None = None


@dataclass
class _Diagnosis:
    """Result of reading the folder: a state if usable, else problems and their depth."""

    state: _State | None
    problems: list[str]
    # "none": usable; "derived": vectors usable, faiss/bm25 must be rebuilt;
    # "core": nothing reusable, everything must be re-embedded.
    level: Literal["none", "derived", "core"]


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


@contextlib.contextmanager
def _locked(path: Path, exclusive: bool) -> Iterator[None]:
    """Advisory file lock so two processes never write (or read mid-write) at once."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - non-POSIX: atomic renames still protect readers
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _fsync_write(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _save_npy(path: Path, array: np.ndarray) -> None:
    with open(path, "wb") as fh:
        np.save(fh, array, allow_pickle=False)
        fh.flush()
        os.fsync(fh.fileno())


class SearchIndex:
    """Dense (FAISS) + lexical (BM25) index over item texts, persisted in `directory`.

    Exact inner product (IndexFlatIP) below `approx_threshold` items, HNSW at or
    above it. `fusion` picks how hybrid search combines the two rankings.
    """

    def __init__(
        self,
        directory: Path | str,
        embedder: Embedder,
        approx_threshold: int = 50_000,
        *,
        fusion: Fusion = DEFAULT_FUSION,
        weights: Sequence[float] = DEFAULT_WEIGHTS,
        rrf_k: int = RRF_K,
        hnsw_m: int = 32,
        ef_construction: int = 80,
        ef_search: int = 128,
        batch_size: int = 64,
        max_stale: float = 0.25,
    ) -> None:
        if fusion not in ("rrf", "weighted"):
            raise ValueError(f"unknown fusion {fusion!r}; use 'rrf' or 'weighted'")
        self.directory = Path(directory)
        self.embedder = embedder
        self.approx_threshold = int(approx_threshold)
        self.fusion: Fusion = fusion
        self.weights = tuple(float(w) for w in weights)
        self.rrf_k = rrf_k
        self.hnsw_m = hnsw_m
        self.ef_construction = ef_construction
        self.ef_search = ef_search
        self.batch_size = batch_size
        self.max_stale = max_stale
        self._state: _State | None = None

    def __repr__(self) -> str:
        return f"SearchIndex({str(self.directory)!r}, model={self.embedder.name!r})"

    # ------------------------------------------------------------------ reading

    @property
    def _lock_path(self) -> Path:
        return self.directory / LOCK

    def _stamp(self) -> tuple[int, int, int] | None:
        try:
            st = (self.directory / MANIFEST).stat()
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def manifest(self) -> dict[str, Any] | None:
        """The manifest as stored, or None when missing or unreadable (for `stats`)."""
        try:
            data = json.loads((self.directory / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def _diagnose(self, load_search: bool = True) -> _Diagnosis:
        """Read and cross-check every file; never raises for bad content."""
        d = self.directory
        mpath = d / MANIFEST
        if not mpath.exists():
            if d.exists() and any((d / name).exists() for name in (*_SIZED_FILES, BM25_DIR)):
                return _Diagnosis(None, ["manifest.json is missing (an earlier write was interrupted?)"], "core")
            return _Diagnosis(None, [NEW_INDEX], "core")
        stamp = self._stamp()
        try:
            manifest = json.loads(mpath.read_text(encoding="utf-8"))
            if not isinstance(manifest, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError) as exc:
            return _Diagnosis(None, [f"manifest.json is unreadable ({exc})"], "core")
        if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
            return _Diagnosis(
                None,
                [
                    f"manifest.json has format {manifest.get('format')!r} version "
                    f"{manifest.get('format_version')!r}, expected {FORMAT!r} version {FORMAT_VERSION}"
                ],
                "core",
            )
        required = ("model", "dimension", "count", "fingerprint", "index_type")
        missing = [k for k in required if k not in manifest]
        if missing:
            return _Diagnosis(None, [f"manifest.json lacks {', '.join(missing)}"], "core")
        if manifest["model"] != self.embedder.name:
            return _Diagnosis(
                None,
                [f"index was built with model {manifest['model']!r}, now {self.embedder.name!r}"],
                "core",
            )
        dim = int(self.embedder.dimension)
        if int(manifest["dimension"]) != dim:
            return _Diagnosis(
                None,
                [f"index has dimension {manifest['dimension']}, the model produces {dim}"],
                "core",
            )
        count = int(manifest["count"])
        sizes = manifest.get("files", {})

        # -- core files: ids, hashes, vectors
        problems: list[str] = []
        for name in (IDS, HASHES, VECTORS):
            p = d / name
            if not p.is_file():
                problems.append(f"{name} is missing")
            elif name in sizes and p.stat().st_size != sizes[name]:
                problems.append(f"{name} has {p.stat().st_size} bytes, manifest says {sizes[name]}")
        if problems:
            return _Diagnosis(None, problems, "core")
        try:
            ids = np.load(d / IDS, allow_pickle=False)
            raw_hashes = json.loads((d / HASHES).read_text(encoding="utf-8"))
            vectors = np.load(d / VECTORS, mmap_mode="r", allow_pickle=False)
        except Exception as exc:  # noqa: BLE001 - any unreadable file means "rebuild"
            return _Diagnosis(None, [f"index files are unreadable ({type(exc).__name__}: {exc})"], "core")
        if ids.ndim != 1 or ids.dtype != np.int64:
            problems.append(f"ids.npy has shape {ids.shape} dtype {ids.dtype}, expected 1-d int64")
        elif ids.shape[0] != count:
            problems.append(f"ids.npy holds {ids.shape[0]} ids, manifest says {count}")
        if vectors.dtype != np.float32 or vectors.shape != (count, dim):
            problems.append(
                f"vectors.npy has shape {vectors.shape} dtype {vectors.dtype}, expected ({count}, {dim}) float32"
            )
        try:
            hashes = {int(k): str(v) for k, v in dict(raw_hashes).items()}
        except (TypeError, ValueError):
            hashes = {}
            problems.append("hashes.json is not a map of id -> hash")
        if not problems:
            if len(hashes) != count or set(hashes) != set(ids.tolist()):
                problems.append("hashes.json and ids.npy list different ids")
            elif fingerprint(hashes.items()) != manifest["fingerprint"]:
                problems.append("hashes.json does not match the manifest fingerprint")
        if problems:
            return _Diagnosis(None, problems, "core")
        state = _State(
            manifest=manifest,
            ids=ids,
            vectors=vectors,
            hashes=hashes,
            row_of={int(i): r for r, i in enumerate(ids.tolist())},
            stamp=stamp,
        )

        # -- derived files: faiss, bm25 (rebuildable from vectors and texts)
        if not load_search:
            return _Diagnosis(state, [], "none")
        fpath = d / FAISS
        if not fpath.is_file():
            problems.append("faiss.index is missing")
        elif FAISS in sizes and fpath.stat().st_size != sizes[FAISS]:
            problems.append(
                f"faiss.index is corrupt ({fpath.stat().st_size} bytes, manifest says {sizes[FAISS]})"
            )
        else:
            try:
                import faiss

                index = faiss.read_index(str(fpath))
                ntotal = int(manifest.get("faiss_ntotal", count))
                if index.ntotal != ntotal or index.d != dim:
                    problems.append(
                        f"faiss.index holds {index.ntotal} vectors of dimension {index.d}, "
                        f"expected {ntotal} of {dim}"
                    )
                else:
                    state.faiss_index = index
            except Exception as exc:  # noqa: BLE001
                # faiss messages start with a C++ location; keep the human part.
                msg = re.sub(r"^.*?\.cpp:\d+:\s*", "", str(exc).strip().splitlines()[-1] if str(exc).strip() else "")
                problems.append(f"faiss.index is corrupt or unreadable ({msg[:160] or type(exc).__name__})")
        if manifest.get("tokenizer") != TOKENIZER_VERSION:
            problems.append(
                f"lexical index was built with tokenizer version {manifest.get('tokenizer')}, "
                f"now {TOKENIZER_VERSION}"
            )
        else:
            bdir = d / BM25_DIR
            if count == 0:
                if not (bdir / BM25_EMPTY).exists():
                    problems.append("bm25/ is missing")
            elif not bdir.is_dir():
                problems.append("bm25/ is missing")
            else:
                try:
                    import bm25s

                    retriever = bm25s.BM25.load(str(bdir), show_progress=False)
                    if retriever.scores.get("num_docs") != count:
                        problems.append(
                            f"bm25/ indexes {retriever.scores.get('num_docs')} texts, expected {count}"
                        )
                    else:
                        state.bm25 = retriever
                except Exception as exc:  # noqa: BLE001
                    problems.append(f"bm25/ is corrupt or unreadable ({type(exc).__name__}: {exc})")
        return _Diagnosis(state, problems, "derived" if problems else "none")

    def _loaded(self) -> _State:
        """The validated in-memory state, reloaded when another process rewrote the folder."""
        if self._state is not None and self._state.stamp == self._stamp():
            return self._state
        with _locked(self._lock_path, exclusive=False):
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
        with _locked(self._lock_path, exclusive=False):
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
            have = diag.state.hashes
            new = sum(1 for i in wanted if i not in have)
            changed = sum(1 for i, h in wanted.items() if i in have and have[i] != h)
            gone = sum(1 for i in have if i not in wanted)
            problems.append(
                f"index is out of date: {new} new, {changed} changed, {gone} removed item(s)"
            )
        return problems

    # ------------------------------------------------------------------ writing

    def sync(
        self,
        entries: Sequence[IndexEntry] | Callable[[], Sequence[IndexEntry]],
        progress: Callable[[int], None] | None = None,
    ) -> SyncReport:
        """Bring the index in line with `entries`, embedding only new or changed texts.

        Pass a callable to have the entries read while the index lock is held:
        two processes syncing at once then never let an older snapshot of the
        catalog overwrite a newer index.

        A missing, corrupt, foreign (other model / dimension) or inconsistent index
        is rebuilt (`rebuilt=True`, `reason` says why). `progress(n)` is called
        after each batch with the number of texts just embedded.
        """
        return self._write(entries, progress, force=False)

    def rebuild(
        self,
        entries: Sequence[IndexEntry] | Callable[[], Sequence[IndexEntry]],
        progress: Callable[[int], None] | None = None,
    ) -> SyncReport:
        """Re-embed everything and rewrite the index from scratch."""
        return self._write(entries, progress, force=True)

    def _write(
        self,
        entries: Sequence[IndexEntry] | Callable[[], Sequence[IndexEntry]],
        progress: Callable[[int], None] | None,
        force: bool,
    ) -> SyncReport:
        self.directory.mkdir(parents=True, exist_ok=True)
        with _locked(self._lock_path, exclusive=True):
            entries = self._validated(entries() if callable(entries) else entries)
            self._remove_leftovers()
            if force:
                diag = _Diagnosis(None, ["full rebuild requested"], "core")
            else:
                diag = self._diagnose()
            rebuilt = diag.level != "none" and diag.problems != [NEW_INDEX]
            reason = "; ".join(diag.problems) if rebuilt else None
            old = diag.state if diag.level != "core" else None
            old_hashes = old.hashes if old is not None else {}

            wanted = {e.id: e for e in entries}
            to_embed = [e for e in entries if old_hashes.get(e.id) != e.hash]
            added = sum(1 for e in to_embed if e.id not in old_hashes)
            changed = len(to_embed) - added
            removed = sum(1 for i in old_hashes if i not in wanted)
            total = len(wanted)

            if diag.level == "none" and not to_embed and not removed:
                # Nothing changed: touch nothing on disk.
                assert old is not None
                self._state = old
                return SyncReport(0, 0, total, False, None, written=False)

            dim = int(self.embedder.dimension)
            new_vectors = self._embed([e.text for e in to_embed], dim, progress)
            fresh = {e.id: r for r, e in enumerate(to_embed)}

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
                ids, vectors, hashes, texts, old if not rebuilt else None, fresh, changed + removed
            )
            self._state = state
            return SyncReport(
                embedded=len(to_embed),
                removed=removed,
                total=total,
                rebuilt=rebuilt,
                reason=reason,
                added=added,
                changed=changed,
            )

    @staticmethod
    def _validated(entries: Sequence[IndexEntry]) -> list[IndexEntry]:
        out: list[IndexEntry] = []
        seen: set[int] = set()
        for e in entries:
            item_id = int(e.id)
            if item_id in seen:
                raise ValueError(f"duplicate id {item_id} in index entries")
            if item_id < 0:
                raise ValueError(f"index ids must be non-negative, got {item_id}")
            if not e.hash:
                raise ValueError(f"entry {item_id} has an empty hash")
            seen.add(item_id)
            out.append(e if type(e.id) is int else IndexEntry(item_id, e.text, e.hash))
        return out

    def _embed(
        self, texts: list[str], dim: int, progress: Callable[[int], None] | None
    ) -> np.ndarray:
        if not texts:
            return np.zeros((0, dim), dtype=np.float32)
        chunk = max(self.batch_size * 4, 1)
        parts = []
        for start in range(0, len(texts), chunk):
            batch = texts[start : start + chunk]
            vecs = np.asarray(self.embedder.encode(batch, batch_size=self.batch_size), dtype=np.float32)
            if vecs.shape != (len(batch), dim):
                raise ValueError(
                    f"embedder {self.embedder.name!r} returned shape {vecs.shape}, "
                    f"expected ({len(batch)}, {dim})"
                )
            parts.append(normalize_rows(vecs))
            if progress is not None:
                progress(len(batch))
        return np.concatenate(parts, axis=0)

    def _build_faiss(self, ids: np.ndarray, vectors: np.ndarray):  # -> faiss.Index
        import faiss

        dim = vectors.shape[1]
        if len(ids) >= self.approx_threshold:
            base = faiss.IndexHNSWFlat(dim, self.hnsw_m, faiss.METRIC_INNER_PRODUCT)
            base.hnsw.efConstruction = self.ef_construction
            base.hnsw.efSearch = self.ef_search
        else:
            base = faiss.IndexFlatIP(dim)
        index = faiss.IndexIDMap2(base)
        if len(ids):
            index.add_with_ids(np.ascontiguousarray(vectors), ids)
        return index

    @staticmethod
    def _index_type(index) -> str:  # noqa: ANN001
        import faiss

        inner = faiss.downcast_index(index.index) if hasattr(index, "index") else index
        return "hnsw" if isinstance(inner, faiss.IndexHNSW) else "flat"

    def _remove_leftovers(self) -> None:
        """Temp folders of writers that were killed (we hold the write lock, so none is live)."""
        for p in self.directory.glob(".tmp-*"):
            shutil.rmtree(p, ignore_errors=True)

    def _persist(
        self,
        ids: np.ndarray,
        vectors: np.ndarray,
        hashes: dict[int, str],
        texts: list[str],
        grow_from: _State | None,
        fresh: dict[int, int],
        dead: int,
    ) -> _State:
        import faiss

        d = self.directory
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}-", dir=d))
        try:
            # FAISS. A flat index is rebuilt from the vectors (a memory copy). An HNSW
            # graph is slow to build and cannot delete, so it grows in place: new and
            # changed vectors are added, superseded ones stay as "stale" entries that
            # search skips (results are re-scored from vectors.npy), until stale
            # entries pass `max_stale` of the live count and the graph is rebuilt.
            index = None
            stale = 0
            count = len(ids)
            want_type = "hnsw" if count >= self.approx_threshold else "flat"
            if (
                want_type == "hnsw"
                and grow_from is not None
                and grow_from.faiss_index is not None
                and self._index_type(grow_from.faiss_index) == "hnsw"
            ):
                stale = int(grow_from.manifest.get("stale", 0)) + dead
                if stale <= self.max_stale * count:
                    index = grow_from.faiss_index
                    new_ids = np.array(sorted(fresh), dtype=np.int64)
                    if new_ids.size:
                        rows = np.searchsorted(ids, new_ids)
                        index.add_with_ids(np.ascontiguousarray(vectors[rows]), new_ids)
            if index is None:
                stale = 0
                index = self._build_faiss(ids, vectors)
            faiss.write_index(index, str(tmp / FAISS))

            _save_npy(tmp / IDS, ids)
            _save_npy(tmp / VECTORS, vectors)
            _fsync_write(
                tmp / HASHES,
                json.dumps({str(i): h for i, h in hashes.items()}, indent=0).encode("utf-8"),
            )
            bm25 = None
            (tmp / BM25_DIR).mkdir()
            if count:
                bm25 = build_bm25([tokenize(t) for t in texts])
                bm25.save(str(tmp / BM25_DIR), show_progress=False)
            else:
                (tmp / BM25_DIR / BM25_EMPTY).write_text("no items\n")

            previous = self.manifest()
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "model": self.embedder.name,
                "dimension": int(vectors.shape[1]),
                "count": count,
                "index_type": self._index_type(index),
                "fingerprint": fingerprint(hashes.items()),
                "tokenizer": TOKENIZER_VERSION,
                "bm25": dict(BM25_PARAMS),
                "hnsw": (
                    {"M": self.hnsw_m, "efConstruction": self.ef_construction, "efSearch": self.ef_search}
                    if self._index_type(index) == "hnsw"
                    else None
                ),
                "faiss_ntotal": int(index.ntotal),
                "stale": stale,
                "files": {name: (tmp / name).stat().st_size for name in _SIZED_FILES},
                "created": (previous or {}).get("created") or _now(),
                "updated": _now(),
            }
            if previous is None or previous.get("model") != self.embedder.name:
                manifest["created"] = _now()

            # Commit: manifest out first, files in, manifest in last.
            with contextlib.suppress(FileNotFoundError):
                os.remove(d / MANIFEST)
            for name in _SIZED_FILES:
                os.replace(tmp / name, d / name)
            if (d / BM25_DIR).exists():
                os.replace(d / BM25_DIR, tmp / "bm25.old")
            os.replace(tmp / BM25_DIR, d / BM25_DIR)
            _fsync_write(tmp / MANIFEST, json.dumps(manifest, indent=2).encode("utf-8"))
            os.replace(tmp / MANIFEST, d / MANIFEST)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

        return _State(
            manifest=manifest,
            ids=ids,
            vectors=vectors,
            hashes=hashes,
            faiss_index=index,
            bm25=bm25,
            row_of={int(i): r for r, i in enumerate(ids.tolist())},
            stamp=self._stamp(),
        )

    # ------------------------------------------------------------------ searching

    def search(
        self,
        query: str,
        k: int = 10,
        mode: Mode = "hybrid",
        allowed_ids: Collection[int] | None = None,
        fusion: Fusion | None = None,
    ) -> list[Hit]:
        """The k best items for `query`, best first.

        `dense`: cosine similarity; `lexical`: BM25 (only items sharing a token);
        `hybrid`: both fused (`fusion`, default the index's). `allowed_ids`
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
            lex = self._lexical_all(state, query)
            cand = self._top_rows(lex, rows, k, positive_only=True)
            return [Hit(int(state.ids[r]), float(lex[r]), None, float(lex[r])) for r in cand]

        qvec = self._query_vector(query)
        if mode == "dense":
            cand_rows, cand_scores = self._dense_top(state, qvec, k, rows)
            return [
                Hit(int(state.ids[r]), float(s), float(s), None) for r, s in zip(cand_rows, cand_scores)
            ]

        # hybrid: candidates from both sides, then both scores computed exactly for each.
        depth = min(pool, max(50, 5 * k))
        dense_rows, _ = self._dense_top(state, qvec, depth, rows)
        lex = self._lexical_all(state, query)
        lex_rows = self._top_rows(lex, rows, depth, positive_only=True)
        cand = np.array(sorted(set(dense_rows.tolist()) | set(lex_rows.tolist())), dtype=np.int64)
        dense = np.asarray(state.vectors[cand] @ qvec, dtype=np.float64)
        lexical = lex[cand].astype(np.float64)
        fused = fuse(dense, lexical, fusion or self.fusion, self.weights, self.rrf_k)
        order = sorted(range(len(cand)), key=lambda j: (-fused[j], -dense[j], int(state.ids[cand[j]])))
        return [
            Hit(int(state.ids[cand[j]]), float(fused[j]), float(dense[j]), float(lexical[j]))
            for j in order[:k]
        ]

    def _query_vector(self, query: str) -> np.ndarray:
        vec = np.asarray(self.embedder.encode([query]), dtype=np.float32)
        return normalize_rows(vec)[0]

    def _lexical_all(self, state: _State, query: str) -> np.ndarray:
        n = int(state.ids.shape[0])
        if state.bm25 is None:
            return np.zeros(n, dtype=np.float32)
        return bm25_query_scores(state.bm25, n, tokenize(query))

    @staticmethod
    def _top_rows(
        scores: np.ndarray, rows: np.ndarray | None, k: int, positive_only: bool
    ) -> np.ndarray:
        """Rows of the k best scores (restricted to `rows`), best first, ties by row (= id order)."""
        candidates = np.arange(scores.shape[0]) if rows is None else rows
        values = scores[candidates]
        if positive_only:
            keep = values > 0
            candidates, values = candidates[keep], values[keep]
        order = np.lexsort((candidates, -values))[:k]
        return candidates[order]

    def _dense_top(
        self, state: _State, qvec: np.ndarray, k: int, rows: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k rows by cosine; FAISS for the whole index, exact numpy on a filtered subset
        (a subset is at most the whole index, so the scan is never worse than flat search,
        and it cannot miss results the way a filtered HNSW walk can)."""
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if rows is not None:
            scores = np.asarray(state.vectors[rows] @ qvec, dtype=np.float32)
            order = np.lexsort((rows, -scores))[:k]
            return rows[order], scores[order]
        index = state.faiss_index
        n = int(state.ids.shape[0])
        if state.manifest.get("index_type") != "hnsw":
            distances, labels = index.search(qvec.reshape(1, -1), k)
            found = [
                (float(dist), int(label))
                for label, dist in zip(labels[0].tolist(), distances[0].tolist())
                if label >= 0
            ]
        else:
            # HNSW may hold stale entries (removed items, old versions of changed
            # ones): over-fetch, keep live ids once, score them from vectors.npy.
            import faiss

            fetch = min(int(index.ntotal), 2 * k + 16)
            while True:
                params = faiss.SearchParametersHNSW(efSearch=max(self.ef_search, fetch))
                _, labels = index.search(qvec.reshape(1, -1), fetch, params=params)
                live = list(dict.fromkeys(int(x) for x in labels[0].tolist() if int(x) in state.row_of))
                if len(live) >= min(k, n) or fetch >= index.ntotal:
                    break
                fetch = min(int(index.ntotal), fetch * 4)
            rows = np.array([state.row_of[i] for i in live], dtype=np.int64)
            exact = np.asarray(state.vectors[rows] @ qvec, dtype=np.float32) if rows.size else []
            found = [(float(sc), i) for sc, i in zip(exact, live)]
        found.sort(key=lambda pair: (-pair[0], pair[1]))  # ties in id order, like the exact path
        found = found[:k]
        out_rows = np.array([state.row_of[label] for _, label in found], dtype=np.int64)
        return out_rows, np.array([dist for dist, _ in found], dtype=np.float32)
