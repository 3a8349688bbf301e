"""The retrieval metrics behind `modelkb eval`, checked against hand-computed values."""

from __future__ import annotations

import math

import pytest

from modelkb.evaluate import EvalError, compute_metrics, parse_modes, read_qrels, run_from_rankings


def log2(x: float) -> float:
    return math.log(x, 2)


def test_graded_ndcg_mrr_recall_by_hand():
    # relevant: a (grade 1) at rank 1, b (grade 2) at rank 3; c is unjudged.
    qrels = {"q": {"a": 1, "b": 2}}
    m = compute_metrics(qrels, {"q": ["a", "c", "b"]})
    dcg = 1 / log2(2) + 2 / log2(4)
    idcg = 2 / log2(2) + 1 / log2(3)
    assert m["ndcg@10"] == pytest.approx(dcg / idcg)  # 0.7602
    assert m["mrr@10"] == pytest.approx(1.0)
    assert m["recall@100"] == pytest.approx(1.0)


def test_first_relevant_at_rank_four():
    qrels = {"q": {"x": 1, "y": 1}}
    m = compute_metrics(qrels, {"q": ["a", "b", "c", "x"]})
    assert m["mrr@10"] == pytest.approx(1 / 4)
    assert m["recall@100"] == pytest.approx(1 / 2)
    assert m["ndcg@10"] == pytest.approx((1 / log2(5)) / (1 + 1 / log2(3)))


def test_cutoffs_ignore_results_past_rank_10_and_100():
    qrels = {"q": {"deep": 1, "deeper": 1}}
    ranking = [f"n{i}" for i in range(10)] + ["deep"] + [f"m{i}" for i in range(89)] + ["deeper"]
    assert len(ranking) == 101
    m = compute_metrics(qrels, {"q": ranking})
    assert m["mrr@10"] == 0.0 and m["ndcg@10"] == 0.0
    assert m["recall@100"] == pytest.approx(0.5)  # "deep" is rank 11, "deeper" rank 101


def test_grade_zero_is_not_relevant():
    qrels = {"q": {"a": 0, "b": 1}}
    m = compute_metrics(qrels, {"q": ["a", "b"]})
    assert m["mrr@10"] == pytest.approx(0.5)
    assert m["ndcg@10"] == pytest.approx(1 / log2(3))
    assert m["recall@100"] == pytest.approx(1.0)


def test_queries_without_results_count_as_zero_in_the_mean():
    qrels = {"q1": {"a": 1}, "q2": {"b": 1}}
    m = compute_metrics(qrels, {"q1": ["a"], "q2": []})
    assert m == pytest.approx({"ndcg@10": 0.5, "mrr@10": 0.5, "recall@100": 0.5})
    assert compute_metrics(qrels, {"q1": ["a"]}) == pytest.approx(m)  # missing from the run entirely


def test_mean_is_over_the_requested_queries_only():
    qrels = {"q1": {"a": 1}, "q2": {"b": 1}}
    assert compute_metrics(qrels, {"q1": ["a"]}, query_ids=["q1"])["mrr@10"] == pytest.approx(1.0)
    with pytest.raises(EvalError):
        compute_metrics(qrels, {}, query_ids=["nope"])


def test_run_keeps_the_given_order_without_ties_and_drops_duplicates():
    run = run_from_rankings({"q": ["z", "a", "m", "a"], "empty": []})
    assert list(sorted(run["q"], key=run["q"].get, reverse=True)) == ["z", "a", "m"]
    assert len(set(run["q"].values())) == 3
    assert "empty" not in run


def test_read_qrels_header_tabs_and_trec_layout(tmp_path):
    beir = tmp_path / "test.tsv"
    beir.write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\t2\n\nq2\td3\t0\n")
    assert read_qrels(beir) == {"q1": {"d1": 1, "d2": 2}, "q2": {"d3": 0}}
    trec = tmp_path / "trec.txt"
    trec.write_text("q1 0 d1 1\nq1 0 d2 2\n")
    assert read_qrels(trec) == {"q1": {"d1": 1, "d2": 2}}
    bad = tmp_path / "bad.tsv"
    bad.write_text("q1\td1\tmaybe\n")
    with pytest.raises(EvalError, match=r"bad.tsv:1"):
        read_qrels(bad)


def test_parse_modes():
    assert parse_modes("hybrid, lexical,hybrid") == ["hybrid", "lexical"]
    with pytest.raises(EvalError, match="sparse"):
        parse_modes("dense,sparse")
