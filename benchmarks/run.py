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

Results: benchmarks/results/<date>.json and latest.json. Timings only; no
thresholds are asserted except the correctness check of (2).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
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

import numpy as np  # noqa: E402

from indexer.embedder import WrappedEmbedder  # noqa: E402

SECTIONS = ("ingest", "reingest", "faiss", "search", "answer", "cli", "serve", "beir_tiny", "scifact", "cold_start")


# -- helpers ----------------------------------------------------------------------


def latency(samples: list[float]) -> dict[str, float]:
    ms = np.array(samples) * 1000.0
    return {
        "p50_ms": round(float(np.percentile(ms, 50)), 3),
        "p95_ms": round(float(np.percentile(ms, 95)), 3),
        "mean_ms": round(float(ms.mean()), 3),
        "n": len(samples),
    }


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


class TimedEmbedder(WrappedEmbedder):
    """Wraps the real embedder and adds up the time spent in `encode`."""

    def __init__(self, base) -> None:
        super().__init__(base)
        self.seconds = 0.0
        self.texts = 0

    def encode(self, texts, batch_size: int = 32, show_progress: bool = False):
        texts = list(texts)
        t0 = time.perf_counter()
        out = self.base.encode(texts, batch_size=batch_size, show_progress=show_progress)
        self.seconds += time.perf_counter() - t0
        self.texts += len(texts)
        return out


class threads:
    """Run a block with `n` torch intra-op threads and `n` FAISS OpenMP threads, then restore."""

    def __init__(self, n: int | None) -> None:
        self.n = n

    def __enter__(self):
        import faiss
        import torch

        self.saved = (torch.get_num_threads(), faiss.omp_get_max_threads())
        if self.n:
            torch.set_num_threads(self.n)
            faiss.omp_set_num_threads(self.n)
        return self

    def __exit__(self, *exc) -> None:
        import faiss
        import torch

        torch.set_num_threads(self.saved[0])
        faiss.omp_set_num_threads(self.saved[1])


def machine() -> dict[str, Any]:
    import faiss
    import torch

    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "faiss": faiss.__version__,
        "faiss_threads": faiss.omp_get_max_threads(),
        "loadavg_start": [round(x, 2) for x in os.getloadavg()],
    }


# -- sections -----------------------------------------------------------------------


def bench_ingest(work: Path, n: int, embedder) -> tuple[dict[str, Any], Any, list]:
    from catalog import parse_bytes
    from gen_prompts import generate
    from modelkb.app import App
    from modelkb.config import load_settings
    from modelkb.inputs import expand

    prompts = work / "prompts"
    _, gen_s = timed(lambda: generate(prompts, n))
    files = expand([str(prompts)])
    say(f"ingest: {len(files)} generated prompt files ({gen_s:.1f}s to generate)")

    def parse_all():
        return [parse_bytes(f.read_or_fail(), f.name) for f in files]

    docs, parse_s = timed(parse_all)
    mentions = sum(len(d.items) for d in docs)

    settings = load_settings()
    timed_embedder = TimedEmbedder(embedder)
    app = App(settings, embedder=timed_embedder)
    summary, ingest_s = timed(lambda: app.ingest(files))
    assert summary.files_failed == 0, summary.errors[:3]

    _, load_s = timed(lambda: embedder.encode(["warm up the model"]))
    report, sync_s = timed(app.sync_index)
    embed_s = timed_embedder.seconds
    texts = [e.text for e in app.index_entries()]
    say(f"ingest: stored {summary.items_new} items in {ingest_s:.1f}s; synced (embedded {report.embedded}) in {sync_s:.1f}s")
    # A real `modelkb ingest` leaves the ONNX query export beside the index (App.refresh_query_export);
    # the injected embedder here bypasses that, so write it the same way for the cli/serve sections.
    from indexer.onnx_encoder import onnx_folder
    from indexer.onnx_export import ensure_export

    _, export_s = timed(lambda: ensure_export(embedder, onnx_folder(settings.index_dir), load=True))

    model = embedder._load()  # the SentenceTransformer itself

    def raw():
        return model.encode(texts, batch_size=64, convert_to_numpy=True, normalize_embeddings=True)

    _, raw_s = timed(raw)
    say(f"ingest: raw model.encode of the same {len(texts)} texts: {raw_s:.1f}s")
    chars = sum(len(t) for t in texts)
    return (
        {
            "files": len(files),
            "mentions": mentions,
            "items": summary.items_new,
            "items_enriched": summary.items_enriched,
            "parse_s": round(parse_s, 3),
            "parse_and_store_s": round(ingest_s, 3),
            "onnx_export_s": round(export_s, 3),
            "store_s": round(ingest_s - parse_s, 3),
            "files_per_s_parse_and_store": round(len(files) / ingest_s, 1),
            "model_load_s": round(load_s, 3),
            "sync_s": round(sync_s, 3),
            "embedded": report.embedded,
            "embed_s": round(embed_s, 3),
            "index_write_s": round(sync_s - embed_s, 3),
            "embed_texts_per_s": round(report.embedded / embed_s, 1) if embed_s else None,
            "mean_text_chars": round(chars / max(len(texts), 1)),
            "raw_encode_s": round(raw_s, 3),
            "raw_encode_texts_per_s": round(len(texts) / raw_s, 1),
            "ratio_embed_vs_raw_encode": round(embed_s / raw_s, 3),
            "ratio_sync_vs_raw_encode": round(sync_s / raw_s, 3),
            "ratio_total_ingest_vs_raw_encode": round((ingest_s + sync_s) / raw_s, 3),
        },
        app,
        files,
    )


def bench_reingest(files, embedder) -> dict[str, Any]:
    from modelkb.app import App
    from modelkb.config import load_settings

    timed_embedder = TimedEmbedder(embedder)
    app = App(load_settings(), embedder=timed_embedder)  # a new process's view: index read from disk
    summary, ingest_s = timed(lambda: app.ingest(files))
    report, sync_s = timed(app.sync_index)
    ok = report.embedded == 0 and timed_embedder.texts == 0 and summary.files_unchanged == len(files)
    say(f"reingest: {summary.files_unchanged} unchanged, embedded {report.embedded} ({'ok' if ok else 'FAIL'})")
    app.catalog.close()
    return {
        "files": len(files),
        "files_unchanged": summary.files_unchanged,
        "embedded": report.embedded,
        "texts_sent_to_model": timed_embedder.texts,
        "ingest_s": round(ingest_s, 3),
        "sync_s": round(sync_s, 3),
        "files_per_s": round(len(files) / ingest_s, 1),
        "ok": ok,
    }


def bench_faiss(work: Path, sizes: list[int], dim: int = 384, queries: int = 200) -> dict[str, Any]:
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


def _questions(limit: int) -> list[str]:
    from gen_prompts import load_pool

    questions, _, _ = load_pool()
    return questions[:limit]


def bench_search(app, n_queries: int = 40) -> dict[str, Any]:
    questions = _questions(n_queries)
    stats = app.catalog.stats()
    for q in questions[:5]:  # warm-up: model, index load, caches
        app.search(q, k=10)
    out: dict[str, Any] = {"catalog_items": stats["items"], "queries": len(questions)}
    times = []
    for q in questions:
        _, s = timed(lambda: app.search(q, k=10, mode="hybrid"))
        times.append(s)
    out["app_search_hybrid"] = latency(times)
    out["app_search_note"] = "App.search: what `modelkb search` does per query (index freshness check + search + item lookup)"
    for mode in ("hybrid", "dense", "lexical"):
        times = []
        for q in questions:
            _, s = timed(lambda: app.index.search(q, k=10, mode=mode))
            times.append(s)
        out[f"index_search_{mode}"] = latency(times)
    with threads(1):
        for label, fn in (("app_search_hybrid_1_thread", lambda q: app.search(q, k=10, mode="hybrid")),
                          ("index_search_hybrid_1_thread", lambda q: app.index.search(q, k=10, mode="hybrid")),
                          ("index_search_dense_1_thread", lambda q: app.index.search(q, k=10, mode="dense"))):
            fn(questions[0])
            out[label] = latency([timed(lambda: fn(q))[1] for q in questions])
    times = [timed(app.index_entries)[1] for _ in range(10)]
    out["freshness_rows_to_entries"] = latency(times)
    times = [timed(app.sync_index)[1] for _ in range(10)]
    out["freshness_noop_sync"] = latency(times)
    out["freshness_note"] = ("App.search calls sync_index() first: catalog rows -> index entries, then "
                             "SearchIndex.sync, which re-reads and re-validates the index files even when nothing changed")
    say(f"search: App.search hybrid p50 {out['app_search_hybrid']['p50_ms']:.1f}ms, "
        f"index-only hybrid p50 {out['index_search_hybrid']['p50_ms']:.1f}ms on {stats['items']} items")
    return out


def bench_answer(files, embedder, count: int) -> dict[str, Any]:
    try:
        from answerer.compose import compose  # noqa: F401
        from answerer.render import to_markdown
    except ImportError as exc:
        return {"skipped": f"answerer.compose not available: {exc}"}
    from modelkb.app import App
    from modelkb.config import load_settings

    batch = files[:count]
    failures = 0

    def run(n_threads: int | None) -> float:
        nonlocal failures
        # a fresh wrapper object = a cold answerer.embedcache (it is keyed per embedder object)
        app = App(load_settings(), embedder=TimedEmbedder(embedder))
        with threads(n_threads):
            t0 = time.perf_counter()
            for f in batch:
                try:
                    to_markdown(app.answer_file(f, ingest=False))
                except Exception:
                    failures += 1
            return time.perf_counter() - t0

    s = run(None)
    s1 = run(1)
    say(f"answer: {len(batch)} files in {s:.1f}s ({len(batch) / s:.1f} files/s); with 1 thread {s1:.1f}s")
    return {"files": len(batch), "seconds": round(s, 3), "files_per_s": round(len(batch) / s, 2),
            "ms_per_file": round(1000 * s / len(batch), 1), "failures": failures,
            "seconds_1_thread": round(s1, 3), "files_per_s_1_thread": round(len(batch) / s1, 2),
            "ms_per_file_1_thread": round(1000 * s1 / len(batch), 1),
            "note": "parse + answerer.compose (rank, evidence, workflow) + to_markdown, no catalog writes; "
                    "each pass starts with a cold answerer embedding cache"}


def bench_cli(home: Path, repeats: int = 3) -> dict[str, Any]:
    exe = Path(sys.executable).with_name("modelkb")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "modelkb.cli"]
    env = dict(os.environ, MODELKB_HOME=str(home))

    def median_of(args: list[str]) -> tuple[float, list[float]]:
        runs = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            subprocess.run(cmd + args, env=env, check=True, capture_output=True)
            runs.append(time.perf_counter() - t0)
        return statistics.median(runs), runs

    help_s, help_runs = median_of(["--help"])
    search_s, search_runs = median_of(["search", "sharpen a blurry photo of a car", "-k", "5"])
    say(f"cli: --help {help_s:.2f}s, first search {search_s:.2f}s (median of {repeats})")
    return {
        "help_s": round(help_s, 3), "help_runs": [round(r, 3) for r in help_runs],
        "first_search_s": round(search_s, 3), "first_search_runs": [round(r, 3) for r in search_runs],
        "note": "fresh process each run; first search includes importing torch and loading the model",
    }


def bench_beir_tiny(embedder) -> dict[str, Any]:
    from modelkb.evaluate import evaluate_beir

    report = evaluate_beir(ROOT / "tests" / "data" / "beir_tiny", embedder=embedder)
    say(f"beir_tiny: {json.dumps(report.metrics())}")
    return report.as_dict()


# -- main ------------------------------------------------------------------------


def summary_lines(r: dict[str, Any]) -> list[str]:
    s = r["sections"]
    lines = [f"modelkb bench {r['started']}  ({r['machine']['cpus']} cores, load avg at start "
             f"{r['machine']['loadavg_start'][0]}, total {r['total_s']:.0f}s)"]
    if "ingest" in s:
        i = s["ingest"]
        lines += [
            f"ingest    {i['files']} files -> {i['items']} items: parse {i['parse_s']:.1f}s + store {i['store_s']:.1f}s "
            f"({i['files_per_s_parse_and_store']:.0f} files/s); embed {i['embedded']} texts {i['embed_s']:.1f}s "
            f"({i['embed_texts_per_s']:.0f}/s) + index write {i['index_write_s']:.1f}s",
            f"          raw model.encode same texts {i['raw_encode_s']:.1f}s ({i['raw_encode_texts_per_s']:.0f}/s): "
            f"embed/raw = {i['ratio_embed_vs_raw_encode']:.2f}x, sync/raw = {i['ratio_sync_vs_raw_encode']:.2f}x, "
            f"whole ingest/raw = {i['ratio_total_ingest_vs_raw_encode']:.2f}x",
        ]
    if "reingest" in s:
        i = s["reingest"]
        lines.append(f"reingest  {i['files_unchanged']}/{i['files']} unchanged, embedded {i['embedded']} "
                     f"[{'ok' if i['ok'] else 'FAIL'}] in {i['ingest_s'] + i['sync_s']:.1f}s ({i['files_per_s']:.0f} files/s)")
    if "faiss" in s:
        lines.append("faiss     (synthetic unit vectors)    flat p50/p95 ms     hnsw p50/p95 ms   hnsw build   recall@10 near/uniform")
        for n, v in s["faiss"]["sizes"].items():
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
    if "search" in s:
        v = s["search"]
        lines.append(
            f"search    {v['catalog_items']} real items: App.search hybrid p50 {v['app_search_hybrid']['p50_ms']:.1f} / "
            f"p95 {v['app_search_hybrid']['p95_ms']:.1f} ms; index only hybrid {v['index_search_hybrid']['p50_ms']:.1f}, "
            f"dense {v['index_search_dense']['p50_ms']:.1f}, lexical {v['index_search_lexical']['p50_ms']:.1f} ms (p50); "
            f"no-op sync before each App.search {v['freshness_noop_sync']['p50_ms']:.1f} ms"
        )
        lines.append(
            f"          with 1 torch/FAISS thread: App.search hybrid p50 {v['app_search_hybrid_1_thread']['p50_ms']:.1f} ms, "
            f"index only hybrid {v['index_search_hybrid_1_thread']['p50_ms']:.1f}, dense {v['index_search_dense_1_thread']['p50_ms']:.1f} ms"
        )
    if "answer" in s:
        v = s["answer"]
        lines.append(f"answer    {v['skipped']}" if "skipped" in v else
                     f"answer    {v['files']} files: {v['files_per_s']:.1f} files/s ({v['ms_per_file']:.0f} ms/file; "
                     f"{v['ms_per_file_1_thread']:.0f} ms/file with 1 thread)")
    if "cli" in s:
        v = s["cli"]
        lines.append(f"cli       --help {v['help_s']:.2f}s, first search {v['first_search_s']:.2f}s (median of 3, cold process)")
    if "cold_start" in s:
        from cold_start import summary_line

        lines.append(summary_line(s["cold_start"]))
    if "serve" in s:
        from serve_bench import summary_lines as serve_lines

        lines += serve_lines(s["serve"])
        if "serve_big" in s:
            lines += serve_lines(s["serve_big"])
    if "beir_tiny" in s:
        m = s["beir_tiny"]["metrics"]
        lines.append("beir_tiny " + ", ".join(
            f"{mode}: nDCG@10 {v['ndcg@10']:.3f} MRR@10 {v['mrr@10']:.3f} R@100 {v['recall@100']:.3f}" for mode, v in m.items()))
    if "scifact" in s:
        from scifact import summary_lines as scifact_lines

        lines += scifact_lines(s["scifact"])
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
