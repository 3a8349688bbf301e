"""`modelkb eval`: BEIR-layout datasets in a throwaway catalog, and labeled prompt files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data"
TINY = DATA / "beir_tiny"
LABELED = DATA / "labeled"


def test_eval_json_has_exactly_the_three_metrics_per_mode(run_cli):
    result = run_cli("eval", str(TINY), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == ["lexical", "dense", "hybrid"]
    for mode, scores in data.items():
        assert set(scores) == {"ndcg@10", "mrr@10", "recall@100"}, mode
        assert all(0.0 <= v <= 1.0 for v in scores.values()), (mode, scores)
    # Every tiny query shares distinctive words with its relevant documents.
    assert data["lexical"]["recall@100"] == 1.0
    assert data["lexical"]["mrr@10"] >= 0.75
    assert data["hybrid"]["ndcg@10"] >= 0.6


def test_eval_table_names_the_modes_and_counts(run_cli):
    result = run_cli("eval", str(TINY))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "30 documents, 8 judged queries" in out  # q9 has no judgments
    for word in ("nDCG@10", "MRR@10", "R@100", "lexical", "dense", "hybrid"):
        assert word in out


def test_eval_never_touches_the_users_catalog(run_cli, isolated_home):
    run_cli("eval", str(TINY), "--modes", "lexical", "--json")
    assert not (isolated_home / "catalog.db").exists()
    stats = json.loads(run_cli("stats", "--json").stdout)
    assert stats["items"] == 0


def test_eval_embeds_queries_in_one_batch(run_cli, fake_app_embedder):
    calls: list[int] = []
    original = fake_app_embedder.encode

    def counting(texts, *args, **kwargs):
        texts = list(texts)
        calls.append(len(texts))
        return original(texts, *args, **kwargs)

    fake_app_embedder.encode = counting
    result = run_cli("eval", str(TINY), "--modes", "dense,hybrid", "--json")
    assert result.exit_code == 0, result.output
    assert calls.count(1) == 0, f"one model call per query: {calls}"
    assert 8 in calls  # the 8 judged queries, together
    assert sum(calls) == 30 + 8  # corpus once, queries once, nothing per search


def test_modes_and_limit_queries(run_cli):
    result = run_cli("eval", str(TINY), "--modes", "lexical", "--limit-queries", "2", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == ["lexical"]
    table = run_cli("eval", str(TINY), "--modes", "lexical", "--limit-queries", "2").stdout
    assert "2 judged queries" in table


def test_bad_mode_and_bad_dataset_are_one_line_errors(run_cli, tmp_path):
    bad = run_cli("eval", str(TINY), "--modes", "sparse")
    assert bad.exit_code != 0 and "sparse" in bad.output and "Traceback" not in bad.output

    broken = tmp_path / "broken"
    shutil.copytree(TINY, broken)
    (broken / "qrels" / "test.tsv").unlink()
    missing = run_cli("eval", str(broken))
    assert missing.exit_code != 0 and "qrels" in missing.output

    shutil.copy(TINY / "qrels" / "test.tsv", broken / "qrels" / "test.tsv")
    with open(broken / "corpus.jsonl", "a") as fh:
        fh.write("{not json\n")
    corrupt = run_cli("eval", str(broken))
    assert corrupt.exit_code != 0 and "corpus.jsonl:31" in corrupt.output

    assert run_cli("eval").exit_code != 0
    assert run_cli("eval", str(TINY), "--prompts", str(LABELED)).exit_code != 0


def test_eval_prompts_with_labels(run_cli):
    pytest.importorskip("answerer.evaluate")
    result = run_cli("eval", "--prompts", str(LABELED), "--labels", str(LABELED / "labels.json"), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    text = json.dumps(data).lower()
    assert "ndcg" in text and ("top1" in text or "top-1" in text or "top_1" in text)
    table = run_cli("eval", "--prompts", str(LABELED), "--labels", str(LABELED / "labels.json"))
    assert table.exit_code == 0, table.output
    assert "overall" in table.stdout and "L01_superres_face" in table.stdout
    # the heading's failure kinds, worst first: another family, a wrong sibling; then the honest ones
    assert data["overall"]["wrong_sibling"] == 0 and "open_named" in data["overall"]
    assert "headings from the wrong family: 0" in table.stdout and "wrong siblings: 0" in table.stdout
    # the stated task confidence is checked against how often the task is right
    bins = data["calibration"]["bins"]
    assert sum(b["n"] for b in bins) == data["overall"]["n"]
    assert "task confidence vs how often the task is right" in table.stdout
