"""The vectors ann_scale.py (and pg_index.py) measure on: real embeddings grown to N.

The real set is all-MiniLM-L6-v2 embeddings of the SciFact corpus plus the
items of the example, labeled and seed prompt files; it is grown with
synthetic mixtures of two or three real vectors (see ann_scale.py's doc), so
every synthetic vector lies in the span the model actually produces.
`structure` checks that claim against the real set.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ann_indexes import K, exact_top, recall
from measure import ROOT, say_at

NOISE = 0.1
#: Above this size `structure` skips its ANN recall checks (they cost an HNSW build).
ANN_CHECK_MAX = 100_000


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
        say_at(f"grown vectors from {path}")
        return np.load(path, mmap_mode="r")
    x = grow(real, n)
    cache.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, x)
    os.replace(tmp, path)
    return x


def _distinct_triples(rng: np.random.Generator, m: int, c: int) -> np.ndarray:
    """c rows of 3 distinct indexes below m (vectorized; `grow` for big chunks)."""
    picks = rng.integers(0, m, size=(c, 3))
    while True:
        bad = (picks[:, 0] == picks[:, 1]) | (picks[:, 0] == picks[:, 2]) | (picks[:, 1] == picks[:, 2])
        if not bad.any():
            return picks
        picks[bad] = rng.integers(0, m, size=(int(bad.sum()), 3))


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
    out["ivf_sqrt(n)_nprobe_nlist/32_recall@10"] = round(recall(ivf.search(q, K)[1], truth), 4)
    return out


def _dist(v: np.ndarray) -> dict[str, float]:
    """Mean and p10 / p50 / p90, rounded, for the structure figures."""
    return {"mean": round(float(np.mean(v)), 4), "p10": round(float(np.percentile(v, 10)), 4),
            "p50": round(float(np.percentile(v, 50)), 4), "p90": round(float(np.percentile(v, 90)), 4)}
