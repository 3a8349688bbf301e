"""Stateless scoring of a handful of texts against one query.

The answerer ranks the 3-30 items of one prompt file; building a persisted
index for that would be absurd, so these functions score in memory. They are
also the fusion primitives the persisted `SearchIndex` uses, so a prompt
file's ranking and a catalog search agree on what "hybrid" means.
"""

from __future__ import annotations

from typing import Callable, Literal, Sequence

import numpy as np

from indexer.embedder import Embedder
from indexer.tokenize import tokenize

#: RRF constant from Cormack et al. (2009); dampens the weight of top ranks.
RRF_K = 60
#: Default weights (dense, lexical) for the weighted fusions; see indexer/README.md for how
#: they were chosen. Measured 2026-12-04 (benchmarks/scifact.py, `make bench`): of RRF k=60
#: and min-max / z-score sums at dense weight 0.3 / 0.5 / 0.7, z-score 0.7/0.3 has the best
#: mean rank over BEIR SciFact (nDCG@10 0.7385; min-max 0.7/0.3 0.7322) and our 28 labeled
#: questions (0.6384; min-max 0.7/0.3 0.6370); exact model names still win through BM25.
DEFAULT_WEIGHTS: tuple[float, float] = (0.7, 0.3)
#: BM25 parameters (Lucene variant of Okapi BM25: idf is never negative, which
#: matters when a term occurs in most of a tiny corpus).
BM25_PARAMS = {"method": "lucene", "k1": 1.5, "b": 0.75}

Fusion = Literal["rrf", "weighted", "zscore"]
#: Every fusion `fuse` knows: reciprocal rank, min-max weighted, z-score weighted.
FUSIONS: tuple[Fusion, ...] = ("rrf", "weighted", "zscore")
DEFAULT_FUSION: Fusion = "zscore"


def dense_scores(embedder: Embedder, query: str, texts: Sequence[str]) -> np.ndarray:
    """Cosine similarity of `query` to each text (embedder rows are unit vectors)."""
    if len(texts) == 0:
        return np.zeros(0, dtype=np.float32)
    vectors = embedder.encode([query, *texts])
    vectors = np.asarray(vectors, dtype=np.float32)
    return (vectors[1:] @ vectors[0]).astype(np.float32)


def build_bm25(token_lists: Sequence[Sequence[str]]):  # -> bm25s.BM25
    """A bm25s index over pre-tokenized documents (documents may be empty)."""
    import bm25s  # lazy: keeps `import indexer.scoring` cheap

    corpus = [list(tokens) if tokens else [""] for tokens in token_lists]
    retriever = bm25s.BM25(**BM25_PARAMS)
    retriever.index(corpus, show_progress=False)
    return retriever


def bm25_query_scores(retriever, n_docs: int, query_tokens: Sequence[str]) -> np.ndarray:  # noqa: ANN001
    """BM25 score of every document for already-tokenized query; zeros when nothing overlaps."""
    vocab = retriever.vocab_dict
    known = [t for t in query_tokens if t and t in vocab]
    if not known or n_docs == 0:
        return np.zeros(n_docs, dtype=np.float32)
    scores = np.asarray(retriever.get_scores(known), dtype=np.float32)
    return np.maximum(scores, 0.0)


def bm25_scores(query: str, texts: Sequence[str]) -> np.ndarray:
    """Okapi BM25 (Lucene idf) of `query` against just these texts, tokenized by `tokenize`.

    All zeros when the query shares no token with any text (or either is empty).
    """
    n = len(texts)
    query_tokens = tokenize(query)
    if n == 0 or not query_tokens:
        return np.zeros(n, dtype=np.float32)
    token_lists = [tokenize(t) for t in texts]
    if not any(token_lists):
        return np.zeros(n, dtype=np.float32)
    return bm25_query_scores(build_bm25(token_lists), n, query_tokens)


def _competition_ranks(scores: np.ndarray) -> np.ndarray:
    """1-based ranks, best first; tied scores share the best rank (so all-equal = no signal)."""
    s = np.asarray(scores, dtype=np.float64)
    s = np.where(np.isnan(s), -np.inf, s)
    # rank = 1 + number of items with a strictly higher score
    sorted_desc = np.sort(s)[::-1]
    # count of elements > x  ==  position of x in descending order (left side)
    higher = np.searchsorted(-sorted_desc, -s, side="left")
    return higher.astype(np.float64) + 1.0


def _zeros_for(arrays: Sequence[np.ndarray], caller: str) -> np.ndarray:
    """The zero accumulator for fusing `arrays`, which must be non-empty and of one length."""
    if not arrays:
        raise ValueError(f"{caller} needs at least one score array")
    n = arrays[0].shape[0]
    if any(a.shape[0] != n for a in arrays):
        raise ValueError("all score arrays must have the same length")
    return np.zeros(n, dtype=np.float64)


def fuse_rrf(rankings: Sequence[np.ndarray], k: int = RRF_K) -> np.ndarray:
    """Reciprocal-rank fusion: sum of 1/(k + rank) over score arrays for the same items.

    Each array holds scores (higher is better) for the same n items. Only
    ranks matter, so cosine and BM25 need no calibration against each other.
    """
    arrays = [np.asarray(r, dtype=np.float64).ravel() for r in rankings]
    fused = _zeros_for(arrays, "fuse_rrf")
    for a in arrays:
        fused += 1.0 / (k + _competition_ranks(a))
    return fused


def minmax(scores: np.ndarray) -> np.ndarray:
    """Scale to [0, 1]; a constant array carries no preference and maps to zeros."""
    s = np.asarray(scores, dtype=np.float64).ravel()
    if s.size == 0:
        return s
    s = np.where(np.isnan(s), np.nanmin(s) if not np.all(np.isnan(s)) else 0.0, s)
    lo, hi = float(s.min()), float(s.max())
    if hi - lo <= 1e-12:
        return np.zeros_like(s)
    return (s - lo) / (hi - lo)


def _weighted_sum(
    score_arrays: Sequence[np.ndarray], weights: Sequence[float], normalize: Callable[[np.ndarray], np.ndarray], name: str
) -> np.ndarray:
    """Sum of `weights[i] * normalize(score_arrays[i])`: the one body of both score fusions."""
    arrays = [np.asarray(a, dtype=np.float64).ravel() for a in score_arrays]
    if len(arrays) != len(weights):
        raise ValueError(f"{len(arrays)} score arrays but {len(weights)} weights")
    fused = _zeros_for(arrays, name)
    for a, w in zip(arrays, weights):
        fused += float(w) * normalize(a)
    return fused


def fuse_weighted(score_arrays: Sequence[np.ndarray], weights: Sequence[float]) -> np.ndarray:
    """Weighted sum of min-max-normalized score arrays (keeps score margins, unlike RRF)."""
    return _weighted_sum(score_arrays, weights, minmax, "fuse_weighted")


def zscore(scores: np.ndarray) -> np.ndarray:
    """Standardize to mean 0, standard deviation 1 over the candidates; a constant array maps
    to zeros. Unlike min-max, one outlying top score does not squash everyone else."""
    s = np.asarray(scores, dtype=np.float64).ravel()
    if s.size == 0:
        return s
    s = np.where(np.isnan(s), np.nanmin(s) if not np.all(np.isnan(s)) else 0.0, s)
    sd = float(s.std())
    if sd <= 1e-12:
        return np.zeros_like(s)
    return (s - float(s.mean())) / sd


def fuse_zscore(score_arrays: Sequence[np.ndarray], weights: Sequence[float]) -> np.ndarray:
    """Weighted sum of z-score-normalized score arrays."""
    return _weighted_sum(score_arrays, weights, zscore, "fuse_zscore")


def fuse(
    dense: np.ndarray,
    lexical: np.ndarray,
    fusion: Fusion = DEFAULT_FUSION,
    weights: Sequence[float] = DEFAULT_WEIGHTS,
    rrf_k: int = RRF_K,
) -> np.ndarray:
    """Combine dense and lexical scores of the same items with the chosen fusion."""
    if fusion == "rrf":
        return fuse_rrf([dense, lexical], k=rrf_k)
    if fusion == "weighted":
        return fuse_weighted([dense, lexical], weights)
    if fusion == "zscore":
        return fuse_zscore([dense, lexical], weights)
    raise ValueError(f"unknown fusion {fusion!r}; use one of {', '.join(FUSIONS)}")


def hybrid_scores(
    embedder: Embedder,
    query: str,
    texts: Sequence[str],
    fusion: Fusion = DEFAULT_FUSION,
    weights: Sequence[float] = DEFAULT_WEIGHTS,
) -> np.ndarray:
    """Dense + BM25 scores of `texts` for `query`, fused (convenience for the answerer)."""
    if len(texts) == 0:
        return np.zeros(0, dtype=np.float64)
    return fuse(dense_scores(embedder, query, texts), bm25_scores(query, texts), fusion, weights)
