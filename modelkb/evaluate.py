"""Retrieval quality: `modelkb eval`.

Two evaluations:

- BEIR-layout datasets (`corpus.jsonl`, `queries.jsonl`, `qrels/<split>.tsv`):
  the corpus goes into a throwaway catalog in a temporary folder (never the
  user's), is indexed like any catalog, and every query that has relevance
  judgments is searched in each mode (lexical, dense, hybrid). Scores are
  nDCG@10, MRR@10 and Recall@100, computed by `ir_measures` (trec_eval
  semantics: linear gains, log2 discounts; a query with no results scores 0).
  Query embeddings are computed in one batch up front, not one model call
  per query.
- labeled prompt files (`--prompts DIR --labels FILE`): answer-ranking
  quality, delegated to `answerer.evaluate.evaluate_labeled`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ContextManager

import numpy as np

from catalog.errors import BadInput
from indexer.embedder import WrappedEmbedder

MODES: tuple[str, ...] = ("lexical", "dense", "hybrid")
#: Output name -> ir_measures measure name.
METRICS: dict[str, str] = {"ndcg@10": "nDCG@10", "mrr@10": "RR@10", "recall@100": "R@100"}
DEPTH = 100  # results retrieved per query: enough for Recall@100

Bar = Callable[[str, int], ContextManager[Any]]  # (label, length) -> context with .update(n)
Notify = Callable[[str], None]


class EvalError(BadInput):
    """The dataset or labels cannot be evaluated; the message says why in one line."""


# -- loading a BEIR dataset -----------------------------------------------------


@dataclass
class BeirDataset:
    directory: Path
    corpus: Path
    queries: dict[str, str]  # id -> text, in file order
    qrels: dict[str, dict[str, int]]  # query id -> {corpus id: grade}
    split: str

    @property
    def name(self) -> str:
        return self.directory.resolve().name

    def judged_queries(self) -> list[str]:
        """Ids of queries (file order) with at least one relevant (grade > 0) document."""
        return [q for q in self.queries if any(g > 0 for g in self.qrels.get(q, {}).values())]


def load_beir(directory: str | Path, split: str = "test") -> BeirDataset:
    """Read queries and qrels of a BEIR-layout folder (the corpus is read at import)."""
    d = Path(directory)
    if not d.is_dir():
        raise EvalError(f"{d}: not a folder (expected a BEIR dataset: corpus.jsonl, queries.jsonl, qrels/{split}.tsv)")
    corpus, queries, qrels = d / "corpus.jsonl", d / "queries.jsonl", d / "qrels" / f"{split}.tsv"
    for p in (corpus, queries, qrels):
        if not p.is_file():
            raise EvalError(f"{p}: missing (a BEIR dataset has corpus.jsonl, queries.jsonl, qrels/{split}.tsv)")
    return BeirDataset(d, corpus, read_queries(queries), read_qrels(qrels), split)


def read_queries(path: Path) -> dict[str, str]:
    """`queries.jsonl`: one `{"_id": ..., "text": ...}` per line."""
    out: dict[str, str] = {}
    with open(path, encoding="utf-8-sig") as fh:
        for lineno, raw in enumerate(fh, 1):
            line = raw.strip()
            if not line:
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise EvalError(f"{path}:{lineno}: invalid JSON ({exc.msg})") from None
            if not isinstance(obj, dict) or "_id" not in obj or not isinstance(obj.get("text"), str):
                raise EvalError(f"{path}:{lineno}: expected an object with _id and text")
            out[str(obj["_id"])] = " ".join(obj["text"].split())
    if not out:
        raise EvalError(f"{path}: no queries")
    return out


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    """`qrels/<split>.tsv`: `query-id corpus-id score` per line, tab-separated, header optional."""
    out: dict[str, dict[str, int]] = {}
    with open(path, encoding="utf-8-sig") as fh:
        for lineno, raw in enumerate(fh, 1):
            parts = raw.strip().split("\t") if "\t" in raw else raw.split()
            if not parts or parts == [""]:
                continue
            if lineno == 1 and parts[0].lower() in ("query-id", "query_id", "qid"):
                continue
            if len(parts) == 4:  # TREC layout: qid 0 docid grade
                parts = [parts[0], parts[2], parts[3]]
            if len(parts) != 3:
                raise EvalError(f"{path}:{lineno}: expected 'query-id<TAB>corpus-id<TAB>score'")
            try:
                grade = int(float(parts[2]))
            except ValueError:
                raise EvalError(f"{path}:{lineno}: score {parts[2]!r} is not a number") from None
            out.setdefault(parts[0].strip(), {})[parts[1].strip()] = grade
    if not out:
        raise EvalError(f"{path}: no relevance judgments")
    return out


# -- metrics ----------------------------------------------------------------------


def run_from_rankings(rankings: dict[str, Sequence[str]]) -> dict[str, dict[str, float]]:
    """Ranked id lists -> a TREC run whose scores reproduce the order exactly (no ties)."""
    run: dict[str, dict[str, float]] = {}
    for qid, docs in rankings.items():
        scores: dict[str, float] = {}
        for rank, doc in enumerate(docs):
            scores.setdefault(str(doc), float(len(docs) - rank))
        if scores:
            run[qid] = scores
    return run


def compute_metrics(
    qrels: dict[str, dict[str, int]],
    rankings: dict[str, Sequence[str]],
    query_ids: Iterable[str] | None = None,
) -> dict[str, float]:
    """Mean nDCG@10, MRR@10, Recall@100 over `query_ids` (default: every judged query).

    A query without results (or missing from `rankings`) counts as 0 for every
    metric: leaving it out would flatter a mode that returns nothing.
    """
    import ir_measures

    qids = [q for q in (query_ids if query_ids is not None else qrels) if q in qrels]
    if not qids:
        raise EvalError("no judged queries to evaluate")
    measures = {name: ir_measures.parse_measure(m) for name, m in METRICS.items()}
    by_measure = {str(m): name for name, m in measures.items()}
    sub_qrels = {q: {d: int(g) for d, g in qrels[q].items()} for q in qids}
    run = run_from_rankings({q: rankings.get(q, ()) for q in qids})
    totals = dict.fromkeys(METRICS, 0.0)
    for metric in ir_measures.iter_calc(list(measures.values()), sub_qrels, run):
        if metric.query_id in sub_qrels:
            totals[by_measure[str(metric.measure)]] += float(metric.value)
    return {name: totals[name] / len(qids) for name in METRICS}


# -- the BEIR evaluation ------------------------------------------------------------


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


# -- labeled prompt files (answer ranking) ------------------------------------------


def evaluate_prompts(directory: str | Path, labels: str | Path, *, model: str | None = None, embedder=None) -> dict[str, Any]:
    """Answer-ranking quality on labeled prompt files (`answerer.evaluate.evaluate_labeled`), as plain data."""
    try:
        from answerer.evaluate import evaluate_labeled
    except ImportError as exc:
        raise EvalError(f"answer evaluation is not available in this build (answerer.evaluate: {exc})") from None
    from modelkb import app as app_module

    if not Path(directory).is_dir():
        raise EvalError(f"{directory}: not a folder of prompt files")
    try:
        json.loads(Path(labels).read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise EvalError(f"{labels}: cannot read labels ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f":{exc.lineno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise EvalError(f"{labels}{where}: labels are not valid JSON ({getattr(exc, 'msg', exc)})") from None
    if embedder is None:
        embedder = app_module.make_embedder(model)
    try:
        return _plain(evaluate_labeled(Path(directory), Path(labels), embedder))
    except ValueError as exc:
        raise EvalError(f"{labels}: {exc}") from None


def _plain(obj: Any) -> Any:
    """Dataclasses / objects with as_dict or to_dict -> dicts and lists, recursively."""
    for attr in ("as_dict", "to_dict"):
        fn = getattr(obj, attr, None)
        if callable(fn):
            return _plain(fn())
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return _plain(dataclasses.asdict(obj))
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, (np.floating, np.integer)):
        return obj.item()
    return obj


def format_prompts(result: dict[str, Any]) -> str:
    """Per-file task, nDCG@k, top-1 and intent with the top-ranked item; overall and per-family rows.

    Reads `evaluate_labeled`'s shape: {"files": {name: {"ndcg", "top1_ok", "task_ok",
    "wrong_family", "intent_ok", "task", "top1", "top1_grade"}}, "overall": {...},
    "families": {family: {...}}, "missing"}.
    """
    files: dict[str, dict[str, Any]] = result.get("files") or {}
    overall: dict[str, Any] = result.get("overall") or {}
    ndcg_name = next((k for k in overall if k.startswith("ndcg")), "ndcg@3")
    width = max([len("overall")] + [len(f) for f in files]) + 2
    head = (f"{'file':<{width}}{ndcg_name.replace('ndcg', 'nDCG'):>8}  {'top-1':>5}  {'task':>5}  {'intent':>6}  "
            "answer's task / top-ranked item")
    lines = [head]
    for name, f in files.items():
        top = f.get("top1")
        grade = f.get("top1_grade")
        top_text = f"{top} (grade {grade:g})" if top is not None and isinstance(grade, (int, float)) else str(top or "-")
        task_ok = _yes(f.get("task_ok")) + ("!" if f.get("wrong_family") else "")
        lines.append(
            f"{name:<{width}}{_num(f.get('ndcg', f.get(ndcg_name)))}  {_yes(f.get('top1_ok')):>5}  {task_ok:>5}  "
            f"{_yes(f.get('intent_ok')):>6}  {f.get('task', '-')} / {top_text}"
        )
    lines.append(_summary_row("overall", overall, ndcg_name, width))
    families: dict[str, dict[str, Any]] = result.get("families") or {}
    if len(families) > 1:
        lines.append("")
        for fam, summary in families.items():
            lines.append(_summary_row(fam, summary, ndcg_name, width))
    wrong = overall.get("wrong_family")
    if wrong is not None:
        lines.append(f"headings from the wrong family: {wrong} (marked '!'); abstained: {overall.get('abstained', 0)}")
    for name in result.get("missing") or []:
        lines.append(f"missing: {name} is labeled but not in the folder")
    return "\n".join(lines)


def _summary_row(label: str, s: dict[str, Any], ndcg_name: str, width: int) -> str:
    return (f"{label:<{width}}{_num(s.get(ndcg_name))}  {_num(s.get('top1'), 5)}  {_num(s.get('task_accuracy'), 5)}  "
            f"{_num(s.get('intent_accuracy'), 6)}  ({s.get('n', 0)} files)")


def _num(value: Any, width: int = 8) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:>{width}.3f}"
    return f"{'-':>{width}}"


def _yes(value: Any) -> str:
    return "-" if value is None else ("yes" if value else "no")
