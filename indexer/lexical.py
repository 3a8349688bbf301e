"""The persisted BM25 (bm25s) side of the search index: save, load and score.

bm25s cannot index zero texts, so an empty index is a `bm25/` folder holding
only a marker file named EMPTY.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from indexer.scoring import bm25_query_scores, build_bm25
from indexer.tokenize import tokenize

BM25_DIR = "bm25"
BM25_EMPTY = "EMPTY"  # marker file in bm25/ for an index of zero items (bm25s cannot index nothing)


def save_bm25(folder: Path, texts: Sequence[str]) -> Any:
    """Create `folder` and write the BM25 index of `texts` into it; the retriever, or
    None for no texts (then only the EMPTY marker is written)."""
    folder.mkdir()
    if not texts:
        (folder / BM25_EMPTY).write_text("no items\n")
        return None
    bm25 = build_bm25([tokenize(t) for t in texts])
    bm25.save(str(folder), show_progress=False)
    return bm25


def _bm25s_for_search() -> Any:
    """bm25s, imported without scipy when nothing has loaded scipy yet.

    bm25s needs scipy only to build an index (its numpy builder makes the same arrays),
    while importing scipy.sparse is a few hundred ms of a one-shot `modelkb search`.
    """
    if "bm25s" not in sys.modules and "scipy.sparse" not in sys.modules:
        sys.modules["scipy.sparse"] = None  # type: ignore[assignment]  # `import scipy.sparse` now fails
        try:
            import bm25s  # noqa: F401
        finally:
            del sys.modules["scipy.sparse"]
    import bm25s

    return bm25s


def load_bm25(folder: Path, count: int) -> tuple[Any, str | None]:
    """(retriever, None) when `folder` holds a BM25 index of `count` texts, else
    (None, what is wrong). For count 0 the retriever is None and only the marker is checked."""
    if count == 0:
        return None, (None if (folder / BM25_EMPTY).exists() else "bm25/ is missing")
    if not folder.is_dir():
        return None, "bm25/ is missing"
    try:
        bm25s = _bm25s_for_search()
        retriever = bm25s.BM25.load(str(folder), show_progress=False)
        if retriever.scores.get("num_docs") != count:
            return None, f"bm25/ indexes {retriever.scores.get('num_docs')} texts, expected {count}"
        return retriever, None
    except Exception as exc:  # noqa: BLE001 - any unreadable file means "rebuild"
        return None, f"bm25/ is corrupt or unreadable ({type(exc).__name__}: {exc})"


def lexical_scores(bm25: Any, n: int, query: str) -> np.ndarray:
    """BM25 score of every row for `query` (zeros when there is no BM25 index)."""
    if bm25 is None:
        return np.zeros(n, dtype=np.float32)
    return bm25_query_scores(bm25, n, tokenize(query))


def top_lexical_rows(scores: np.ndarray, rows: np.ndarray | None, k: int) -> np.ndarray:
    """Rows of the k best positive scores (restricted to `rows`), best first, ties by
    row (= id order); rows sharing no token with the query (score 0) never appear."""
    candidates = np.arange(scores.shape[0]) if rows is None else rows
    values = scores[candidates]
    keep = values > 0
    candidates, values = candidates[keep], values[keep]
    if 0 < k < values.size:  # sort only what can make the top k: the k-th best score and up (ties kept)
        kth = np.partition(values, values.size - k)[values.size - k]
        near = values >= kth
        candidates, values = candidates[near], values[near]
    order = np.lexsort((candidates, -values))[:k]
    return candidates[order]
