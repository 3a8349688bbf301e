"""BM25 at a million documents (ann_scale.py `--bm25-docs`): bm25s index time, memory, query latency.

Documents are recombined from real SciFact sentences (each 6-10 sentences drawn
from random abstracts), queries are SciFact claims, tokenized as the index does.
"""

from __future__ import annotations

import gc
import json
import re
import resource
import time
from pathlib import Path
from typing import Any

import numpy as np


def rss_mib() -> float:
    """Peak resident memory of this process so far, MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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
