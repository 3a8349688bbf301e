"""`modelkb eval DATASET_DIR`: search quality on a BEIR-layout dataset, per search mode.

The corpus goes into a throwaway catalog in a temporary folder (never the
user's), is indexed like any catalog, and every query that has relevance
judgments is searched in each mode (lexical, dense, hybrid). Query embeddings
are computed in one batch up front, not one model call per query.
"""

from __future__ import annotations

import contextlib
import dataclasses
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ContextManager

import numpy as np

from indexer.embedder import WrappedEmbedder
from modelkb.evaluate.beir_data import load_beir
from modelkb.evaluate.errors import EvalError
from modelkb.evaluate.metrics import compute_metrics

MODES: tuple[str, ...] = ("lexical", "dense", "hybrid")
DEPTH = 100  # results retrieved per query: enough for Recall@100

Bar = Callable[[str, int], ContextManager[Any]]  # (label, length) -> context with .update(n)
Notify = Callable[[str], None]


class _QueryVectors(WrappedEmbedder):
    """An embedder that answers `encode` for known texts from a precomputed batch.

    `SearchIndex.search` embeds its query one at a time; priming this with every
    query first turns 300 model calls into one batched call.
    """

    def __init__(self, base) -> None:
        super().__init__(base)
        self._cache: dict[str, np.ndarray] = {}

    def prime(self, texts: Sequence[str], progress: Callable[[int], None] | None = None, chunk: int = 256) -> None:
        todo = [t for t in dict.fromkeys(texts) if t not in self._cache]
        for start in range(0, len(todo), chunk):
            part = todo[start : start + chunk]
            vecs = np.asarray(self.base.encode(part, batch_size=64), dtype=np.float32)
            self._cache.update(zip(part, vecs))
            if progress:
                progress(len(part))

    def encode(self, texts: Sequence[str], batch_size: int = 32, show_progress: bool = False) -> np.ndarray:
        texts = list(texts)
        if texts and all(t in self._cache for t in texts):
            return np.stack([self._cache[t] for t in texts])
        return self.base.encode(texts, batch_size=batch_size, show_progress=show_progress)


@dataclass
class ModeResult:
    metrics: dict[str, float]
    seconds: float  # searching all queries (query embeddings excluded: they are batched once)


@dataclass
class BeirReport:
    dataset: str
    split: str
    model: str
    documents: int
    queries: int
    modes: dict[str, ModeResult]
    import_seconds: float
    model_load_seconds: float
    index_seconds: float
    query_embed_seconds: float
    skipped_qrels_queries: int = 0
    notes: list[str] = field(default_factory=list)

    def metrics(self) -> dict[str, dict[str, float]]:
        """`{mode: {"ndcg@10": x, "mrr@10": x, "recall@100": x}}` (what `--json` prints)."""
        return {mode: {k: round(v, 4) for k, v in r.metrics.items()} for mode, r in self.modes.items()}

    def as_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["metrics"] = self.metrics()
        return d


def parse_modes(text: str | Iterable[str]) -> list[str]:
    """`"lexical,dense"` -> ["lexical", "dense"]; unknown modes are an EvalError."""
    parts = text.split(",") if isinstance(text, str) else list(text)
    modes = [p.strip().lower() for p in parts if p.strip()]
    bad = [m for m in modes if m not in MODES]
    if bad or not modes:
        raise EvalError(f"unknown mode(s) {', '.join(bad) or '(none)'}; use any of {', '.join(MODES)}")
    return list(dict.fromkeys(modes))


def _no_bar(label: str, length: int) -> ContextManager[Any]:
    class _Quiet:
        def update(self, n: int) -> None: ...

    return contextlib.nullcontext(_Quiet())


def evaluate_beir(
    directory: str | Path,
    *,
    model: str | None = None,
    embedder=None,
    modes: Sequence[str] = MODES,
    limit_queries: int | None = None,
    split: str = "test",
    depth: int = DEPTH,
    bar: Bar | None = None,
    notify: Notify | None = None,
    variants: Mapping[str, Mapping[str, Any]] | None = None,
) -> BeirReport:
    """Import the corpus into a throwaway catalog, index it, score every judged query per mode.

    `variants` adds named hybrid runs on the same index, each with its own keyword
    arguments for `SearchIndex.search` (e.g. `{"rrf": {"fusion": "rrf"}}`), so
    fusions are compared on one import and one set of embeddings.
    """
    from catalog import ParseError
    from catalog.jsonl import parse_jsonl_file
    from modelkb import app as app_module
    from modelkb.config import Settings

    bar = bar or _no_bar
    notify = notify or (lambda msg: None)
    modes = parse_modes(modes)
    data = load_beir(directory, split)
    qids = data.judged_queries()
    unknown = sorted(set(data.qrels) - set(data.queries))
    if unknown:
        notify(f"{len(unknown)} judged query id(s) are not in queries.jsonl and are skipped (e.g. {unknown[0]!r})")
    if limit_queries is not None:
        qids = qids[: max(0, int(limit_queries))]
    if not qids:
        raise EvalError(f"{data.directory}: no query in queries.jsonl has a relevant document in qrels/{split}.tsv")

    base = embedder if embedder is not None else app_module.make_embedder(model)
    vectors = _QueryVectors(base)
    with tempfile.TemporaryDirectory(prefix="modelkb-eval-") as tmp:
        home = Path(tmp)
        db_path = home / "catalog.db"
        settings = Settings(home=home, db_url=f"sqlite:///{db_path}", model=model,
                            index_dir=db_path.with_name(db_path.name + ".index"))
        app = app_module.App(settings, embedder=vectors, notify=notify)
        try:
            t0 = time.perf_counter()
            try:
                doc = parse_jsonl_file(data.corpus, key_by_id=True)
            except ParseError as exc:
                raise EvalError(str(exc)) from None
            missing_id = next((p.line for p in doc.items if "source_id" not in p.item.extra), None)
            if missing_id is not None:
                raise EvalError(f"{data.corpus}:{missing_id}: corpus record has no _id")
            app.catalog.ingest(doc)
            import_seconds = time.perf_counter() - t0

            n_docs = len(doc.items)
            t0 = time.perf_counter()
            load = getattr(base, "_load", None)  # SentenceTransformerEmbedder loads lazily: time it apart
            if callable(load):
                load()
            load_seconds = time.perf_counter() - t0
            t0 = time.perf_counter()
            with bar("Embedding corpus", n_docs) as b:
                app.sync_index(progress=b.update)
            index_seconds = time.perf_counter() - t0
            source_of = app.catalog.extra_values("source_id")

            texts = [data.queries[q] for q in qids]
            t0 = time.perf_counter()
            if any(m != "lexical" for m in modes) or variants:
                with bar("Embedding queries", len(set(texts))) as b:
                    vectors.prime(texts, progress=b.update)
            query_embed_seconds = time.perf_counter() - t0

            runs: dict[str, dict[str, Any]] = {mode: {"mode": mode} for mode in modes}
            for name, kwargs in (variants or {}).items():
                runs[name] = {"mode": "hybrid", **kwargs}
            results: dict[str, ModeResult] = {}
            for name, kwargs in runs.items():
                rankings: dict[str, list[str]] = {}
                t0 = time.perf_counter()
                with bar(f"Searching ({name})", len(qids)) as b:
                    for qid, text in zip(qids, texts):
                        hits = app.index.search(text, k=depth, **kwargs)
                        rankings[qid] = [source_of[h.id] for h in hits if h.id in source_of]
                        b.update(1)
                seconds = time.perf_counter() - t0
                results[name] = ModeResult(compute_metrics(data.qrels, rankings, qids), seconds)
        finally:
            if "catalog" in app.__dict__:
                app.catalog.close()

    return BeirReport(
        dataset=data.name,
        split=split,
        model=str(getattr(base, "name", "?")),
        documents=n_docs,
        queries=len(qids),
        modes=results,
        import_seconds=round(import_seconds, 3),
        model_load_seconds=round(load_seconds, 3),
        index_seconds=round(index_seconds, 3),
        query_embed_seconds=round(query_embed_seconds, 3),
        skipped_qrels_queries=len(unknown),
    )


def format_beir(report: BeirReport) -> str:
    """A table per mode, for people."""
    width = max([8] + [len(mode) for mode in report.modes])
    lines = [
        f"{report.dataset} ({report.split}): {report.documents} documents, {report.queries} judged queries; "
        f"model {report.model}",
        f"import {report.import_seconds:.1f}s, model load {report.model_load_seconds:.1f}s, "
        f"index {report.index_seconds:.1f}s, "
        f"query embeddings {report.query_embed_seconds:.1f}s",
        "",
        f"{'mode':<{width}}  {'nDCG@10':>7}  {'MRR@10':>7}  {'R@100':>7}  {'ms/query':>8}",
    ]
    for mode, r in report.modes.items():
        m = r.metrics
        per_query = 1000 * r.seconds / max(report.queries, 1)
        lines.append(
            f"{mode:<{width}}  {m['ndcg@10']:>7.4f}  {m['mrr@10']:>7.4f}  {m['recall@100']:>7.4f}  {per_query:>8.1f}"
        )
    return "\n".join(lines)
