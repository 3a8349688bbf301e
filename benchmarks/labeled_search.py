"""Search quality per mode on our own labeled prompt files (issue #3's comparison).

Each labeled file becomes a query (its question) over a corpus of every item of
every labeled file and seed; its graded items are the relevance judgments. The
recommending question is NOT put into a model's text here (that would leak the
answer), so summary-less zoo models are found by their expanded names alone.

    .venv/bin/python benchmarks/labeled_search.py [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from catalog import parse_file  # noqa: E402
from indexer.scoring import DEFAULT_FUSION, FUSIONS  # noqa: E402
from modelkb.evaluate import evaluate_beir  # noqa: E402


def build_beir(out: Path) -> int:
    labeled = ROOT / "tests" / "data" / "labeled"
    labels = json.loads((labeled / "labels.json").read_text())
    corpus: dict[str, dict] = {}
    queries, qrels = [], []
    for i, (fname, entry) in enumerate(sorted(labels.items())):
        doc = parse_file(labeled / fname)
        qid = f"q{i:02d}"
        queries.append({"_id": qid, "text": doc.question})
        for p in doc.items:
            rec = p.item
            corpus.setdefault(rec.key, {"_id": rec.key, "title": rec.name, "text": rec.summary or "", "kind": rec.kind})
            grade = entry["grades"].get(rec.name, 0)
            if grade > 0:
                qrels.append((qid, rec.key, grade))
    (out / "qrels").mkdir(parents=True)
    (out / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in corpus.values()))
    (out / "queries.jsonl").write_text("".join(json.dumps(q) + "\n" for q in queries))
    (out / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\n" + "".join(f"{q}\t{c}\t{g}\n" for q, c, g in qrels)
    )
    return len(corpus)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        n = build_beir(Path(tmp))
        variants = {f"hybrid ({f})": {"fusion": f} for f in FUSIONS}
        metrics = evaluate_beir(tmp, variants=variants).metrics()
    out = {"corpus": n, "default_fusion": DEFAULT_FUSION, "modes": metrics}
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(f"{n} items, {len(json.loads((ROOT / 'tests/data/labeled/labels.json').read_text()))} labeled questions")
    for mode, m in out["modes"].items():
        print(f"{mode:>18}  " + "  ".join(f"{k} {v:.3f}" for k, v in m.items()))


if __name__ == "__main__":
    main()
