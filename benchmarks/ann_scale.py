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
import re
import resource
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

NOISE = 0.1
K = 10
ANN_CHECK_MAX = 100_000
PQ = False  # --pq
SAVE: Callable[[], None] | None = None  # writes the results so far (set by main)


def say(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# -- the real vectors ----------------------------------------------------------------


def real_texts(scifact: Path) -> tuple[list[str], list[str]]:
    """(corpus texts as the index embeds them, SciFact claims)."""
    from catalog import parse_file
    from catalog.jsonl import parse_jsonl_file
    from indexer.text import item_text
    from modelkb.evaluate import load_beir

    data = load_beir(scifact)
    doc = parse_jsonl_file(data.corpus, key_by_id=True)
    texts = [item_text(p.item.name, p.item.kind, p.item.summary) for p in doc.items]
    extra: dict[str, str] = {}
    folders = [ROOT / "examples", ROOT / "tests" / "data" / "labeled"]
    folders += [base.parent / "shared" / "seeds" for base in (ROOT, *ROOT.parents)]
    for folder in folders:
        for f in sorted(folder.glob("*.txt")) if folder.is_dir() else []:
            try:
                parsed = parse_file(f)
            except Exception:  # noqa: BLE001 - a bad example file is not this benchmark's concern
                continue
            for p in parsed.items:
                r = p.item
                extra.setdefault(r.key, item_text(r.name, r.kind, r.summary, task=r.task,
                                                  architecture=r.architecture, variant=r.variant,
                                                  questions=[parsed.question] if parsed.question else []))
    queries = [data.queries[q] for q in data.judged_queries()]
    return texts + sorted(set(extra.values())), queries


def grow(real: np.ndarray, n: int, seed: int = 7, noise: float = NOISE) -> np.ndarray:
    """`real` followed by n - len(real) synthetic mixtures (see the module doc); float32, unit rows."""
    rng = np.random.default_rng(seed)
    m, d = real.shape
    out = np.empty((n, d), dtype=np.float32)
    head = min(n, m)
    out[:head] = real[:head]
    chunk = 100_000
    for start in range(head, n, chunk):
        c = min(chunk, n - start)
        k = rng.integers(2, 4, size=c)
        picks = np.stack([rng.choice(m, size=3, replace=False) for _ in range(c)]) if c < 2000 else \
            _distinct_triples(rng, m, c)
        w = rng.dirichlet(np.ones(3), size=c).astype(np.float32)
        w[k == 2, 2] = 0.0
        w /= w.sum(axis=1, keepdims=True)
        v = np.einsum("ck,ckd->cd", w, real[picks])
        v += rng.standard_normal((c, d)).astype(np.float32) * (noise / np.sqrt(d))
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        out[start : start + c] = v
    return out


def grown(real: np.ndarray, n: int, cache: Path | None) -> np.ndarray:
    """`grow(real, n)`, kept as .npy under `cache` (git-ignored benchmarks/work/) so reruns skip it.

    The file name carries n, the noise and a digest of the real vectors, so a change of model
    or corpus never serves stale vectors; the file is memory-mapped read-only.
    """
    if cache is None:
        return grow(real, n)
    import hashlib

    digest = hashlib.sha256(real.tobytes()).hexdigest()[:12]
    path = cache / f"grown-{n}-noise{NOISE}-seed7-{digest}.npy"
    if path.is_file():
        say(f"grown vectors from {path}")
        return np.load(path, mmap_mode="r")
    x = grow(real, n)
    cache.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, x)
    os.replace(tmp, path)
    return x


def _distinct_triples(rng: np.random.Generator, m: int, c: int) -> np.ndarray:
    picks = rng.integers(0, m, size=(c, 3))
    while True:
        bad = (picks[:, 0] == picks[:, 1]) | (picks[:, 0] == picks[:, 2]) | (picks[:, 1] == picks[:, 2])
        if not bad.any():
            return picks
        picks[bad] = rng.integers(0, m, size=(int(bad.sum()), 3))


# -- measuring ------------------------------------------------------------------------


def exact_top(x: np.ndarray, q: np.ndarray, k: int = K) -> tuple[np.ndarray, np.ndarray]:
    import faiss

    index = faiss.IndexFlatIP(x.shape[1])
    index.add(x)
    return index.search(q, k)


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(a[a >= 0]) & set(b)) / len(b) for a, b in zip(found, truth)]))


def latencies(search: Callable[[np.ndarray], np.ndarray], q: np.ndarray) -> tuple[dict[str, float], np.ndarray]:
    for row in q[:10]:  # warm-up
        search(row[None, :])
    times, labels = [], []
    for row in q:
        t0 = time.perf_counter()
        labels.append(search(row[None, :])[0])
        times.append(time.perf_counter() - t0)
    ms = np.array(times) * 1000
    return {"p50_ms": round(float(np.percentile(ms, 50)), 3), "p95_ms": round(float(np.percentile(ms, 95)), 3)}, np.array(labels)


def index_bytes(index: Any) -> int:
    import faiss

    return int(faiss.serialize_index(index).size)


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def structure(x: np.ndarray, q: np.ndarray, seed: int = 3) -> dict[str, Any]:
    """Neighbour structure of `x` as seen by the real queries, and how easy it is for ANN."""
    import faiss

    sims, _ = exact_top(x, q)
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, len(x), 20000), rng.integers(0, len(x), 20000)
    pair = np.einsum("ij,ij->i", x[a], x[b])
    out = {
        "n": int(len(x)),
        "query_top1_cos": _dist(sims[:, 0]),
        "query_top10_cos": _dist(sims[:, K - 1]),
        "query_top1_minus_top10": _dist(sims[:, 0] - sims[:, K - 1]),
        "random_pair_cos": _dist(pair),
    }
    if len(x) > ANN_CHECK_MAX:
        return out  # the recall checks below cost an HNSW build; the size sweep measures them at 1M
    _, truth = exact_top(x, q)
    hnsw = faiss.IndexHNSWFlat(x.shape[1], 16, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = 40
    hnsw.add(x)
    hnsw.hnsw.efSearch = 16
    out["hnsw_M16_ef16_recall@10"] = round(recall(hnsw.search(q, K)[1], truth), 4)
    nlist = max(16, int(round(np.sqrt(len(x)))))
    ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(x.shape[1]), x.shape[1], nlist, faiss.METRIC_INNER_PRODUCT)
    ivf.train(x[np.random.default_rng(1).choice(len(x), min(len(x), 40 * nlist), replace=False)])
    ivf.add(x)
    ivf.nprobe = max(1, nlist // 32)
    out[f"ivf_sqrt(n)_nprobe_nlist/32_recall@10"] = round(recall(ivf.search(q, K)[1], truth), 4)
    return out


def _dist(v: np.ndarray) -> dict[str, float]:
    return {"mean": round(float(np.mean(v)), 4), "p10": round(float(np.percentile(v, 10)), 4),
            "p50": round(float(np.percentile(v, 50)), 4), "p90": round(float(np.percentile(v, 90)), 4)}


# -- the index configurations ----------------------------------------------------------------


def nlist_for(n: int) -> int:
    """Power of two nearest sqrt(n): 256 at 100k, 1024 at 1M (cheap to train on 2 cores)."""
    return int(2 ** round(np.log2(np.sqrt(n))))


#: Candidates fetched per query before exact re-scoring from the stored vectors:
#: what SearchIndex.dense_top does for an approximate index (2k + 16 for k = 10).
RERANK = 2 * K + 16


#: --hnsw default: (M, efConstruction) pairs
HNSW = [(16, 40), (32, 80)]


def configs(n: int, hnsw_1m: bool, with_pq: bool = False, only: set[str] | None = None,
            hnsw: list[tuple[int, int]] | None = None) -> list[dict[str, Any]]:
    """The index configurations measured at size n; `only`: the kinds asked for (flat, hnsw,
    ivf-flat, ivf-sq8, ivf-pq, sq8), whatever the size; None: the default set for n."""
    out = _configs(n, hnsw_1m or bool(only and "hnsw" in only), with_pq or bool(only and "ivf-pq" in only),
                   hnsw or HNSW, ivf_flat=n <= 200_000 or bool(only and "ivf-flat" in only))
    if only:
        out = [c for c in out if c["kind"] in only]
    return out


def _configs(n: int, hnsw_1m: bool, with_pq: bool, hnsw_settings: list[tuple[int, int]],
             ivf_flat: bool) -> list[dict[str, Any]]:
    nlist = nlist_for(n)
    out: list[dict[str, Any]] = [{"kind": "flat", "name": "flat (exact)", "factory": "Flat", "params": [{}]}]
    hnsw = hnsw_settings if (n <= 200_000 or hnsw_1m) else []
    efs = (32, 64, 128, 256) if n <= 200_000 else (64, 128, 256, 512)  # 1M: top-10 gaps are 8x tighter
    for m, efc in hnsw:
        out.append({"kind": "hnsw", "name": f"hnsw M={m} efC={efc}", "factory": f"HNSW{m}", "efc": efc,
                    "rerank": RERANK, "params": [{"efSearch": ef} for ef in efs]})
    probes = [p for p in (4, 8, 16, 32, 64, 128, 256) if p <= nlist // 4 and p * 64 >= nlist]
    if ivf_flat:  # above 200k by default only when asked: the same lists as IVF-SQ8 in 4x its memory
        out.append({"kind": "ivf-flat", "name": f"ivf-flat nlist={nlist}", "factory": f"IVF{nlist},Flat",
                    "params": [{"nprobe": p} for p in probes]})
    out.append({"kind": "ivf-sq8", "name": f"ivf-sq8 nlist={nlist}", "factory": f"IVF{nlist},SQ8", "rerank": RERANK,
                "params": [{"nprobe": p} for p in probes]})
    if with_pq:
        out.append({"kind": "ivf-pq", "name": f"ivf-pq48 nlist={nlist}", "factory": f"IVF{nlist},PQ48", "rerank": 100,
                    "params": [{"nprobe": p} for p in probes if p >= 8]})
    out.append({"kind": "sq8", "name": "sq8 (flat)", "factory": "SQ8", "rerank": RERANK, "params": [{}]})
    return out


def build(cfg: dict[str, Any], x: np.ndarray, progress: list[dict[str, float]] | None = None) -> tuple[Any, float]:
    """(index, build seconds). HNSW is added in chunks of 50k, each logged and appended to
    `progress` as {"n", "s"}: a build too long to finish still gives its time at 250k / 500k."""
    import faiss

    t0 = time.perf_counter()
    index = faiss.index_factory(x.shape[1], cfg["factory"], faiss.METRIC_INNER_PRODUCT)
    if "efc" in cfg:
        faiss.downcast_index(index).hnsw.efConstruction = cfg["efc"]
    if hasattr(faiss.downcast_index(index), "do_polysemous_training"):
        # polysemous training of 48 sub-quantizers does not finish in minutes here; search does not use it
        faiss.downcast_index(index).do_polysemous_training = False
    if not index.is_trained:
        train = x[np.random.default_rng(5).choice(len(x), min(len(x), 40 * nlist_for(len(x))), replace=False)]
        index.train(train)
    if "efc" in cfg and progress is not None:
        step = 50_000
        for start in range(0, len(x), step):
            index.add(np.ascontiguousarray(x[start : start + step]))
            progress.append({"n": min(len(x), start + step), "s": round(time.perf_counter() - t0, 1)})
            say(f"{cfg['name']}: {progress[-1]['n']} added, {progress[-1]['s']:.0f}s "
                f"(load {os.getloadavg()[0]:.1f})")
            if SAVE is not None:
                SAVE()
    else:
        index.add(np.ascontiguousarray(x))
    return index, time.perf_counter() - t0


def search_fn(index: Any, cfg: dict[str, Any], params: dict[str, Any], x: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    import faiss

    inner = faiss.downcast_index(index)
    if "efSearch" in params:
        p = faiss.SearchParametersHNSW(efSearch=params["efSearch"])
    elif "nprobe" in params:
        p = faiss.SearchParametersIVF(nprobe=params["nprobe"])
    else:
        p = None
    rerank = cfg.get("rerank")
    if not rerank:
        return lambda q: inner.search(q, K, params=p)[1]

    def reranked(q: np.ndarray) -> np.ndarray:
        _, cand = inner.search(q, rerank, params=p)
        c = cand[0][cand[0] >= 0]
        exact = x[c] @ q[0]
        return c[np.argsort(-exact)[:K]][None, :]

    return reranked


def label_of(cfg: dict[str, Any]) -> str:
    return cfg["name"] + (f" +rerank {cfg['rerank']}" if cfg.get("rerank") else "")


def bench_size(x: np.ndarray, q: np.ndarray, hnsw_1m: bool, only: set[str] | None = None,
               hnsw: list[tuple[int, int]] | None = None, out: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every configuration at len(x), into `out` (a previous result at this size, or empty):
    its rows of other indexes are kept, so a run can add configurations to an earlier one.
    `out` is filled as rows are measured (SAVE writes it), so a killed run keeps what it had."""
    import faiss

    n = len(x)
    _, truth = exact_top(x, q)
    out = out if out is not None else {}
    todo = configs(n, hnsw_1m, PQ, only, hnsw)
    again = {label_of(c) for c in todo}
    out.update({"n": n, "nlist": nlist_for(n), "faiss_threads_for_latency": faiss.omp_get_max_threads(),
                "rows": [r for r in out.get("rows", []) if r["index"] not in again]})
    for cfg in todo:
        label = label_of(cfg)
        say(f"{n}: building {cfg['name']}")
        progress: list[dict[str, float]] = []
        if "efc" in cfg:
            out.setdefault("build_progress", {})[cfg["name"]] = {
                "chunks": progress, "loadavg_start": [round(v, 2) for v in os.getloadavg()]}
        index, build_s = build(cfg, x, progress)
        mem = index_bytes(index)
        say(f"{n}: {cfg['name']} built in {build_s:.1f}s, {mem / 2**20:.0f} MiB")
        for params in cfg["params"]:
            lat, labels = latencies(search_fn(index, cfg, params, x), q)
            row = {"index": label, "params": params, "recall@10": round(recall(labels, truth), 4),
                   **lat, "memory_mib": round(mem / 2**20, 1), "build_s": round(build_s, 1),
                   "measured": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                   "loadavg_1min": round(os.getloadavg()[0], 2)}
            out["rows"].append(row)
            say(f"{n}:   {params} recall@10 {row['recall@10']:.3f} p50 {row['p50_ms']:.2f} ms")
            if SAVE is not None:
                SAVE()
        del index
        gc.collect()
    return out


# -- BM25 at scale ----------------------------------------------------------------------


def bench_bm25(scifact: Path, n_docs: int, queries: list[str], seed: int = 11) -> dict[str, Any]:
    """bm25s on `n_docs` documents recombined from real SciFact sentences."""
    import bm25s

    from indexer.scoring import BM25_PARAMS
    from indexer.tokenize import tokenize
    from modelkb.evaluate import load_beir

    data = load_beir(scifact)
    sentences: list[str] = []
    for line in open(data.corpus, encoding="utf-8"):
        obj = json.loads(line)
        sentences += [s for s in re.split(r"(?<=[.!?])\s+", obj["text"]) if len(s) > 20]
    tokenized = [tokenize(s) for s in sentences]
    rng = np.random.default_rng(seed)
    lengths = rng.integers(6, 11, size=n_docs)
    t0 = time.perf_counter()
    corpus = []
    for length in lengths:
        doc: list[str] = []
        for j in rng.integers(0, len(tokenized), size=length):
            doc += tokenized[j]
        corpus.append(doc)
    make_s = time.perf_counter() - t0
    rss0 = rss_mib()
    retriever = bm25s.BM25(**BM25_PARAMS)
    t0 = time.perf_counter()
    retriever.index(corpus, show_progress=False)
    index_s = time.perf_counter() - t0
    del corpus
    gc.collect()
    nbytes = sum(int(v.nbytes) for v in retriever.scores.values() if hasattr(v, "nbytes"))
    times = []
    for text in queries:
        terms = [t for t in tokenize(text) if t in retriever.vocab_dict]
        t0 = time.perf_counter()
        if terms:
            scores = retriever.get_scores(terms)
            np.argpartition(-scores, 100)[:100]
        times.append(time.perf_counter() - t0)
    ms = np.array(times) * 1000
    return {"documents": n_docs, "sentences_pool": len(sentences), "mean_tokens": round(float(np.mean(lengths)) * float(np.mean([len(t) for t in tokenized])), 1),
            "make_corpus_s": round(make_s, 1), "index_s": round(index_s, 1),
            "score_matrix_mib": round(nbytes / 2**20, 1), "peak_rss_growth_mib": round(rss_mib() - rss0, 1),
            "vocab": len(retriever.vocab_dict),
            "query_p50_ms": round(float(np.percentile(ms, 50)), 2), "query_p95_ms": round(float(np.percentile(ms, 95)), 2),
            "note": "query = bm25s get_scores over every document + top-100 selection (what SearchIndex does per query)"}


# -- main ---------------------------------------------------------------------------------


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
    ap.add_argument("--cache", type=Path, default=BENCH / "work" / "grown",
                    help="where the grown vectors are kept as .npy (git-ignored); '' to not keep them")
    args = ap.parse_args()
    global PQ, SAVE
    PQ = args.pq
    only = {k.strip() for k in args.only.split(",") if k.strip()} or None
    hnsw = [tuple(int(v) for v in s.split(":")) for s in args.hnsw.split(",") if s.strip()] or None
    cache = args.cache if str(args.cache) else None

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
    say(f"embedding {len(texts)} real texts and {len(query_texts)} queries (cached in {embedder.path})")
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

    SAVE = save

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
        say(f"structure at {n}")
        result["structure"][str(n)] = structure(grown(real, n, cache), q)
        save()

    for n in [int(s) for s in args.sizes.split(",") if s.strip()]:
        x = grown(real, n, cache)
        bench_size(x, q, args.hnsw_1m, only, hnsw, out=result["sizes"].setdefault(str(n), {}))
        del x
        gc.collect()
        save()

    if args.bm25_docs:
        say(f"BM25 at {args.bm25_docs} documents")
        result["bm25"] = bench_bm25(scifact, args.bm25_docs, query_texts)
        say(json.dumps(result["bm25"]))
    save()
    print(table(result))
    return 0


def table(result: dict[str, Any]) -> str:
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
