"""Retrieval metrics: nDCG@10, MRR@10 and Recall@100 by `ir_measures` (trec_eval semantics)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from modelkb.evaluate.errors import EvalError

#: Output name -> ir_measures measure name.
METRICS: dict[str, str] = {"ndcg@10": "nDCG@10", "mrr@10": "RR@10", "recall@100": "R@100"}


def run_from_rankings(rankings: dict[str, Sequence[str]]) -> dict[str, dict[str, float]]:
    """Ranked id lists -> a TREC run whose scores reproduce the order exactly (no ties)."""
    run: dict[str, dict[str, float]] = {}
    for qid, docs in rankings.items():
        scores: dict[str, float] = {}
        for rank, doc in enumerate(docs):
            scores.setdefault(str(doc), float(len(docs) - rank))
        if scores:
            run[qid] = scores
    return run


def compute_metrics(
    qrels: dict[str, dict[str, int]],
    rankings: dict[str, Sequence[str]],
    query_ids: Iterable[str] | None = None,
) -> dict[str, float]:
    """Mean nDCG@10, MRR@10, Recall@100 over `query_ids` (default: every judged query).

    A query without results (or missing from `rankings`) counts as 0 for every
    metric: leaving it out would flatter a mode that returns nothing.
    """
    import ir_measures

    qids = [q for q in (query_ids if query_ids is not None else qrels) if q in qrels]
    if not qids:
        raise EvalError("no judged queries to evaluate")
    measures = {name: ir_measures.parse_measure(m) for name, m in METRICS.items()}
    by_measure = {str(m): name for name, m in measures.items()}
    sub_qrels = {q: {d: int(g) for d, g in qrels[q].items()} for q in qids}
    run = run_from_rankings({q: rankings.get(q, ()) for q in qids})
    totals = dict.fromkeys(METRICS, 0.0)
    for metric in ir_measures.iter_calc(list(measures.values()), sub_qrels, run):
        if metric.query_id in sub_qrels:
            totals[by_measure[str(metric.measure)]] += float(metric.value)
    return {name: totals[name] / len(qids) for name in METRICS}
