"""The benchmark data generators produce inputs the real code accepts."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))


def test_synthetic_beir_is_a_valid_dataset_with_graded_judgments(tmp_path):
    import synth_beir

    from catalog.jsonl import parse_jsonl_file
    from modelkb.evaluate import load_beir

    info = synth_beir.generate(tmp_path / "synth", n_docs=200, n_queries=20, seed=1)
    data = load_beir(tmp_path / "synth")
    assert len(data.queries) == 20 and len(data.judged_queries()) == 20  # every query has a grade-2 doc
    grades = {g for rel in data.qrels.values() for g in rel.values()}
    assert grades <= {1, 2} and 2 in grades
    assert sum(len(r) for r in data.qrels.values()) == info["judgments"]
    doc = parse_jsonl_file(data.corpus, key_by_id=True)
    assert len(doc.items) == 200 and len({p.item.key for p in doc.items}) == 200
    again = tmp_path / "again"
    synth_beir.generate(again, n_docs=200, n_queries=20, seed=1)
    assert (again / "corpus.jsonl").read_bytes() == (tmp_path / "synth" / "corpus.jsonl").read_bytes()


def test_synthetic_run_through_eval(run_cli, tmp_path):
    import json

    import synth_beir

    synth_beir.generate(tmp_path / "s", n_docs=150, n_queries=10, seed=2)
    out = run_cli("eval", str(tmp_path / "s"), "--json")
    assert out.exit_code == 0, out.output
    assert set(json.loads(out.stdout)) == {"lexical", "dense", "hybrid"}


def test_generated_prompt_files_parse_and_grow_the_catalog(tmp_path):
    import gen_prompts

    from catalog import parse_file

    paths = gen_prompts.generate(tmp_path / "p", n=30, seed=3)
    docs = [parse_file(p) for p in paths]
    assert all(d.format == "prompt" and d.question and len(d.items) >= 5 for d in docs)
    keys = {p.item.key for d in docs for p in d.items}
    assert len(keys) > 60  # new items, not only the pool re-mixed
    assert len({p.read_bytes() for p in paths}) == 30
