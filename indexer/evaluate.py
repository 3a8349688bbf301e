"""Ranking metrics for measuring retrieval choices (fusion, weights, texts).

Small and dependency-free so tests and benchmarks can score a ranking
against known relevant ids the same way.
"""

from __future__ import annotations

from typing import Collection, Iterable, Mapping, Sequence


def reciprocal_rank(ranked: Sequence[int], relevant: Collection[int]) -> float:
    """1 / rank of the first relevant id (0 when none is ranked)."""
    for position, item in enumerate(ranked, start=1):
        if item in relevant:
            return 1.0 / position
    return 0.0


def recall_at(ranked: Sequence[int], relevant: Collection[int], k: int) -> float:
    """Share of the relevant ids found in the top k (1.0 when nothing is relevant)."""
    if not relevant:
        return 1.0
    return len(set(ranked[:k]) & set(relevant)) / len(set(relevant))


def average_precision(ranked: Sequence[int], relevant: Collection[int]) -> float:
    """Mean of precision at each relevant id's rank, over all relevant ids."""
    if not relevant:
        return 1.0
    hits, total = 0, 0.0
    for position, item in enumerate(ranked, start=1):
        if item in relevant:
            hits += 1
            total += hits / position
    return total / len(set(relevant))


def summarize(
    runs: Iterable[tuple[Sequence[int], Collection[int]]], k: int = 5
) -> Mapping[str, float]:
    """Mean MRR, recall@k and MAP over (ranking, relevant ids) pairs."""
    runs = list(runs)
    if not runs:
        return {"mrr": 0.0, f"recall@{k}": 0.0, "map": 0.0, "queries": 0}
    n = len(runs)
    return {
        "mrr": sum(reciprocal_rank(r, rel) for r, rel in runs) / n,
        f"recall@{k}": sum(recall_at(r, rel, k) for r, rel in runs) / n,
        "map": sum(average_precision(r, rel) for r, rel in runs) / n,
        "queries": n,
    }
