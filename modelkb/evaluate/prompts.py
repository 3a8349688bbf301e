"""`modelkb eval --prompts DIR --labels FILE`: answer-ranking quality on labeled prompt files.

The scoring is `answerer.evaluate.evaluate_labeled`'s; here are the checks of
the inputs (one clear line each), the plain-data result `--json` prints, and
the table for people.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np

from modelkb.evaluate.errors import EvalError


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
    width = max([len("overall")] + [len(f) for f in files] + [len(f) for f in result.get("families") or {}]) + 2
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
        lines.append(f"headings from the wrong family: {wrong} (marked '!'); wrong siblings: "
                     f"{overall.get('wrong_sibling', 0)}; named in the items' words: {overall.get('open_named', 0)}; "
                     f"abstained: {overall.get('abstained', 0)}")
    cal = result.get("calibration") or {}
    if cal.get("bins"):
        lines.append("task confidence vs how often the task is right: " + "; ".join(
            f"{b['from']:g}-{b['to']:g}: {b['accuracy']:.0%} of {b['n']}" for b in cal["bins"])
            + f" (calibration error {cal['error']:.3f})")
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
