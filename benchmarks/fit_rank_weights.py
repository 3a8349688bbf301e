"""Fit the ranking's fusion weights on labeled prompt sets, never on the test split.

    .venv/bin/python benchmarks/fit_rank_weights.py                      # every tuning set
    .venv/bin/python benchmarks/fit_rank_weights.py tests/data/eval/dev  # any folders with labels.json

An item's score (`answerer.signals.fuse`) is

    score = (dense_w * dense + lexical_w * lexical + task_w * c * task) / (dense_w + lexical_w + task_w * c)

less what the item gains from what the question rules out (`answerer.contrast.ruled_out_loss`, fixed), with
`c` the task's confidence, and the dense signal mixes in the task description's closeness
to the item with share `description * c` (`DENSE_MIX`). Every signal is computed once per file
(answering it with the current weights), then only the fusion is redone for each grid point, so a
grid of a few hundred points costs one pass over the files.

The objective is top-1 (the best-graded item first) plus nDCG@3, averaged over the sets so a big
set does not outvote a small one. It holds out one set at a time (how well a fit carries to a set
it never saw), then fits on all of them. The seed prompt files (`../shared/seeds`, labels in
`tests/data/seed_labels.json`) are a constraint, not averaged in: only weights that keep the
best-graded item first on every seed are considered. Prints a table; `--json` for scripts.
"""

from __future__ import annotations

import itertools
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fit_task_weights import fit_inputs  # noqa: E402  (one command line, one list of sets not to tune on)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SETS = ("tests/data/eval/dev", "tests/data/labeled", "tests/data/eval/holdout", "tests/data/eval/fresh",
                "tests/data/eval/fresh2", "tests/data/eval/fresh3", "tests/data/eval/fresh4")
GRID = {
    "task": (0.2, 0.25, 0.3, 0.35, 0.4, 0.5),
    "lexical": (0.05, 0.1, 0.15, 0.2, 0.25),
    "description": (0.0, 0.15, 0.3),
}
Point = tuple[float, float, float, float]  # dense, lexical, task, description


@dataclass
class FileSignals:
    """One answered file: per item the raw signals and grade, in the file's order."""

    name: str
    confidence: float
    in_glossary: bool
    signals: dict[str, np.ndarray]  # cos_question, cos_sentences, cos_subquestions, cos_task, cos_ruled_out, lexical, task
    grades: np.ndarray
    positions: np.ndarray
    all_grades: list[float]


def collect(folder: Path, embedder, labels_file: Path | None = None) -> list[FileSignals]:
    from answerer.compose import compose
    from answerer.evaluate import grade_lookup
    from answerer.taxonomy_loader import load_taxonomy
    from catalog import parse_file

    tax = load_taxonomy()
    labels = json.loads((labels_file or folder / "labels.json").read_text(encoding="utf-8-sig"))
    out = []
    for name, label in sorted(labels.items()):
        if not (folder / name).is_file():
            continue
        doc = parse_file(folder / name)
        answer = compose(doc, embedder=embedder, taxonomy=tax)
        grade = grade_lookup(label.get("grades", {}))
        ranked = answer.ranking
        sig = {k: np.array([r.signals[k] for r in ranked])
               for k in ("cos_question", "cos_sentences", "cos_subquestions", "cos_task")}
        sig["cos_ruled_out"] = np.array([r.signals.get("cos_ruled_out", -1.0) for r in ranked])
        sig["lexical"] = np.array([r.lexical for r in ranked])
        sig["task"] = np.array([r.task_match for r in ranked])
        out.append(FileSignals(name, answer.task.confidence, answer.task.id in tax.tasks, sig,
                               np.array([grade(r.name) for r in ranked]), np.array([r.position for r in ranked]),
                               [grade(it.item.name) for it in doc.items]))
    return out


def rerank(f: FileSignals, p: Point) -> list[float]:
    """The file's grades in the order the fusion `p` ranks its items (ties by position, as `rank_with_context`)."""
    from answerer.contrast import ruled_out_loss
    from answerer.signals import DENSE_MIX, dense_signal, fuse

    dense_w, lexical_w, task_w, description = p
    s = f.signals
    v = SimpleNamespace(cos_q=s["cos_question"], sent_top=s["cos_sentences"], sub_cov=s["cos_subquestions"],
                        cos_t=s["cos_task"])
    dense = dense_signal(v, f.confidence if f.in_glossary else 0.0, (*DENSE_MIX[:3], description))
    fused = fuse(dense, s["lexical"], s["task"], f.confidence, (dense_w, lexical_w, task_w))
    score = np.round(np.maximum(fused - ruled_out_loss(s["cos_ruled_out"], s["cos_question"]), 0.0), 4)
    order = sorted(range(len(score)), key=lambda i: (-score[i], f.positions[i]))
    return [float(f.grades[i]) for i in order]


def quality(files: list[FileSignals], p: Point) -> tuple[float, float]:
    """(top-1 share, mean nDCG@3) of `files` ranked with `p`."""
    from answerer.evaluate import ndcg_at_k

    if not files:
        return 0.0, 0.0
    top1 = ndcg = 0.0
    for f in files:
        ranked = rerank(f, p)
        top1 += bool(ranked) and ranked[0] >= max(f.all_grades, default=0.0)
        ndcg += ndcg_at_k(ranked, f.all_grades, 3)
    return top1 / len(files), ndcg / len(files)


def grid_points() -> list[Point]:
    return [(round(1.0 - t - lx, 3), lx, t, d) for t, lx, d in itertools.product(*GRID.values())]


def best(table: dict[Point, dict[str, tuple[float, float]]], names: list[str], seeds_ok: set[Point], now: Point) -> Point:
    """The grid point with the best mean top-1 + nDCG@3 over `names` among those that keep every seed
    right; ties go to the point nearest the current weights."""
    def objective(p: Point) -> float:
        return sum(sum(table[p][s]) for s in names) / max(len(names), 1)

    allowed = [p for p in table if p in seeds_ok] or list(table)
    return max(allowed, key=lambda p: (round(objective(p), 6), -sum(abs(a - b) for a, b in zip(p, now))))


def main(argv: list[str] | None = None) -> int:
    got = fit_inputs(collect, argv, __doc__, DEFAULT_SETS)
    if got is None:
        return 2
    args, sets, seeds = got
    from answerer.signals import DEFAULT_WEIGHTS, DENSE_MIX

    now: Point = (*(float(w) for w in DEFAULT_WEIGHTS), float(DENSE_MIX[3]))
    points = sorted(set(grid_points()) | {now})
    table = {p: {s: quality(files, p) for s, files in sets.items()} for p in points}
    seeds_ok = {p for p in points if quality(seeds, p)[0] == 1.0}
    held_out = {}
    for s in sets:
        p = best(table, [t for t in sets if t != s], seeds_ok, now) if len(sets) > 1 else now
        held_out[s] = {"files": len(sets[s]), "now": [round(x, 4) for x in table[now][s]],
                       "fitted_without_it": [round(x, 4) for x in table[p][s]], "weights": p}
    fit = best(table, list(sets), seeds_ok, now)
    result = {"held_out": held_out, "now": now, "fit": fit,
              "on_all": {s: [round(x, 4) for x in table[fit][s]] for s in sets},
              "seeds": {"files": len(seeds), "now_top1": quality(seeds, now)[0], "fit_top1": quality(seeds, fit)[0]}}
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(f"{'set':9} {'files':>5}  {'now top-1 / nDCG@3':>19}  {'fitted without it':>19}  weights (dense, lexical, task, description)")
    for s, r in held_out.items():
        print(f"{s:9} {r['files']:>5}  {r['now'][0]:>8.3f} / {r['now'][1]:.3f}  {r['fitted_without_it'][0]:>8.3f} / "
              f"{r['fitted_without_it'][1]:.3f}  {r['weights']}")
    print(f"seeds (a constraint, not averaged in): {len(seeds)} files; top-1 now {result['seeds']['now_top1']:.0%}, "
          f"with the fit {result['seeds']['fit_top1']:.0%}")
    print("fit on all:", fit, " ".join(f"{s}={v[0]:.3f}/{v[1]:.3f}" for s, v in result["on_all"].items()))
    print(f"DEFAULT_WEIGHTS = {fit[:3]}; DENSE_MIX = {(*DENSE_MIX[:3], fit[3])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
