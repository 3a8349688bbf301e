"""`make bench` section `search`: end-to-end hybrid search latency on the bench catalog.

`App.search` (what `modelkb search` does per query: index freshness check +
search + item lookup) beside index-only search per mode, with all threads and
with one, and what the freshness check before each search costs.
"""

from __future__ import annotations

from typing import Any

from measure import latency, say, threads, timed


def _questions(limit: int) -> list[str]:
    """The first `limit` questions of the prompt generator's pool (real user-style questions)."""
    from gen_prompts import load_pool

    questions, _, _ = load_pool()
    return questions[:limit]


def bench_search(app: Any, n_queries: int = 40) -> dict[str, Any]:
    """Warm per-query latencies on `app`'s catalog (after 5 warm-up queries)."""
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


def search_lines(v: dict[str, Any]) -> list[str]:
    """The `search` section in the run summary."""
    return [
        f"search    {v['catalog_items']} real items: App.search hybrid p50 {v['app_search_hybrid']['p50_ms']:.1f} / "
        f"p95 {v['app_search_hybrid']['p95_ms']:.1f} ms; index only hybrid {v['index_search_hybrid']['p50_ms']:.1f}, "
        f"dense {v['index_search_dense']['p50_ms']:.1f}, lexical {v['index_search_lexical']['p50_ms']:.1f} ms (p50); "
        f"no-op sync before each App.search {v['freshness_noop_sync']['p50_ms']:.1f} ms",
        f"          with 1 torch/FAISS thread: App.search hybrid p50 {v['app_search_hybrid_1_thread']['p50_ms']:.1f} ms, "
        f"index only hybrid {v['index_search_hybrid_1_thread']['p50_ms']:.1f}, dense {v['index_search_dense_1_thread']['p50_ms']:.1f} ms",
    ]
