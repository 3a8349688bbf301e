"""Answer quality on labeled prompt files: task, family, nDCG@k, top-1, intent.

Labels (`tests/data/labeled/labels.json`, `tests/data/seed_labels.json`,
`tests/data/eval/*/labels.json`):

    {"file.txt": {"grades": {"<item name as in the file>": 0..3},
                  "task": "text-to-music generation", "accept": ["music generation"],
                  "family": "audio", "intent": "choose", "poor_fit_recommended": true}}

`intent` may use "recommend" for "choose" (`INTENT_SYNONYMS`).

Grades: 3 = the right tool / directly answers, 2 = clearly helpful,
1 = tangential, 0 = off-topic. An item the labels do not grade counts as 0.

- `ndcg_at_k`: DCG with exponential gain (2^g - 1) and log2 discount,
  normalized by the ideal ordering of *all* the file's grades.
- top-1: the first-ranked item has the file's highest grade.
- task: the answer's heading is correct when its name (with or without the
  qualifier) equals the label's `task` or one of `accept` after
  normalization (case, hyphens, punctuation), or when the chosen glossary
  task's own name or one of its aliases does. An abstained heading ("a task
  outside the glossary") is not correct.
- wrong family: the heading asserts a glossary task whose family differs from
  the label's `family` and that is not an accepted task (an image task for an
  audio question) — the worst mistake.
- wrong sibling: the heading asserts a glossary task of the label's family that
  is not an accepted task (crowd counting for a cell-counting question).
- open-named: the heading is a task named in the items' own words (not a
  glossary task); it is correct only when that name is the label's `task` or
  one of `accept`, and claims no family (so it is never a wrong family).

`evaluate_labeled` composes each labeled file's answer exactly as
`modelkb answer` does (`answerer.compose.compose`) and reports per-file,
overall and per-family numbers. The CLI wraps it as
`modelkb eval --prompts DIR --labels FILE [--json]`.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from answerer.answer import TaskInfo
from answerer.compose import compose
from answerer.rank import DEFAULT_WEIGHTS
from answerer.taxonomy import Taxonomy, load_taxonomy
from catalog.records import ParsedDocument
from indexer.embedder import Embedder


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


def task_key(name: str) -> str:
    """Task names compared modulo case, hyphens and punctuation: "Text-to-Music" == "text to music"."""
    return " ".join(re.sub(r"[^0-9a-z+/]+", " ", str(name).casefold()).split())


#: Label vocabularies that name an answerer intent differently (`tests/data/eval` says
#: "recommend" for what `detect_intent` calls "choose": which model should I use?).
INTENT_SYNONYMS: dict[str, str] = {"recommend": "choose", "recommendation": "choose", "select": "choose"}


def intent_key(label: str) -> str:
    """A labeled intent in the answerer's vocabulary (explain | choose | training_data | compare | multi)."""
    key = str(label).strip().casefold()
    return INTENT_SYNONYMS.get(key, key)


def grade_lookup(grades: Mapping[str, float]) -> Callable[[str], float]:
    table = {_norm(k): float(v) for k, v in grades.items()}
    return lambda name: table.get(_norm(name), 0.0)


def task_correct(answer_task: TaskInfo, label: Mapping[str, Any], taxonomy: Taxonomy) -> bool | None:
    """Is the heading's task the labeled one? None when the label names no task."""
    gold = [label.get("task"), *(label.get("accept") or [])]
    wanted = {task_key(g) for g in gold if isinstance(g, str) and g.strip()}
    if not wanted:
        return None
    if answer_task.source == "none":
        return False  # abstained: honest, but not the task
    names = {answer_task.name, answer_task.base_name}
    if answer_task.id in taxonomy.tasks:
        t = taxonomy.task(answer_task.id)
        names |= {t.name, *t.aliases}
    return any(task_key(n) in wanted for n in names if n)


def evaluate_document(
    doc: ParsedDocument,
    label: Mapping[str, Any],
    embedder: Embedder,
    *,
    k: int = 3,
    weights: Sequence[float] = DEFAULT_WEIGHTS,
    taxonomy: Taxonomy | None = None,
) -> dict:
    """Answer one parsed document and score it against its label."""
    tax = taxonomy or load_taxonomy()
    grade = grade_lookup(label.get("grades", {}))
    answer = compose(doc, embedder=embedder, taxonomy=tax, weights=weights)
    ranked = answer.ranking
    ranked_grades = [grade(r.name) for r in ranked]
    all_grades = [grade(it.item.name) for it in doc.items]
    best = max(all_grades, default=0.0)
    task = answer.task
    ok = task_correct(task, label, tax)
    family = label.get("family")
    out: dict[str, Any] = {
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
        "task_id": task.id,
        "task_family": task.family,
        "task_source": task.source,
        "task_confidence": task.confidence,
        "intent": answer.intent,
    }
    if ok is not None:
        out["expected_task"] = label.get("task")
        out["task_ok"] = ok
    out["open_named"] = task.source == "items" and task.id not in tax.tasks  # named in the items' own words
    if family:
        out["expected_family"] = family
        out["wrong_family"] = bool(task.family and task.family != family and not ok)
        # a wrong glossary task of the right family (crowd counting for a cell-counting question)
        out["wrong_sibling"] = bool(task.id in tax.tasks and task.family == family and not ok)
    if label.get("intent"):
        out["expected_intent"] = label["intent"]
        out["intent_ok"] = answer.intent == intent_key(label["intent"])
    if "poor_fit_recommended" in label:
        out["poor_fit_recommended"] = bool(label["poor_fit_recommended"])
    return out


def _default_parse(path: Path) -> ParsedDocument:
    # catalog is pure Python with no dependencies on us; imported lazily so the
    # answerer package itself never needs the parser (callers may inject theirs).
    from catalog import parse_file

    return parse_file(path)


def summarize(files: Mapping[str, Mapping[str, Any]], k: int = 3) -> dict[str, Any]:
    """Overall numbers over per-file results (task accuracy and wrong-family count where labeled)."""
    n = len(files)
    rows = list(files.values())
    tasks = [f["task_ok"] for f in rows if "task_ok" in f]
    fams = [f["wrong_family"] for f in rows if "wrong_family" in f]
    intents = [f["intent_ok"] for f in rows if "intent_ok" in f]
    return {
        f"ndcg@{k}": round(sum(f["ndcg"] for f in rows) / n, 4) if n else 0.0,
        "top1": round(sum(f["top1_ok"] for f in rows) / n, 4) if n else 0.0,
        "task_accuracy": round(sum(tasks) / len(tasks), 4) if tasks else None,
        "wrong_family": sum(fams) if fams else None,
        "wrong_sibling": sum(f["wrong_sibling"] for f in rows if "wrong_sibling" in f) if fams else None,
        "open_named": sum(1 for f in rows if f.get("open_named")),
        "abstained": sum(1 for f in rows if f.get("task_source") == "none"),
        "intent_accuracy": round(sum(intents) / len(intents), 4) if intents else None,
        "n": n,
    }


#: Confidence bins of the reliability table: (from, to], the first from 0 inclusive.
CONFIDENCE_BINS: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


def calibration(files: Mapping[str, Mapping[str, Any]],
                bins: Sequence[float] = CONFIDENCE_BINS) -> dict[str, Any]:
    """How often the task heading is right at each stated confidence.

    The answer's task confidence claims to be the probability that its task is
    right; this is the check. `error` is the expected calibration error: the
    files-weighted mean gap between stated confidence and accuracy per bin.
    """
    rows = [(float(f["task_confidence"]), bool(f["task_ok"])) for f in files.values()
            if f.get("task_ok") is not None and f.get("task_confidence") is not None]
    table = []
    for i, (lo, hi) in enumerate(zip(bins, bins[1:])):
        inside = [(c, ok) for c, ok in rows if (lo < c or (i == 0 and c >= lo)) and c <= hi]
        if inside:
            table.append({"from": lo, "to": hi, "n": len(inside),
                          "confidence": round(sum(c for c, _ok in inside) / len(inside), 4),
                          "accuracy": round(sum(ok for _c, ok in inside) / len(inside), 4)})
    n = sum(b["n"] for b in table)
    error = sum(b["n"] * abs(b["confidence"] - b["accuracy"]) for b in table) / n if n else None
    return {"bins": table, "error": None if error is None else round(error, 4)}


def evaluate_labeled(
    directory: str | Path,
    labels_file: str | Path,
    embedder: Embedder,
    *,
    k: int = 3,
    weights: Sequence[float] = DEFAULT_WEIGHTS,
    parse: Callable[[Path], ParsedDocument] | None = None,
) -> dict:
    """Per-file, overall and per-family task accuracy, wrong families, nDCG@k, top-1, intent,
    and how well the task confidence is calibrated.

    Returns {"files": {name: {...}}, "overall": {...}, "families": {family: {...}},
    "calibration": {"bins": [...], "error": ...}, "missing": [labeled files not found]}. Raises ValueError for a labels file
    that is not a JSON object of objects.
    """
    directory = Path(directory)
    labels = json.loads(Path(labels_file).read_text(encoding="utf-8-sig"))
    if not isinstance(labels, dict) or not all(isinstance(v, dict) for v in labels.values()):
        raise ValueError("labels must be a JSON object mapping file names to objects")
    parse = parse or _default_parse
    tax = load_taxonomy()
    files: dict[str, dict] = {}
    missing = []
    for name in sorted(labels):
        path = directory / name
        if not path.is_file():
            missing.append(name)
            continue
        files[name] = evaluate_document(parse(path), labels[name], embedder, k=k, weights=weights, taxonomy=tax)
    by_family: dict[str, dict[str, dict]] = {}
    for name, f in files.items():
        by_family.setdefault(str(labels[name].get("family") or "-"), {})[name] = f
    families = {fam: summarize(rows, k) for fam, rows in sorted(by_family.items())}
    return {"files": files, "overall": summarize(files, k), "families": families,
            "calibration": calibration(files), "missing": missing}
