"""Ranking quality on labeled prompt files: nDCG@k and top-1.

Labels (`tests/data/labeled/labels.json`, `tests/data/seed_labels.json`):

    {"file.txt": {"grades": {"<item name as in the file>": 0..3}, "task": "...", "intent": "..."}}

Grades: 3 = the right tool / directly answers, 2 = clearly helpful,
1 = tangential, 0 = off-topic. An item the labels do not grade counts as 0.

- `ndcg_at_k`: DCG with exponential gain (2^g - 1) and log2 discount,
  normalized by the ideal ordering of *all* the file's grades.
- top-1: the first-ranked item has the file's highest grade.

`evaluate_labeled` parses each labeled file (with `catalog.parse_file`
unless a `parse` callable is given), ranks its items with
`answerer.rank.rank_items` and reports per-file and overall numbers; also
whether the detected intent equals the labeled one. The CLI wraps it as
`modelkb eval --prompts DIR --labels FILE`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from answerer.rank import DEFAULT_WEIGHTS, rank_items
from answerer.taxonomy import detect_intent, detect_task


def dcg(grades: Sequence[float], k: int) -> float:
    return sum((2.0 ** g - 1.0) / math.log2(i + 2) for i, g in enumerate(list(grades)[:k]))


def ndcg_at_k(ranked_grades: Sequence[float], all_grades: Sequence[float], k: int = 3) -> float:
    """nDCG@k of a ranking given the grades in ranked order and all grades of the file.

    1.0 when nothing in the file is relevant (no ordering can be wrong).
    """
    if k <= 0:
        raise ValueError("k must be positive")
    ideal = dcg(sorted(all_grades, reverse=True), k)
    if ideal <= 0:
        return 1.0
    return dcg(ranked_grades, k) / ideal


def _norm(name: str) -> str:
    return " ".join(str(name).split()).casefold()


def grade_lookup(grades: Mapping[str, float]) -> Callable[[str], float]:
    table = {_norm(k): float(v) for k, v in grades.items()}
    return lambda name: table.get(_norm(name), 0.0)


def evaluate_document(
    doc: Any,
    grades: Mapping[str, float],
    embedder: Any,
    *,
    k: int = 3,
    weights: Sequence[float] = DEFAULT_WEIGHTS,
    expected_intent: str | None = None,
) -> dict:
    """Rank one parsed document and score the ranking against its grades."""
    grade = grade_lookup(grades)
    ranked = rank_items(doc.question, doc.items, embedder, weights=weights)
    ranked_grades = [grade(r.name) for r in ranked]
    all_grades = [grade(getattr(getattr(it, "item", it), "name", "")) for it in doc.items]
    best = max(all_grades, default=0.0)
    task = detect_task(doc.question, doc.items, embedder)
    intent = detect_intent(doc.question)
    out = {
        "ndcg": round(ndcg_at_k(ranked_grades, all_grades, k), 4),
        "top1_ok": bool(ranked_grades and ranked_grades[0] >= best),
        "top1": ranked[0].name if ranked else None,
        "top1_grade": ranked_grades[0] if ranked_grades else None,
        "best_grade": best,
        "ranking": [
            {"name": r.name, "grade": g, "score": r.score, "fit": r.fit, "role": r.role}
            for r, g in zip(ranked, ranked_grades)
        ],
        "task": task.name,
        "intent": intent,
    }
    if expected_intent:
        out["expected_intent"] = expected_intent
        out["intent_ok"] = intent == expected_intent
    return out


def _default_parse(path: Path) -> Any:
    # catalog is pure Python with no dependencies on us; imported lazily so the
    # answerer package itself never needs the parser (callers may inject theirs).
    from catalog import parse_file

    return parse_file(path)


def evaluate_labeled(
    directory: str | Path,
    labels_file: str | Path,
    embedder: Any,
    *,
    k: int = 3,
    weights: Sequence[float] = DEFAULT_WEIGHTS,
    parse: Callable[[Path], Any] | None = None,
) -> dict:
    """Per-file and overall nDCG@k and top-1 over the labeled files found in `directory`.

    Returns {"files": {name: {...}}, "overall": {"ndcg@k", "top1", "intent_accuracy", "n"},
    "missing": [labeled files not found]}.
    """
    directory = Path(directory)
    labels = json.loads(Path(labels_file).read_text(encoding="utf-8"))
    parse = parse or _default_parse
    files: dict[str, dict] = {}
    missing = []
    for name in sorted(labels):
        entry = labels[name]
        path = directory / name
        if not path.is_file():
            missing.append(name)
            continue
        doc = parse(path)
        files[name] = evaluate_document(
            doc, entry.get("grades", {}), embedder, k=k, weights=weights,
            expected_intent=entry.get("intent"),
        )
        if entry.get("task"):
            files[name]["expected_task"] = entry["task"]
    n = len(files)
    intents = [f["intent_ok"] for f in files.values() if "intent_ok" in f]
    overall = {
        f"ndcg@{k}": round(sum(f["ndcg"] for f in files.values()) / n, 4) if n else 0.0,
        "top1": round(sum(f["top1_ok"] for f in files.values()) / n, 4) if n else 0.0,
        "intent_accuracy": round(sum(intents) / len(intents), 4) if intents else None,
        "n": n,
    }
    return {"files": files, "overall": overall, "missing": missing}
