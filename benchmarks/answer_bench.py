"""`make bench` section `answer`: files/s answering prompt files (parse + answerer.compose + render).

Each pass starts with a cold answerer embedding cache; measured with all
threads and with one.
"""

from __future__ import annotations

import time
from typing import Any

from measure import TimedEmbedder, say, threads


def bench_answer(files: list, embedder: Any, count: int) -> dict[str, Any]:
    """Answer the first `count` bench files twice (all threads, then 1); skipped without the answerer."""
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


def answer_lines(v: dict[str, Any]) -> list[str]:
    """The `answer` section in the run summary."""
    return [(f"answer    {v['skipped']}" if "skipped" in v else
            f"answer    {v['files']} files: {v['files_per_s']:.1f} files/s ({v['ms_per_file']:.0f} ms/file; "
            f"{v['ms_per_file_1_thread']:.0f} ms/file with 1 thread)")]
