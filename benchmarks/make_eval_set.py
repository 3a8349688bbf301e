"""Write the labeled evaluation set: tests/data/eval/{dev,test}/*.txt + labels.json.

Two questions per task (benchmarks/eval_set_tasks.py) become two prompt files
in the seed format, composed from the paper and model pool
(benchmarks/eval_set_papers.py) with a fixed seed:

- in most tasks one of the two files gets the task's poor-fit recommended
  model (as in seed 004); the other files get one or two fitting models;
- each file gets 1-2 directly relevant papers, usually one related paper,
  sometimes one same-area paper, and 1-2 distractors that share words with
  the question but solve another task; 3-6 papers in all, shuffled;
- files are numbered in a shuffled order (names say nothing about the task)
  and split into dev/test stratified by family and by poor fit.

The set was written without running the answerer on it. Deterministic:
re-running writes the same bytes. Usage: python benchmarks/make_eval_set.py [OUT_DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from catalog.prompt_format import format_prompt  # noqa: E402
from eval_set_papers import M, P  # noqa: E402
from eval_set_tasks import TASKS, Task  # noqa: E402

SEED = 20261204
FAMILIES = ("image", "video", "3d", "audio", "language", "multimodal", "tabular", "time-series",
            "science", "recommendation", "robotics-rl", "document", "medical", "remote-sensing")
POOR_TASK_SHARE = 0.6  # share of tasks where one of the two files gets the poor-fit model


def _model_entry(name: str) -> dict[str, str | None]:
    zoo = M[name]
    paper = P[zoo.paper] if zoo.paper else None
    link = None
    if paper is not None:
        link = f"https://arxiv.org/abs/{paper.arxiv}" if paper.arxiv else paper.url
    return {"name": name, "paper": link, "github": zoo.github}


def _paper_entry(key: str) -> dict[str, str | None]:
    paper = P[key]
    entry: dict[str, str | None] = {"name": paper.title, "paper": paper.link()}
    if paper.github:
        entry["github"] = paper.github
    entry["summary"] = paper.summary
    return entry


def _check(task: Task) -> None:
    """A spec mistake stops generation with a message naming the task."""
    overlap = set(task.papers) & set(task.distract)
    unknown = [k for k in (*task.papers, *task.distract) if k not in P]
    models = [*task.good, *task.alt, *task.poor]
    unknown += [m for m in models if m not in M]
    overlap |= {k for k, g in task.distract.items() if g > 1}  # a distractor solves another task
    overlap |= {k for k, g in task.poor.items() if g > 1}  # a poor fit is not a near fit
    if overlap or unknown or task.family not in FAMILIES or not any(g == 3 for g in task.papers.values()):
        raise SystemExit(f"{task.task}: overlap={overlap} unknown={unknown} family={task.family}")


def _compose(task: Task, index: int, poor: bool, rng: random.Random) -> tuple[list[str], list[str], dict[str, int]]:
    """(model names, paper keys, grades by item name) of one file."""
    grades: dict[str, int] = {}
    if poor:
        (name, grade), = task.poor.items()
        models = [name]
        grades[name] = grade
    else:
        first = task.good[index % len(task.good)]
        models = [first]
        grades[first] = 3
        others = [m for m in (*task.good, *task.alt) if m != first]
        if others and rng.random() < 0.45:
            second = rng.choice(others)
            models.append(second)
            grades[second] = 3 if second in task.good else task.alt[second]
        rng.shuffle(models)
    by_grade = defaultdict(list)
    for key, grade in task.papers.items():
        by_grade[grade].append(key)
    picks = rng.sample(by_grade[3], min(len(by_grade[3]), rng.choice((1, 2))))
    if by_grade[2] and rng.random() < 0.8:
        picks.append(rng.choice(by_grade[2]))
    if by_grade[1] and rng.random() < 0.4:
        picks.append(rng.choice(by_grade[1]))
    distract = list(task.distract)
    picks = picks[:4] + rng.sample(distract, min(len(distract), rng.choice((1, 2))))
    while len(picks) < 3:  # top up from whatever the task has left
        rest = [k for k in (*task.papers, *task.distract) if k not in picks]
        picks.append(rng.choice(rest))
    rng.shuffle(picks)
    for key in picks:
        grades[P[key].title] = task.papers.get(key, task.distract.get(key, 0))
    return models, picks, grades


def build(seed: int = SEED) -> dict[str, dict[str, tuple[str, dict]]]:
    """{'dev'|'test': {file name: (prompt text, label)}}."""
    rng = random.Random(seed)
    files = []
    for task in TASKS:
        _check(task)
        poor_index = rng.randrange(len(task.qs)) if rng.random() < POOR_TASK_SHARE else None
        for i, (question, intent) in enumerate(task.qs):
            poor = i == poor_index
            models, papers, grades = _compose(task, i, poor, random.Random(f"{seed}:{task.task}:{i}"))
            text = format_prompt(question, [_model_entry(m) for m in models], [_paper_entry(k) for k in papers])
            label = {"grades": grades, "task": task.task, "accept": [a.lower() for a in task.accept if a.lower() != task.task],
                     "family": task.family, "intent": intent, "poor_fit_recommended": poor}
            files.append((text, label))
    order = list(range(len(files)))
    rng.shuffle(order)
    named = {f"E{n + 1:03d}.txt": files[i] for n, i in enumerate(order)}
    # stratified split: within each family, poor-fit files first, then alternate dev/test
    split: dict[str, dict[str, tuple[str, dict]]] = {"dev": {}, "test": {}}
    by_family = defaultdict(list)
    for name in sorted(named):
        by_family[named[name][1]["family"]].append(name)
    for family in FAMILIES:
        names = by_family[family]
        rng.shuffle(names)
        names.sort(key=lambda n: not named[n][1]["poor_fit_recommended"])
        start = rng.randrange(2)
        for j, name in enumerate(names):
            split["dev" if (j + start) % 2 == 0 else "test"][name] = named[name]
    return split


def write(out: Path, seed: int = SEED, splits: tuple[str, ...] = ("dev", "test")) -> dict[str, Counter]:
    """Write the chosen splits under `out`; returns file counts per family for each split."""
    counts: dict[str, Counter] = {}
    for split, files in build(seed).items():
        counts[split] = Counter(label["family"] for _, label in files.values())
        if split not in splits:
            continue
        folder = out / split
        folder.mkdir(parents=True, exist_ok=True)
        for name, (text, _) in files.items():
            (folder / name).write_text(text, encoding="utf-8")
        labels = {name: label for name, (_, label) in sorted(files.items())}
        (folder / "labels.json").write_text(json.dumps(labels, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default=str(ROOT / "tests" / "data" / "eval"))
    parser.add_argument("--split", action="append", choices=("dev", "test"), help="write only this split")
    args = parser.parse_args()
    counts = write(Path(args.out), splits=tuple(args.split or ("dev", "test")))
    for split, c in counts.items():
        print(split, sum(c.values()), dict(sorted(c.items())))


if __name__ == "__main__":
    main()
