"""`make bench` section `faiss`: exact (IndexFlatIP) vs HNSW on synthetic vectors.

Warm single-query latency p50/p95 at 1k/10k/100k vectors, the FAISS indexes
built the way indexer.store builds them, and recall@10 of HNSW against exact.
Vectors are SYNTHETIC (random unit vectors); queries are noisy copies of stored
vectors, plus uniformly random queries (the hard case for HNSW). Real-embedding
numbers at scale: ann_scale.py.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from measure import latency, say, threads, timed


def bench_faiss(work: Path, sizes: list[int], dim: int = 384, queries: int = 200) -> dict[str, Any]:
    """Latency and recall per size in `sizes` (the largest also sweeps efSearch)."""
    import faiss

    from indexer.store import SearchIndex

    class _NoEmbedder:
        name, dimension = "synthetic", dim

    flat_si = SearchIndex(work / "faiss-flat", _NoEmbedder(), approx_threshold=10**12)
    hnsw_si = SearchIndex(work / "faiss-hnsw", _NoEmbedder(), approx_threshold=0, approx_kind="hnsw")
    rng = np.random.default_rng(42)
    out: dict[str, Any] = {
        "vectors": "synthetic: random unit vectors (normal, L2-normalized), not model embeddings",
        "dimension": dim,
        "hnsw": {"M": hnsw_si.hnsw_m, "efConstruction": hnsw_si.ef_construction, "efSearch": hnsw_si.ef_search},
        "store_approx_threshold": SearchIndex(work, _NoEmbedder()).approx_threshold,
        "queries": f"{queries} noisy copies of stored vectors (cosine ~0.7 to their source) + {queries} uniform random",
        "sizes": {},
    }
    for n in sizes:
        x = rng.standard_normal((n, dim)).astype(np.float32)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        ids = np.arange(n, dtype=np.int64)
        src = rng.integers(0, n, queries)
        near = x[src] + rng.standard_normal((queries, dim)).astype(np.float32) * 0.052
        near /= np.linalg.norm(near, axis=1, keepdims=True)
        uni = rng.standard_normal((queries, dim)).astype(np.float32)
        uni /= np.linalg.norm(uni, axis=1, keepdims=True)

        flat, flat_build = timed(lambda: flat_si._build_faiss(ids, x))
        hnsw, hnsw_build = timed(lambda: hnsw_si._build_faiss(ids, x))
        params = faiss.SearchParametersHNSW(efSearch=max(hnsw_si.ef_search, 10))

        def run(index, qs, p=None):
            for q in qs[:20]:  # warm-up
                index.search(q[None, :], 10, params=p)
            times, labels = [], []
            for q in qs:
                t0 = time.perf_counter()
                _, lab = index.search(q[None, :], 10, params=p)
                times.append(time.perf_counter() - t0)
                labels.append(lab[0])
            return times, np.array(labels)

        f_t, f_near = run(flat, near)
        h_t, h_near = run(hnsw, near, params)
        _, f_uni = run(flat, uni)
        _, h_uni = run(hnsw, uni, params)
        with threads(1):
            f_t1, _ = run(flat, near)
            h_t1, _ = run(hnsw, near, params)

        def recall(a, b):
            return float(np.mean([len(set(r1) & set(r2)) / 10 for r1, r2 in zip(a, b)]))

        out["sizes"][str(n)] = {
            "flat": {"build_s": round(flat_build, 3), **latency(f_t)},
            "hnsw": {"build_s": round(hnsw_build, 3), **latency(h_t)},
            "flat_1_thread": latency(f_t1),
            "hnsw_1_thread": latency(h_t1),
            "hnsw_recall@10_near_queries": round(recall(f_near, h_near), 4),
            "hnsw_recall@10_uniform_queries": round(recall(f_uni, h_uni), 4),
            "top1_is_source_flat": round(float(np.mean(f_near[:, 0] == src)), 4),
        }
        if n == max(sizes):
            sweep = {}
            for ef in (64, 128, 256, 512):
                p_ef = faiss.SearchParametersHNSW(efSearch=ef)
                t_ef, lab_near = run(hnsw, near, p_ef)
                _, lab_uni = run(hnsw, uni, p_ef)
                sweep[str(ef)] = {"recall@10_near": round(recall(f_near, lab_near), 4),
                                  "recall@10_uniform": round(recall(f_uni, lab_uni), 4), **latency(t_ef)}
            out["sizes"][str(n)]["hnsw_efsearch_sweep"] = sweep
        s = out["sizes"][str(n)]
        say(f"faiss {n:>6}: flat p50 {s['flat']['p50_ms']:.3f}ms, hnsw p50 {s['hnsw']['p50_ms']:.3f}ms "
            f"(build {hnsw_build:.1f}s), recall@10 {s['hnsw_recall@10_near_queries']:.3f} near / "
            f"{s['hnsw_recall@10_uniform_queries']:.3f} uniform")
        del flat, hnsw
    return out


def faiss_lines(section: dict[str, Any]) -> list[str]:
    """The `faiss` section in the run summary: one row per size (+ 1 thread, + efSearch sweep)."""
    lines = ["faiss     (synthetic unit vectors)    flat p50/p95 ms     hnsw p50/p95 ms   hnsw build   recall@10 near/uniform"]
    for n, v in section["sizes"].items():
        f, h = v["flat"], v["hnsw"]
        f1, h1 = v["flat_1_thread"], v["hnsw_1_thread"]
        lines.append(f"          {int(n):>7} vectors          {f['p50_ms']:>7.3f}/{f['p95_ms']:<7.3f}    "
                     f"{h['p50_ms']:>7.3f}/{h['p95_ms']:<7.3f}   {h['build_s']:>7.1f}s     "
                     f"{v['hnsw_recall@10_near_queries']:.3f}/{v['hnsw_recall@10_uniform_queries']:.3f}")
        lines.append(f"          {'  (1 thread)':<24}{f1['p50_ms']:>7.3f}/{f1['p95_ms']:<7.3f}    "
                     f"{h1['p50_ms']:>7.3f}/{h1['p95_ms']:<7.3f}")
        for ef, e in v.get("hnsw_efsearch_sweep", {}).items():
            lines.append(f"          {'  efSearch ' + ef:<24}{'':>15}    {e['p50_ms']:>7.3f}/{e['p95_ms']:<7.3f}"
                         f"   {'':>8}     {e['recall@10_near']:.3f}/{e['recall@10_uniform']:.3f}")
    return lines
