"""Searching a loaded folder index (`manifest.IndexState`): dense, lexical or hybrid.

Kept apart from `store.SearchIndex`, which only loads and validates the state:
this is the ranking over it. Hybrid takes the top `hybrid_depth(k)` of each
side, scores every candidate exactly on both (cosine from the stored vectors,
BM25 over all texts) and fuses; `allowed_ids` is applied before ranking.
"""

from __future__ import annotations

from typing import Callable, Collection, Sequence

import numpy as np

from indexer.faiss_index import FaissSettings, dense_top
from indexer.index_api import Mode, fused_hits, hybrid_depth
from indexer.lexical import lexical_scores, top_lexical_rows
from indexer.manifest import IndexState
from indexer.records import Hit
from indexer.scoring import Fusion


def allowed_rows(state: IndexState, allowed_ids: Collection[int] | None) -> np.ndarray | None:
    """The rows of the allowed ids the index holds (sorted), or None for no restriction."""
    if allowed_ids is None:
        return None
    return np.array(
        sorted({state.row_of[int(i)] for i in allowed_ids if int(i) in state.row_of}),
        dtype=np.int64,
    )


def search_state(
    state: IndexState,
    query: str,
    k: int,
    mode: Mode,
    allowed_ids: Collection[int] | None,
    *,
    query_vector: Callable[[str], np.ndarray],
    settings: FaissSettings,
    fusion: Fusion,
    weights: Sequence[float],
    rrf_k: int,
) -> list[Hit]:
    """The k best items of `state` for `query`, best first (see `SearchIndex.search`);
    `query_vector` is called only when the mode needs the dense side."""
    n = int(state.ids.shape[0])
    if k <= 0 or n == 0:
        return []
    rows = allowed_rows(state, allowed_ids)
    if rows is not None and rows.size == 0:
        return []
    pool = n if rows is None else int(rows.size)
    k = min(k, pool)

    if mode == "lexical":
        lex = lexical_scores(state.bm25, n, query)
        cand = top_lexical_rows(lex, rows, k)
        return [Hit(int(state.ids[r]), float(lex[r]), None, float(lex[r])) for r in cand]

    qvec = query_vector(query)
    if mode == "dense":
        cand_rows, cand_scores = dense_top(state, qvec, k, rows, settings)
        return [Hit(int(state.ids[r]), float(s), float(s), None) for r, s in zip(cand_rows, cand_scores)]

    # hybrid: candidates from both sides, then both scores computed exactly for each.
    depth = min(pool, hybrid_depth(k))
    dense_rows, _ = dense_top(state, qvec, depth, rows, settings)
    lex = lexical_scores(state.bm25, n, query)
    lex_rows = top_lexical_rows(lex, rows, depth)
    cand = np.array(sorted(set(dense_rows.tolist()) | set(lex_rows.tolist())), dtype=np.int64)
    dense = np.asarray(state.vectors[cand] @ qvec, dtype=np.float64)
    lexical = lex[cand].astype(np.float64)
    return fused_hits(state.ids[cand].tolist(), dense, lexical, fusion, weights, rrf_k, k)
