#!/usr/bin/env python
"""Retrieval quality per search mode on BEIR-layout datasets (what `modelkb eval` does).

By default: the synthetic 5,000-abstract / 300-query dataset of
`synth_beir.py` (generated into a temp folder: no real BEIR dataset can be
downloaded here) and `tests/data/beir_tiny`. `--dataset DIR` adds any real
BEIR folder (scifact, nfcorpus, ...) you have on disk.

Results: benchmarks/results/beir-<date>.json and beir-latest.json.

    python benchmarks/beir.py [--docs 5000] [--queries 300] [--dataset DIR ...]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))
import modelkb.config  # noqa: E402,F401  (sets the offline environment before torch loads)


BEIR_TINY = ROOT / "tests" / "data" / "beir_tiny"


def bench_beir_tiny(embedder: Any) -> dict[str, Any]:
    """`make bench` section `beir_tiny`: `modelkb eval` metrics on tests/data/beir_tiny."""
    from measure import say
    from modelkb.evaluate import evaluate_beir

    report = evaluate_beir(BEIR_TINY, embedder=embedder)
    say(f"beir_tiny: {json.dumps(report.metrics())}")
    return report.as_dict()


def beir_tiny_lines(section: dict[str, Any]) -> list[str]:
    """The `beir_tiny` section in the `make bench` summary."""
    m = section["metrics"]
    return ["beir_tiny " + ", ".join(
        f"{mode}: nDCG@10 {v['ndcg@10']:.3f} MRR@10 {v['mrr@10']:.3f} R@100 {v['recall@100']:.3f}" for mode, v in m.items())]


def main() -> int:
    ap = argparse.ArgumentParser(description="modelkb eval on BEIR-layout datasets")
    ap.add_argument("--docs", type=int, default=5000, help="synthetic corpus size (0: skip the synthetic set)")
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--dataset", type=Path, action="append", default=[], help="also evaluate this BEIR folder")
    ap.add_argument("--out", type=Path, default=BENCH / "results")
    ap.add_argument("--no-save", action="store_true")
    args = ap.parse_args()

    from indexer.embedder import SentenceTransformerEmbedder
    from modelkb.evaluate import evaluate_beir, format_beir
    from synth_beir import generate

    embedder = SentenceTransformerEmbedder(os.environ.get("MODELKB_MODEL") or None)
    started = datetime.now(timezone.utc)
    t0 = time.perf_counter()
    result = {
        "started": started.isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "loadavg_start": [round(x, 2) for x in os.getloadavg()]},
        "model": embedder.name,
        "metrics_note": "nDCG@10, MRR@10 (RR@10), Recall@100 by ir_measures (trec_eval semantics)",
        "datasets": {},
    }

    def run(name: str, path: Path, note: str) -> None:
        def bar(label, length):
            import contextlib

            class _B:
                def update(self, n):
                    pass

            print(f"  {name}: {label} ({length})", file=sys.stderr, flush=True)
            return contextlib.nullcontext(_B())

        report = evaluate_beir(path, embedder=embedder, bar=bar)
        print(format_beir(report) + "\n", flush=True)
        result["datasets"][name] = {"note": note, **report.as_dict()}

    with tempfile.TemporaryDirectory(prefix="modelkb-beir-") as tmp:
        if args.docs > 0:
            synth = Path(tmp) / f"synthetic-{args.docs}"
            info = generate(synth, args.docs, args.queries, args.seed)
            run(f"synthetic-{args.docs}", synth,
                f"SYNTHETIC corpus from benchmarks/synth_beir.py (seed {args.seed}; {info['judgments']} judgments): "
                "no real BEIR dataset is available offline")
        run("beir_tiny", BEIR_TINY, "30 hand-written documents, 8 judged queries")
        for path in args.dataset:
            run(path.resolve().name, path, f"BEIR folder {path}")

    result["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    result["total_s"] = round(time.perf_counter() - t0, 1)
    if not args.no_save:
        args.out.mkdir(parents=True, exist_ok=True)
        text = json.dumps(result, indent=2) + "\n"
        (args.out / f"beir-{started.strftime('%Y-%m-%d')}.json").write_text(text)
        (args.out / "beir-latest.json").write_text(text)
        print(f"results: benchmarks/results/beir-{started.strftime('%Y-%m-%d')}.json and beir-latest.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
