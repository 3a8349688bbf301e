#!/usr/bin/env python
"""Real external quality numbers: BEIR SciFact through `modelkb eval`, beside the published ones.

`make bench` runs this as its `scifact` section; alone:

    .venv/bin/python benchmarks/scifact.py [--scifact DIR] [--json]   # -> results/scifact.json

1. `modelkb eval ../shared/benchmarks/scifact` (the same `evaluate_beir`):
   lexical / dense / hybrid nDCG@10, MRR@10, Recall@100 over the 300 test
   claims, next to the published BM25 0.665 (BEIR) and all-MiniLM-L6-v2
   0.645 (MTEB) from the dataset's SOURCE.md.
2. Fusion choice: a small fixed set of principled fusions (RRF k=60; min-max
   and z-score weighted sums at dense weight 0.3 / 0.5 / 0.7) is scored on
   SciFact AND on our labeled prompt questions (benchmarks/labeled_search.py);
   the fusion with the best mean rank over the two (ties: mean nDCG@10) is
   the one to use, so no choice is tuned on one dataset alone. All are reported.
3. The BM25 check: a plain BM25 (lower-case words, bm25s English stop words,
   no stemming, k1=0.9 b=0.4, as the published reproductions) beside ours,
   to show where our lexical number comes from.

SciFact corpus embeddings are cached by text in benchmarks/work/ (git-ignored;
embed_cache.py), so a rerun spends seconds instead of minutes embedding; every
metric is still computed in this run from those vectors.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))
import modelkb.config  # noqa: E402,F401  (sets the offline environment before torch loads)

#: Published SciFact (BEIR test split, 300 queries) nDCG@10, from the dataset's SOURCE.md.
PUBLISHED = {
    "BM25 (BEIR paper, Elasticsearch multifield)": 0.665,
    "BM25 flat (Anserini, title+text one field)": 0.6789,
    "all-MiniLM-L6-v2 dense (MTEB)": 0.64508,
}
PUBLISHED_BM25 = 0.665
PUBLISHED_DENSE = 0.64508

#: The fusions compared: name -> SearchIndex.search keyword arguments (weights = dense, lexical).
FUSION_VARIANTS: dict[str, dict[str, Any]] = {
    "rrf k=60": {"fusion": "rrf"},
    **{f"min-max {w:.1f}/{1 - w:.1f}": {"fusion": "weighted", "weights": (w, round(1 - w, 1))} for w in (0.3, 0.5, 0.7)},
    **{f"z-score {w:.1f}/{1 - w:.1f}": {"fusion": "zscore", "weights": (w, round(1 - w, 1))} for w in (0.3, 0.5, 0.7)},
}


def find_scifact() -> Path | None:
    """`../shared/benchmarks/scifact` from the repository root, or from a folder above it
    (a git worktree sits one level deeper than the main checkout); MODELKB_SCIFACT wins."""
    env = os.environ.get("MODELKB_SCIFACT")
    if env:
        return Path(env)
    for base in (ROOT, *ROOT.parents):
        candidate = base.parent / "shared" / "benchmarks" / "scifact"
        if (candidate / "corpus.jsonl").is_file():
            return candidate
    return None


def _bar(label: str, length: int):
    import contextlib

    class _B:
        def update(self, n: int) -> None:
            pass

    print(f"  scifact: {label} ({length})", file=sys.stderr, flush=True)
    return contextlib.nullcontext(_B())


def plain_bm25(directory: Path) -> dict[str, float]:
    """A textbook BM25 (no stemming, k1=0.9, b=0.4) over title + text, the published setup."""
    import re

    import bm25s
    import numpy as np

    from modelkb.evaluate import compute_metrics, load_beir

    data = load_beir(directory)
    docs = [json.loads(line) for line in open(data.corpus, encoding="utf-8") if line.strip()]
    stop = set(bm25s.stopwords.STOPWORDS_EN)

    def tok(text: str) -> list[str]:
        return [w for w in re.findall(r"\w\w+", text.lower()) if w not in stop]

    retriever = bm25s.BM25(method="lucene", k1=0.9, b=0.4)
    retriever.index([tok(f"{d.get('title', '')} {d.get('text', '')}") or [""] for d in docs], show_progress=False)
    rankings = {}
    qids = data.judged_queries()
    for q in qids:
        terms = [t for t in tok(data.queries[q]) if t in retriever.vocab_dict]
        if not terms:
            rankings[q] = []
            continue
        scores = retriever.get_scores(terms)
        top = np.argsort(-scores)[:100]
        rankings[q] = [str(docs[i]["_id"]) for i in top if scores[i] > 0]
    return {k: round(v, 4) for k, v in compute_metrics(data.qrels, rankings, qids).items()}


def choose_fusion(per_dataset: dict[str, dict[str, float]]) -> tuple[str, dict[str, dict[str, float]]]:
    """The variant with the best mean rank over datasets (rank 1 = best nDCG@10, ties share
    the mean rank); ties on mean rank go to the higher mean nDCG@10."""
    names = list(next(iter(per_dataset.values())))
    table: dict[str, dict[str, float]] = {n: {"mean_rank": 0.0, "mean_ndcg@10": 0.0} for n in names}
    for scores in per_dataset.values():
        for n in names:
            better = sum(1 for m in names if scores[m] > scores[n])
            equal = sum(1 for m in names if scores[m] == scores[n])
            table[n]["mean_rank"] += (better + (equal + 1) / 2) / len(per_dataset)
            table[n]["mean_ndcg@10"] += scores[n] / len(per_dataset)
    best = min(names, key=lambda n: (table[n]["mean_rank"], -table[n]["mean_ndcg@10"]))
    return best, {n: {k: round(v, 4) for k, v in t.items()} for n, t in table.items()}


def bench_scifact(embedder, directory: Path | None = None) -> dict[str, Any]:
    """SciFact through `modelkb eval` (+ fusion variants), labeled questions, BM25 check."""
    from embed_cache import CachedEmbedder
    from indexer.scoring import DEFAULT_FUSION, DEFAULT_WEIGHTS
    from labeled_search import build_beir
    from modelkb.evaluate import evaluate_beir, format_beir

    directory = directory or find_scifact()
    if directory is None or not (directory / "corpus.jsonl").is_file():
        return {"skipped": "SciFact not found (../shared/benchmarks/scifact or MODELKB_SCIFACT)"}
    cached = CachedEmbedder(embedder)
    t0 = time.perf_counter()
    report = evaluate_beir(directory, embedder=cached, bar=_bar, variants=FUSION_VARIANTS)
    cached.save()
    seconds = time.perf_counter() - t0
    print(format_beir(report), file=sys.stderr, flush=True)
    metrics = report.metrics()

    with tempfile.TemporaryDirectory(prefix="modelkb-labeled-") as tmp:
        build_beir(Path(tmp))
        labeled = evaluate_beir(tmp, embedder=embedder, variants=FUSION_VARIANTS).metrics()

    ndcg = {
        "scifact": {n: metrics[n]["ndcg@10"] for n in FUSION_VARIANTS},
        "labeled": {n: labeled[n]["ndcg@10"] for n in FUSION_VARIANTS},
    }
    best, table = choose_fusion(ndcg)
    for n in FUSION_VARIANTS:
        table[n].update({f"{d}_ndcg@10": ndcg[d][n] for d in ndcg})
    hybrid = metrics["hybrid"]["ndcg@10"]
    out = {
        "dataset": str(directory),
        "documents": report.documents,
        "queries": report.queries,
        "model": report.model,
        "seconds": round(seconds, 1),
        "embedding_cache": {"path": str(cached.path), "hits": cached.hits, "misses": cached.misses},
        "ours": {m: metrics[m] for m in ("lexical", "dense", "hybrid")},
        "default_fusion": {"fusion": DEFAULT_FUSION, "weights": list(DEFAULT_WEIGHTS)},
        "published_ndcg@10": PUBLISHED,
        "hybrid_beats_published_and_single_modes": bool(
            hybrid > max(PUBLISHED_BM25, PUBLISHED_DENSE, metrics["lexical"]["ndcg@10"], metrics["dense"]["ndcg@10"])
        ),
        "fusions": {
            "method": "each fusion's rank by nDCG@10 on SciFact and on the labeled questions, averaged; "
                      "best mean rank wins (ties: mean nDCG@10)",
            "chosen": best,
            "table": table,
            "scifact_metrics": {n: metrics[n] for n in FUSION_VARIANTS},
            "labeled_metrics": {n: labeled[n] for n in FUSION_VARIANTS} | {m: labeled[m] for m in ("lexical", "dense")},
        },
        "plain_bm25_check": {
            "setup": "title+text, lower-case \\w\\w+ words, bm25s English stop words, no stemming, Lucene BM25 k1=0.9 b=0.4",
            "metrics": plain_bm25(directory),
            "ours_setup": "indexer.tokenize (names whole + parts, Snowball stemming, stop words), Lucene BM25 k1=1.5 b=0.75",
        },
        "timing": {"import_s": report.import_seconds, "index_s": report.index_seconds,
                   "query_embed_s": report.query_embed_seconds,
                   "ms_per_query": {m: round(1000 * r.seconds / max(report.queries, 1), 1) for m, r in report.modes.items()}},
    }
    return out


def summary_lines(s: dict[str, Any]) -> list[str]:
    """Lines for run.py's printed summary."""
    if "skipped" in s:
        return [f"scifact   skipped: {s['skipped']}"]
    o = s["ours"]
    lines = [
        f"scifact   {s['documents']} docs, {s['queries']} queries, nDCG@10 lexical {o['lexical']['ndcg@10']:.4f} / "
        f"dense {o['dense']['ndcg@10']:.4f} / hybrid {o['hybrid']['ndcg@10']:.4f} "
        f"(published BM25 {PUBLISHED_BM25}, MiniLM {PUBLISHED_DENSE}); plain BM25 here "
        f"{s['plain_bm25_check']['metrics']['ndcg@10']:.4f}; hybrid above all: "
        f"{'yes' if s['hybrid_beats_published_and_single_modes'] else 'NO'}",
        f"          fusion (nDCG@10 SciFact / labeled, mean rank): chosen {s['fusions']['chosen']}",
    ]
    for name, t in s["fusions"]["table"].items():
        lines.append(f"            {name:<16} {t['scifact_ndcg@10']:.4f} / {t['labeled_ndcg@10']:.4f}  rank {t['mean_rank']:.1f}")
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scifact", type=Path, default=None, help="BEIR SciFact folder (default: ../shared/benchmarks/scifact)")
    ap.add_argument("--json", action="store_true", help="print the JSON instead of the summary")
    ap.add_argument("--out", type=Path, default=BENCH / "results" / "scifact.json")
    ap.add_argument("--no-save", action="store_true")
    args = ap.parse_args()
    from datetime import datetime, timezone

    from indexer.embedder import SentenceTransformerEmbedder

    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    load = [round(x, 2) for x in os.getloadavg()]
    result = bench_scifact(SentenceTransformerEmbedder(os.environ.get("MODELKB_MODEL") or None), args.scifact)
    result = {"started": started, "machine": {"cpus": os.cpu_count(), "loadavg_start": load,
                                              "loadavg_end": [round(x, 2) for x in os.getloadavg()]}, **result}
    print(json.dumps(result, indent=2) if args.json else "\n".join(summary_lines(result)))
    if not args.no_save and "skipped" not in result:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
