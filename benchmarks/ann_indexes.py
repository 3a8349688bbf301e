"""The FAISS configurations ann_scale.py compares, and how each is built, searched and scored.

Exact search (IndexFlatIP) is the truth; HNSW, IVF-Flat, IVF-SQ8, IVF-PQ and
flat SQ8 are measured against it by recall@10 and single-query latency, with
exact re-ranking of the candidates from the stored vectors where `SearchIndex`
does that too.
"""

from __future__ import annotations

import os
import time
from typing import Any, Callable

import numpy as np

from measure import say_at

K = 10


def exact_top(x: np.ndarray, q: np.ndarray, k: int = K) -> tuple[np.ndarray, np.ndarray]:
    """(similarities, ids) of the exact top-k (IndexFlatIP): the truth recall is measured against."""
    import faiss

    index = faiss.IndexFlatIP(x.shape[1])
    index.add(x)
    return index.search(q, k)


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    """Mean share of each query's true top-k found (-1 padding ignored)."""
    return float(np.mean([len(set(a[a >= 0]) & set(b)) / len(b) for a, b in zip(found, truth)]))


def latencies(search: Callable[[np.ndarray], np.ndarray], q: np.ndarray) -> tuple[dict[str, float], np.ndarray]:
    """Single-query p50 / p95 ms over `q` (after 10 warm-ups) and the labels found."""
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
    """The serialized index size: what the index holds in RAM."""
    import faiss

    return int(faiss.serialize_index(index).size)


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
    """The default set for n: exact, HNSW (up to 200k unless hnsw_1m), IVF at sqrt-sized lists, SQ8."""
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


def build(cfg: dict[str, Any], x: np.ndarray, progress: list[dict[str, float]] | None = None,
          save: Callable[[], None] | None = None) -> tuple[Any, float]:
    """(index, build seconds). HNSW is added in chunks of 50k, each logged and appended to
    `progress` as {"n", "s"}, then `save()` called: a build too long to finish still gives its
    time at 250k / 500k."""
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
            say_at(f"{cfg['name']}: {progress[-1]['n']} added, {progress[-1]['s']:.0f}s "
                f"(load {os.getloadavg()[0]:.1f})")
            if save is not None:
                save()
    else:
        index.add(np.ascontiguousarray(x))
    return index, time.perf_counter() - t0


def search_fn(index: Any, cfg: dict[str, Any], params: dict[str, Any], x: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """One query -> top-K labels with these search params, re-scored exactly from `x` when the config says so."""
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
    """A result row's index name (with its re-ranking depth)."""
    return cfg["name"] + (f" +rerank {cfg['rerank']}" if cfg.get("rerank") else "")
