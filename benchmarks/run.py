#!/usr/bin/env python
"""modelkb benchmarks: `make bench` (= python benchmarks/run.py).

Sections, all in one process and one run so the ratios compare like with like:

1. ingest     N generated prompt files (gen_prompts.py): parse, store, and
              embed time, against raw `SentenceTransformer.encode` on the
              very same texts (ratio = our embed path / raw encode);
2. reingest   the same files again: must embed nothing (checked);
3. faiss      warm single-query latency p50/p95 at 1k/10k/100k vectors,
              exact (IndexFlatIP) vs approximate (HNSW, the parameters
              indexer.store uses above its threshold), and recall@10 of
              HNSW against exact. Vectors are SYNTHETIC (random unit
              vectors); queries are noisy copies of stored vectors, plus
              uniformly random queries (the hard case for HNSW);
   search     end-to-end hybrid search latency on the real catalog of (1);
4. answer     files/s answering prompt files (parse + answerer.compose + render);
5. cli        cold start: `modelkb --help` and a first `modelkb search`
              (subprocess, median of 3);
6. beir_tiny  `modelkb eval` metrics on tests/data/beir_tiny;
7. scifact    `modelkb eval ../shared/benchmarks/scifact` (real BEIR SciFact) per mode
              beside the published numbers, and the fusion comparison (scifact.py).
8. cold_start one-shot `modelkb search` with / without the ONNX export vs
              `python -c "import torch"` (cold_start.py; its own catalog).

Each section is its own module (ingest_bench.py: 1-2, faiss_bench.py, search_bench.py,
answer_bench.py, cli_bench.py, serve_bench.py, beir.py: beir_tiny, scifact.py, cold_start.py;
shared timing helpers in measure.py); this file parses the flags, runs the chosen
sections in order and writes the results.

Results: benchmarks/results/<date>.json and latest.json. Timings only; no
thresholds are asserted except the correctness check of (2).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))
import modelkb.config  # noqa: E402,F401  (sets the offline environment before torch loads)

from answer_bench import answer_lines, bench_answer  # noqa: E402
from beir import beir_tiny_lines, bench_beir_tiny  # noqa: E402
from cli_bench import bench_cli, cli_lines  # noqa: E402
from faiss_bench import bench_faiss, faiss_lines  # noqa: E402
from ingest_bench import bench_ingest, bench_reingest, ingest_lines, reingest_lines  # noqa: E402
from measure import machine  # noqa: E402
from search_bench import bench_search, search_lines  # noqa: E402

SECTIONS = ("ingest", "reingest", "faiss", "search", "answer", "cli", "serve", "beir_tiny", "scifact", "cold_start")


def _section_summaries() -> list[tuple[str, Callable[[dict[str, Any]], list[str]]]]:
    """Each section's summary lines, in the order the summary prints them."""
    from cold_start import summary_line as cold_start_line
    from scifact import summary_lines as scifact_lines
    from serve_bench import summary_lines as serve_lines

    return [("ingest", ingest_lines), ("reingest", reingest_lines), ("faiss", faiss_lines),
            ("search", search_lines), ("answer", answer_lines), ("cli", cli_lines),
            ("cold_start", lambda v: [cold_start_line(v)]), ("serve", serve_lines), ("serve_big", serve_lines),
            ("beir_tiny", beir_tiny_lines), ("scifact", scifact_lines)]


def summary_lines(r: dict[str, Any]) -> list[str]:
    """The human summary printed after a run: a header, then each section's lines."""
    s = r["sections"]
    lines = [f"modelkb bench {r['started']}  ({r['machine']['cpus']} cores, load avg at start "
             f"{r['machine']['loadavg_start'][0]}, total {r['total_s']:.0f}s)"]
    for key, section_lines in _section_summaries():
        if key in s:
            lines += section_lines(s[key])
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description="modelkb benchmarks")
    ap.add_argument("--n", type=int, default=1000, help="generated prompt files to ingest (default 1000)")
    ap.add_argument("--sizes", default="1000,10000,100000", help="FAISS sizes (default 1000,10000,100000)")
    ap.add_argument("--serve-items", type=int, default=100_000,
                    help="serve: also measure the bench catalog grown to this many items (0: skip; default 100000)")
    ap.add_argument("--answer-files", type=int, default=50, help="prompt files to answer (default 50)")
    ap.add_argument("--only", default=",".join(SECTIONS), help=f"comma list of sections ({','.join(SECTIONS)})")
    ap.add_argument("--out", type=Path, default=BENCH / "results", help="results folder")
    ap.add_argument("--no-save", action="store_true", help="print only, write no results file")
    args = ap.parse_args()
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(only) - set(SECTIONS)
    if unknown:
        ap.error(f"unknown section(s): {', '.join(sorted(unknown))}")

    from indexer.embedder import SentenceTransformerEmbedder

    started = datetime.now(timezone.utc)
    t_start = time.perf_counter()
    result: dict[str, Any] = {
        "started": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "params": {"n": args.n, "sizes": args.sizes, "answer_files": args.answer_files, "serve_items": args.serve_items,
                   "sections": only},
        "sections": {},
    }
    work = Path(tempfile.mkdtemp(prefix="modelkb-bench-"))
    os.environ["MODELKB_HOME"] = str(work / "home")
    os.environ.pop("MODELKB_DB", None)
    embedder = SentenceTransformerEmbedder(os.environ.get("MODELKB_MODEL") or None)
    result["params"]["model"] = embedder.name
    sections = result["sections"]
    try:
        app = files = None
        needs_catalog = {"ingest", "reingest", "search", "answer", "cli", "serve"} & set(only)
        if needs_catalog:
            sections["ingest"], app, files = bench_ingest(work, args.n, embedder)
            if "ingest" not in only:
                sections.pop("ingest")
        if "reingest" in only:
            sections["reingest"] = bench_reingest(files, embedder)
        if "search" in only:
            sections["search"] = bench_search(app)
        if "answer" in only:
            sections["answer"] = bench_answer(files, embedder, args.answer_files)
        if app is not None:
            app.catalog.close()
        if "cli" in only:
            sections["cli"] = bench_cli(work / "home")
        if "serve" in only:
            from serve_bench import bench_serve  # benchmarks/serve_bench.py

            sections["serve"] = bench_serve(work / "home", files)
            if args.serve_items:
                from serve_bench import bench_serve_big

                sections["serve_big"] = bench_serve_big(work / "home", work, args.serve_items, files)
        if "faiss" in only:
            sections["faiss"] = bench_faiss(work, [int(x) for x in args.sizes.split(",") if x.strip()])
        if "beir_tiny" in only:
            sections["beir_tiny"] = bench_beir_tiny(embedder)
        if "cold_start" in only:
            from cold_start import bench_cold_start

            sections["cold_start"] = bench_cold_start(work)
        if "scifact" in only:
            from scifact import bench_scifact

            sections["scifact"] = bench_scifact(embedder)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    result["total_s"] = round(time.perf_counter() - t_start, 1)

    print("\n".join(summary_lines(result)))
    if not args.no_save:
        args.out.mkdir(parents=True, exist_ok=True)
        text = json.dumps(result, indent=2) + "\n"
        dated = args.out / f"{started.strftime('%Y-%m-%d')}.json"
        dated.write_text(text)
        (args.out / "latest.json").write_text(text)
        print(f"results: {dated.relative_to(ROOT) if dated.is_relative_to(ROOT) else dated} and latest.json")
    ok = sections.get("reingest", {}).get("ok", True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
