#!/usr/bin/env python
"""A million items on one machine: which FAISS index, measured on REAL embeddings grown to 1M.

    .venv/bin/python benchmarks/ann_scale.py                      # 100k and 1M (about 30 min on 2 cores)
    .venv/bin/python benchmarks/ann_scale.py --sizes 100000 --no-bm25

Vectors. The real set is all-MiniLM-L6-v2 embeddings of the SciFact corpus
(5,183 abstracts, title + text as `modelkb eval` indexes them) plus the items of
the example, labeled and seed prompt files. Queries are the 300 SciFact claims,
embedded by the same model (real queries, not copies of stored vectors).
It is grown to N vectors: the real ones, then synthetic ones, each
    v = normalize(w_1 r_1 + ... + w_k r_k + e),  k uniform in {2, 3},
    r_i distinct real vectors drawn uniformly, (w_1..w_k) ~ Dirichlet(1, ..., 1),
    e ~ N(0, s^2 I) with s = NOISE / sqrt(d)  (noise of norm ~NOISE).
So every synthetic vector lies in the span the model actually produces (a
"paper between two or three real papers"), never in the empty directions that
random vectors fill. `structure` checks that claim: at 5k the grown-only set
is compared with the real set (query top-1 / top-10 cosine distribution,
random-pair cosine, recall of HNSW and IVF at fixed settings), and the same
figures are given at 50k and 1M.

Indexes compared at each size, against exact search (IndexFlatIP) on the same
vectors: HNSW (M, efSearch), IVF-Flat (nlist, nprobe), IVF-SQ8, IVF-PQ
(+ exact re-ranking of the candidates from the stored vectors, as
`SearchIndex` does; `--pq` only: with faiss-cpu 1.15.1 here its training did not
finish within minutes even on 10k vectors, polysemous training off), and flat SQ8. Per configuration: recall@10 against exact,
single-query p50 / p95 latency (1 thread: the 2-core machine is shared, and one
query does not parallelize), memory (the serialized index size, which is what
it holds in RAM) and build time.

BM25 at 1M (`--bm25-docs`): bm25s index time, memory and query latency on
documents recombined from real SciFact sentences (each 6-10 sentences drawn
from random abstracts), with SciFact claims as queries.

Results: benchmarks/results/ann_scale.json (and a table on stdout).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))
import modelkb.config  # noqa: E402,F401  (sets the offline environment before torch loads)

import numpy as np  # noqa: E402

from ann_indexes import build, configs, exact_top, index_bytes, label_of, latencies, nlist_for, recall, search_fn  # noqa: E402
from ann_vectors import NOISE, grow, grown, real_texts, structure  # noqa: E402
from bm25_scale import bench_bm25  # noqa: E402
from measure import say_at  # noqa: E402


def bench_size(x: np.ndarray, q: np.ndarray, hnsw_1m: bool, only: set[str] | None = None,
               hnsw: list[tuple[int, int]] | None = None, out: dict[str, Any] | None = None,
               pq: bool = False, save: Callable[[], None] | None = None) -> dict[str, Any]:
    """Every configuration at len(x), into `out` (a previous result at this size, or empty):
    its rows of other indexes are kept, so a run can add configurations to an earlier one.
    `out` is filled as rows are measured (`save` writes it), so a killed run keeps what it had."""
    import faiss

    n = len(x)
    _, truth = exact_top(x, q)
    out = out if out is not None else {}
    todo = configs(n, hnsw_1m, pq, only, hnsw)
    again = {label_of(c) for c in todo}
    out.update({"n": n, "nlist": nlist_for(n), "faiss_threads_for_latency": faiss.omp_get_max_threads(),
                "rows": [r for r in out.get("rows", []) if r["index"] not in again]})
    for cfg in todo:
        label = label_of(cfg)
        say_at(f"{n}: building {cfg['name']}")
        progress: list[dict[str, float]] = []
        if "efc" in cfg:
            out.setdefault("build_progress", {})[cfg["name"]] = {
                "chunks": progress, "loadavg_start": [round(v, 2) for v in os.getloadavg()]}
        index, build_s = build(cfg, x, progress, save)
        mem = index_bytes(index)
        say_at(f"{n}: {cfg['name']} built in {build_s:.1f}s, {mem / 2**20:.0f} MiB")
        for params in cfg["params"]:
            lat, labels = latencies(search_fn(index, cfg, params, x), q)
            row = {"index": label, "params": params, "recall@10": round(recall(labels, truth), 4),
                   **lat, "memory_mib": round(mem / 2**20, 1), "build_s": round(build_s, 1),
                   "measured": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                   "loadavg_1min": round(os.getloadavg()[0], 2)}
            out["rows"].append(row)
            say_at(f"{n}:   {params} recall@10 {row['recall@10']:.3f} p50 {row['p50_ms']:.2f} ms")
            if save is not None:
                save()
        del index
        gc.collect()
    return out


def main() -> int:
    import faiss

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--check-sizes", default="50000,1000000")
    ap.add_argument("--hnsw-1m", action="store_true", help="also build HNSW at sizes above 200k (slow on 2 cores)")
    ap.add_argument("--bm25-docs", type=int, default=1_000_000, help="0: skip the BM25 measurement")
    ap.add_argument("--scifact", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=BENCH / "results" / "ann_scale.json")
    ap.add_argument("--pq", action="store_true", help="also IVF-PQ (slow to train here)")
    ap.add_argument("--merge", action="store_true", help="keep the structure/sizes/bm25 of an earlier --out file")
    ap.add_argument("--only", default="", help="comma list of index kinds to (re)measure at every size: "
                    "flat,hnsw,ivf-flat,ivf-sq8,ivf-pq,sq8 (with --merge the other rows are kept)")
    ap.add_argument("--hnsw", default="", help="HNSW settings M:efConstruction,... (default 16:40,32:80)")
    ap.add_argument("--cache", default=str(BENCH / "work" / "grown"),
                    help="where the grown vectors are kept as .npy (git-ignored); '' to not keep them")
    args = ap.parse_args()
    only = {k.strip() for k in args.only.split(",") if k.strip()} or None
    hnsw = [tuple(int(v) for v in s.split(":")) for s in args.hnsw.split(",") if s.strip()] or None
    cache = Path(args.cache) if args.cache else None  # (Path("") would be ".", the working folder)

    from embed_cache import CachedEmbedder
    from indexer.embedder import SentenceTransformerEmbedder
    from scifact import find_scifact

    scifact = args.scifact or find_scifact()
    if scifact is None:
        print("SciFact not found (../shared/benchmarks/scifact or MODELKB_SCIFACT)", file=sys.stderr)
        return 1
    # One OpenMP thread for everything: on a shared, oversubscribed 2-core machine FAISS's
    # spinning OpenMP barriers make 2-thread builds and searches erratically slow.
    faiss.omp_set_num_threads(1)
    started = datetime.now(timezone.utc)
    t_start = time.perf_counter()
    texts, query_texts = real_texts(scifact)
    embedder = CachedEmbedder(SentenceTransformerEmbedder(os.environ.get("MODELKB_MODEL") or None))
    say_at(f"embedding {len(texts)} real texts and {len(query_texts)} queries (cached in {embedder.path})")
    real = np.asarray(embedder.encode(texts, batch_size=64), dtype=np.float32)
    q = np.asarray(embedder.encode(query_texts, batch_size=64), dtype=np.float32)
    embedder.save()
    result: dict[str, Any] = {
        "started": started.isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "faiss": faiss.__version__, "loadavg_start": [round(v, 2) for v in os.getloadavg()]},
        "model": embedder.name,
        "real_vectors": int(len(real)),
        "queries": int(len(q)),
        "growth": f"synthetic v = normalize(sum_i w_i r_i + e), k in {{2,3}} distinct real r_i, w ~ Dirichlet(1), "
                  f"e ~ N(0, ({NOISE}/sqrt(d))^2 I); first {len(real)} rows are the real vectors",
        "latency": "single query, 1 FAISS thread, warm, 300 SciFact claims; p50/p95; builds also 1 thread",
        "memory": "serialized FAISS index size (= what the index holds in RAM); SearchIndex also memory-maps "
                  "vectors.npy (n x 384 x 4 bytes) for exact re-scoring, paged in on demand",
        "structure": {},
        "sizes": {},
    }

    def save() -> None:
        result["total_s"] = round(time.perf_counter() - t_start, 1)
        result["machine"]["loadavg_end"] = [round(v, 2) for v in os.getloadavg()]
        args.out.parent.mkdir(parents=True, exist_ok=True)
        tmp = args.out.with_suffix(".tmp")
        tmp.write_text(json.dumps(result, indent=2) + "\n")
        os.replace(tmp, args.out)

    if args.merge and args.out.is_file():  # keep what an earlier run measured; redo only what is asked
        earlier = json.loads(args.out.read_text())
        result["structure"], result["sizes"] = earlier.get("structure", {}), earlier.get("sizes", {})
        result["bm25"] = earlier.get("bm25")
        result["runs"] = earlier.get("runs", []) + [{"started": earlier.get("started"), "machine": earlier.get("machine")}]
    # structure: the real set vs the same number of grown-only vectors, then bigger grown sets
    if not args.merge or "real" not in result["structure"]:
        result["structure"]["real"] = structure(real, q)
        synth_only = grow(real, len(real) + len(real), seed=99)[len(real):]
        result["structure"]["synthetic_only_same_size"] = structure(synth_only, q)
    for n in [int(s) for s in args.check_sizes.split(",") if s.strip()]:
        say_at(f"structure at {n}")
        result["structure"][str(n)] = structure(grown(real, n, cache), q)
        save()

    for n in [int(s) for s in args.sizes.split(",") if s.strip()]:
        x = grown(real, n, cache)
        bench_size(x, q, args.hnsw_1m, only, hnsw, out=result["sizes"].setdefault(str(n), {}), pq=args.pq, save=save)
        del x
        gc.collect()
        save()

    if args.bm25_docs:
        say_at(f"BM25 at {args.bm25_docs} documents")
        result["bm25"] = bench_bm25(scifact, args.bm25_docs, query_texts)
        say_at(json.dumps(result["bm25"]))
    save()
    print(table(result))
    return 0


def table(result: dict[str, Any]) -> str:
    """The rows as the Markdown table the READMEs quote."""
    lines = ["| vectors | index | params | recall@10 | p50 ms | p95 ms | memory MiB | build s |",
             "|---:|---|---|---:|---:|---:|---:|---:|"]
    order = ["flat", "hnsw", "ivf-flat", "ivf-sq8", "ivf-pq", "sq8"]
    for n, s in result["sizes"].items():
        for r in sorted(s["rows"], key=lambda r: next(i for i, k in enumerate(order + [""]) if r["index"].startswith(k))):
            p = ", ".join(f"{k} {v}" for k, v in r["params"].items()) or "-"
            lines.append(f"| {int(n):,} | {r['index']} | {p} | {r['recall@10']:.3f} | {r['p50_ms']:.2f} | "
                         f"{r['p95_ms']:.2f} | {r['memory_mib']:.0f} | {r['build_s']:.1f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
