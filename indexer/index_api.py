"""What the folder index (`store.SearchIndex`) and the shared one (`backed.BackedIndex`) share.

Both answer `sync` / `rebuild` / `search` the same way to their callers; this
module keeps the parts that must not drift apart: the two write entry points,
the search modes, how a query is embedded, and how hybrid candidates scored on
both sides become ranked hits.
"""

from __future__ import annotations

from typing import Callable, Literal, Sequence

import numpy as np

from indexer.embedder import Embedder, normalize_rows
from indexer.records import Hit, IndexEntry, SyncReport
from indexer.scoring import Fusion, fuse

Mode = Literal["hybrid", "dense", "lexical"]
SEARCH_MODES: tuple[str, ...] = ("hybrid", "dense", "lexical")

#: The entries to index, or a callable that lists them (read while the writer lock is held).
Entries = Sequence[IndexEntry] | Callable[[], Sequence[IndexEntry]]
#: A callback told a number of texts (`on_start`: about to be embedded; `progress`: just embedded).
Progress = Callable[[int], None] | None


def check_mode(mode: str) -> None:
    """Raise ValueError for an unknown search mode (before any index is read)."""
    if mode not in SEARCH_MODES:
        raise ValueError(f"unknown search mode {mode!r}; use hybrid, dense or lexical")


def hybrid_depth(k: int) -> int:
    """How many candidates hybrid search takes from each side before fusing."""
    return max(50, 5 * k)


def query_vector(embedder: Embedder, query: str) -> np.ndarray:
    """The query's L2-normalized embedding (cosine = inner product with stored vectors)."""
    vec = np.asarray(embedder.encode([query]), dtype=np.float32)
    return normalize_rows(vec)[0]


def fused_hits(
    ids: Sequence[int],
    dense: np.ndarray,
    lexical: np.ndarray,
    fusion: Fusion,
    weights: Sequence[float],
    rrf_k: int,
    k: int,
) -> list[Hit]:
    """The k best of candidates scored exactly on both sides, fused; ties go to the
    higher cosine, then the lower id, so both index kinds rank alike."""
    fused = fuse(dense, lexical, fusion, weights, rrf_k)
    order = sorted(range(len(ids)), key=lambda j: (-fused[j], -dense[j], int(ids[j])))
    return [Hit(int(ids[j]), float(fused[j]), float(dense[j]), float(lexical[j])) for j in order[:k]]


class SyncingIndex:
    """`sync` and `rebuild` for an index class that implements `_write`."""

    def sync(self, entries: Entries, progress: Progress = None, on_start: Progress = None) -> SyncReport:
        """Bring the index in line with `entries`, embedding only new or changed texts
        and dropping removed items.

        Pass a callable to have the entries read while the writer lock is held:
        two processes syncing at once then never let an older snapshot of the
        catalog overwrite a newer index. `on_start(n)` is called once with the
        number of texts about to be embedded, then `progress(n)` after each batch
        with the number just embedded. An unusable index is rebuilt
        (`SyncReport.rebuilt`, `reason` says why).
        """
        return self._write(entries, progress, force=False, on_start=on_start)

    def rebuild(self, entries: Entries, progress: Progress = None, on_start: Progress = None) -> SyncReport:
        """Re-embed everything and rewrite the index from scratch."""
        return self._write(entries, progress, force=True, on_start=on_start)

    def _write(self, entries: Entries, progress: Progress, force: bool, on_start: Progress = None) -> SyncReport:
        raise NotImplementedError
