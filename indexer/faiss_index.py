"""The FAISS side of the search index: build, load, grow (HNSW) and dense top-k.

Flat inner product below the approximate threshold, HNSW at or above it. An
HNSW graph cannot delete, so it grows in place and carries "stale" entries
(removed items, old versions of changed ones) that the search skips.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Collection

import numpy as np

if TYPE_CHECKING:
    from indexer.manifest import IndexState


@dataclass(frozen=True)
class FaissSettings:
    """When to go approximate and how to build / search the HNSW graph."""

    approx_threshold: int
    hnsw_m: int
    ef_construction: int
    ef_search: int
    max_stale: float


def build_faiss(ids: np.ndarray, vectors: np.ndarray, settings: FaissSettings) -> Any:
    """A fresh faiss.IndexIDMap2 over `vectors` keyed by `ids` (flat or HNSW by size)."""
    import faiss

    dim = vectors.shape[1]
    if len(ids) >= settings.approx_threshold:
        base = faiss.IndexHNSWFlat(dim, settings.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        base.hnsw.efConstruction = settings.ef_construction
        base.hnsw.efSearch = settings.ef_search
    else:
        base = faiss.IndexFlatIP(dim)
    index = faiss.IndexIDMap2(base)
    if len(ids):
        index.add_with_ids(np.ascontiguousarray(vectors), ids)
    return index


def index_type(index: Any) -> str:
    """"hnsw" or "flat", for the manifest."""
    import faiss

    inner = faiss.downcast_index(index.index) if hasattr(index, "index") else index
    return "hnsw" if isinstance(inner, faiss.IndexHNSW) else "flat"


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

    A flat index is rebuilt from the vectors (a memory copy). An HNSW graph is
    slow to build and cannot delete, so it grows in place: new and changed
    vectors (`fresh` ids) are added, superseded ones (`dead`) stay as "stale"
    entries that search skips (results are re-scored from vectors.npy), until
    stale entries pass `max_stale` of the live count and the graph is rebuilt.
    """
    count = len(ids)
    want_type = "hnsw" if count >= settings.approx_threshold else "flat"
    if (
        want_type == "hnsw"
        and grow_from is not None
        and grow_from.faiss_index is not None
        and index_type(grow_from.faiss_index) == "hnsw"
    ):
        stale = int(grow_from.manifest.get("stale", 0)) + dead
        if stale <= settings.max_stale * count:
            index = grow_from.faiss_index
            new_ids = np.array(sorted(fresh), dtype=np.int64)
            if new_ids.size:
                rows = np.searchsorted(ids, new_ids)
                index.add_with_ids(np.ascontiguousarray(vectors[rows]), new_ids)
            return index, stale
    return build_faiss(ids, vectors, settings), 0


def dense_top(
    state: "IndexState", qvec: np.ndarray, k: int, rows: np.ndarray | None, ef_search: int
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
            params = faiss.SearchParametersHNSW(efSearch=max(ef_search, fetch))
            _, labels = index.search(qvec.reshape(1, -1), fetch, params=params)
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
