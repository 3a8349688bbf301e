"""The FAISS side of the search index: build, load, grow and dense top-k.

Exact inner product (IndexFlatIP) below the approximate threshold; at or
above it an inverted file with 8-bit scalar-quantized vectors (IVF-SQ8,
the default) or an HNSW graph (`approx_kind="hnsw"`). Both are searched for
more candidates than asked and the candidates re-scored exactly from the
stored vectors, so scores are always exact cosines.

The choice was measured on real all-MiniLM-L6-v2 embeddings grown to 1M
(`benchmarks/ann_scale.py`, README "A million items"): IVF-SQ8 holds 1M
vectors in ~370 MiB (HNSW over float vectors needs ~1.7 GiB), trains and
fills in 3-5 minutes where HNSW M=32 took 11 (and needs efSearch 512 for
recall 0.95 at 1M; M=16 never reached it), can delete (so it grows in place without stale entries), and with
the re-scoring reaches recall@10 >= 0.95 with 32 probed lists at 100k and 1M.

An IVF index grows in place (removed and changed ids deleted, new vectors
added) until the size calls for a different number of lists; an HNSW graph
cannot delete, so it carries "stale" entries (removed items, old versions of
changed ones) that the search skips, until they pass `max_stale`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Collection

import numpy as np

if TYPE_CHECKING:
    from indexer.manifest import IndexState

#: From this many items the dense side is approximate (exact search is fast enough below).
APPROX_THRESHOLD = 200_000
#: The approximate index: "ivf-sq8" or "hnsw".
APPROX_KINDS = ("ivf-sq8", "hnsw")
DEFAULT_APPROX = "ivf-sq8"
#: Training vectors per IVF list (FAISS wants >= 39).
TRAIN_PER_LIST = 64


@dataclass(frozen=True)
class FaissSettings:
    """When to go approximate, with which index, and how to build / search it."""

    approx_threshold: int
    hnsw_m: int
    ef_construction: int
    ef_search: int
    max_stale: float
    approx_kind: str = DEFAULT_APPROX
    nprobe: int | None = None  # None: ivf_nprobe(nlist)


def ivf_nlist(n: int) -> int:
    """IVF lists for n vectors: the power of two nearest sqrt(n) (1,024 at 1M), never more
    than n / 39 (what k-means needs to train on)."""
    target = int(2 ** round(np.log2(max(np.sqrt(max(n, 1)), 1.0))))
    return max(1, min(target, n // 39))


def ivf_nprobe(nlist: int) -> int:
    """Lists probed per query: 32 (1/32 of them beyond 1,024 lists). Measured on real
    embeddings grown to 1M (benchmarks/results/ann_scale.json), with the exact re-scoring
    of 2k + 16 candidates: recall@10 0.965 at 100k (256 lists; 16 probes gave 0.923) and
    0.956-0.959 at 1M (1,024 lists, two runs; 16 gave 0.91, 64 gave 0.975)."""
    return max(1, min(nlist, max(32, nlist // 32)))


def wanted_kind(count: int, settings: FaissSettings) -> str:
    """"flat" below the threshold, else the configured approximate kind."""
    return settings.approx_kind if count >= settings.approx_threshold else "flat"


def build_faiss(ids: np.ndarray, vectors: np.ndarray, settings: FaissSettings) -> Any:
    """A fresh FAISS index over `vectors` keyed by `ids` (flat, IVF-SQ8 or HNSW by size)."""
    import faiss

    dim = vectors.shape[1]
    kind = wanted_kind(len(ids), settings)
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if kind == "ivf-sq8":
        nlist = ivf_nlist(len(ids))
        index = faiss.index_factory(dim, f"IVF{nlist},SQ8", faiss.METRIC_INNER_PRODUCT)
        sample = vectors
        if len(ids) > TRAIN_PER_LIST * nlist:  # a fixed-seed sample: the same data trains the same lists
            pick = np.random.default_rng(0).choice(len(ids), TRAIN_PER_LIST * nlist, replace=False)
            sample = vectors[np.sort(pick)]
        index.train(sample)
        index.add_with_ids(vectors, np.ascontiguousarray(ids, dtype=np.int64))
        return index
    if kind == "hnsw":
        base = faiss.IndexHNSWFlat(dim, settings.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        base.hnsw.efConstruction = settings.ef_construction
        base.hnsw.efSearch = settings.ef_search
    else:
        base = faiss.IndexFlatIP(dim)
    index = faiss.IndexIDMap2(base)
    if len(ids):
        index.add_with_ids(vectors, ids)
    return index


def _inner(index: Any) -> Any:
    import faiss

    idx = faiss.downcast_index(index)
    if hasattr(idx, "id_map"):  # IndexIDMap / IndexIDMap2
        idx = faiss.downcast_index(idx.index)
    return idx


def index_type(index: Any) -> str:
    """"flat", "hnsw" or "ivf-sq8", for the manifest."""
    import faiss

    inner = _inner(index)
    if isinstance(inner, faiss.IndexHNSW):
        return "hnsw"
    if isinstance(inner, faiss.IndexIVF):
        return "ivf-sq8"
    return "flat"


def ivf_info(index: Any, settings: FaissSettings) -> dict[str, int] | None:
    """{"nlist", "nprobe"} of an IVF index (for the manifest), else None."""
    import faiss

    inner = _inner(index)
    if not isinstance(inner, faiss.IndexIVF):
        return None
    return {"nlist": int(inner.nlist), "nprobe": settings.nprobe or ivf_nprobe(int(inner.nlist))}


def load_faiss(path: Path, ntotal: int, dim: int) -> tuple[Any, str | None]:
    """(index, None) when `path` holds `ntotal` vectors of `dim`, else (None, what is wrong)."""
    try:
        import faiss

        index = faiss.read_index(str(path))
        if index.ntotal != ntotal or index.d != dim:
            return None, (
                f"faiss.index holds {index.ntotal} vectors of dimension {index.d}, "
                f"expected {ntotal} of {dim}"
            )
        return index, None
    except Exception as exc:  # noqa: BLE001
        # faiss messages start with a C++ location; keep the human part.
        msg = re.sub(r"^.*?\.cpp:\d+:\s*", "", str(exc).strip().splitlines()[-1] if str(exc).strip() else "")
        return None, f"faiss.index is corrupt or unreadable ({msg[:160] or type(exc).__name__})"


def grow_or_build(
    ids: np.ndarray,
    vectors: np.ndarray,
    grow_from: "IndexState | None",
    fresh: Collection[int],
    dead: int,
    settings: FaissSettings,
) -> tuple[Any, int]:
    """The FAISS index for the new rows and its count of stale entries.

    A flat index is rebuilt from the vectors (a memory copy). An IVF index
    grows in place: removed and changed ids are deleted, new and changed
    vectors (`fresh` ids) added, while the size still calls for the same
    number of lists within a factor of two (else it is retrained). An HNSW
    graph is slow to build and cannot delete, so it grows in place too:
    superseded vectors (`dead`) stay as "stale" entries that search skips
    (results are re-scored from vectors.npy), until stale entries pass
    `max_stale` of the live count and the graph is rebuilt.
    """
    count = len(ids)
    want_type = wanted_kind(count, settings)
    old = grow_from.faiss_index if grow_from is not None else None
    if old is None or index_type(old) != want_type or want_type == "flat":
        return build_faiss(ids, vectors, settings), 0
    assert grow_from is not None
    new_ids = np.array(sorted(fresh), dtype=np.int64)
    rows = np.searchsorted(ids, new_ids)
    if want_type == "ivf-sq8":
        index = _inner(old)
        if not ivf_nlist(count) / 2 <= int(index.nlist) <= 2 * ivf_nlist(count):
            return build_faiss(ids, vectors, settings), 0
        old_ids = np.asarray(grow_from.ids, dtype=np.int64)
        remove = np.union1d(np.setdiff1d(old_ids, ids), np.intersect1d(old_ids, new_ids))
        if remove.size:
            index.remove_ids(remove)
        if new_ids.size:
            index.add_with_ids(np.ascontiguousarray(vectors[rows], dtype=np.float32), new_ids)
        return index, 0
    stale = int(grow_from.manifest.get("stale", 0)) + dead
    if stale > settings.max_stale * count:
        return build_faiss(ids, vectors, settings), 0
    if new_ids.size:
        old.add_with_ids(np.ascontiguousarray(vectors[rows]), new_ids)
    return old, stale


def dense_top(
    state: "IndexState", qvec: np.ndarray, k: int, rows: np.ndarray | None, settings: FaissSettings
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k rows by cosine; FAISS for the whole index, exact numpy on a filtered subset
    (a subset is at most the whole index, so the scan is never worse than flat search,
    and it cannot miss results the way a filtered approximate search can)."""
    if k <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    if rows is not None:
        scores = np.asarray(state.vectors[rows] @ qvec, dtype=np.float32)
        order = np.lexsort((rows, -scores))[:k]
        return rows[order], scores[order]
    index = state.faiss_index
    n = int(state.ids.shape[0])
    kind = state.manifest.get("index_type")
    if kind == "flat":
        distances, labels = index.search(qvec.reshape(1, -1), k)
        found = [
            (float(dist), int(label))
            for label, dist in zip(labels[0].tolist(), distances[0].tolist())
            if label >= 0
        ]
    else:
        # Approximate: over-fetch (an HNSW graph may also hold stale entries: removed
        # items, old versions of changed ones), keep live ids once, score them exactly
        # from vectors.npy.
        import faiss

        fetch = min(int(index.ntotal), 2 * k + 16)
        while True:
            if kind == "hnsw":
                params = faiss.SearchParametersHNSW(efSearch=max(settings.ef_search, fetch))
            else:
                nlist = int(_inner(index).nlist)
                params = faiss.SearchParametersIVF(nprobe=settings.nprobe or ivf_nprobe(nlist))
            _, labels = _inner(index).search(qvec.reshape(1, -1), fetch, params=params) if kind != "hnsw" \
                else index.search(qvec.reshape(1, -1), fetch, params=params)
            live = list(dict.fromkeys(int(x) for x in labels[0].tolist() if int(x) in state.row_of))
            if len(live) >= min(k, n) or fetch >= index.ntotal:
                break
            fetch = min(int(index.ntotal), fetch * 4)
        live_rows = np.array([state.row_of[i] for i in live], dtype=np.int64)
        exact = np.asarray(state.vectors[live_rows] @ qvec, dtype=np.float32) if live_rows.size else []
        found = [(float(sc), i) for sc, i in zip(exact, live)]
    found.sort(key=lambda pair: (-pair[0], pair[1]))  # ties in id order, like the exact path
    found = found[:k]
    out_rows = np.array([state.row_of[label] for _, label in found], dtype=np.int64)
    return out_rows, np.array([dist for dist, _ in found], dtype=np.float32)
