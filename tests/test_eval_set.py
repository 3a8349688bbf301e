"""The labeled evaluation set (tests/data/eval) is well-formed, broad and as hard as documented.

`modelkb eval --prompts` trusts these files and labels; a label naming an item
the file does not hold, or a split that drifted from its generator, would
silently distort every number reported on it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from catalog import parse_file

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "tests" / "data" / "eval"
SPLITS = ("dev", "test")
HELD_OUT = ("holdout", "fresh", "fresh2", "fresh3", "fresh4")  # hand-written separately, each scored once (their READMEs)
LABELED = SPLITS + HELD_OUT
FAMILIES = {"image", "video", "3d", "audio", "language", "multimodal", "tabular", "time-series",
            "science", "recommendation", "robotics-rl", "document", "medical", "remote-sensing"}
INTENTS = {"explain", "compare", "recommend", "multi"}


def _labels(split: str) -> dict[str, dict]:
    return json.loads((EVAL / split / "labels.json").read_text(encoding="utf-8"))


def _all() -> dict[str, dict[str, dict]]:
    return {split: _labels(split) for split in SPLITS}


@pytest.mark.parametrize("split", LABELED)
def test_every_file_is_a_labeled_prompt_whose_labels_name_exactly_its_items(split):
    labels = _labels(split)
    files = sorted(p.name for p in (EVAL / split).glob("*.txt"))
    assert files == sorted(labels)
    for name, label in labels.items():
        doc = parse_file(EVAL / split / name)
        assert doc.format == "prompt" and doc.question, name
        names = [p.item.name for p in doc.items]
        assert len(names) == len(set(names)), name
        assert sorted(names) == sorted(label["grades"]), name
        grades = label["grades"]
        assert all(isinstance(g, int) and 0 <= g <= 3 for g in grades.values()), name
        assert max(grades.values()) == 3, name
        recommended = [p.item.name for p in doc.items if p.role == "recommended"]
        related = [p.item.name for p in doc.items if p.role == "related"]
        assert 1 <= len(recommended) <= 2 and 3 <= len(related) <= 6, name
        assert any(grades[n] <= 1 for n in related), f"{name}: no distractor paper"
        best_rec = max(grades[n] for n in recommended)
        if label["poor_fit_recommended"]:
            assert best_rec <= 1, name
            assert any(grades[n] == 3 for n in related), name
        else:
            assert best_rec >= 2, name


@pytest.mark.parametrize("split", LABELED)
def test_label_fields_use_the_documented_vocabulary(split):
    for name, label in _labels(split).items():
        assert set(label) == {"grades", "task", "accept", "family", "intent", "poor_fit_recommended"}, name
        assert label["family"] in FAMILIES, name
        assert label["intent"] in INTENTS, name
        assert isinstance(label["poor_fit_recommended"], bool), name
        task, accept = label["task"], label["accept"]
        assert task and task == task.lower(), name
        assert 3 <= len(accept) <= 6 and all(a and a == a.lower() for a in accept), name
        assert task not in accept, name


def test_splits_are_disjoint_and_questions_unique():
    labels = _all()
    assert not set(labels["dev"]) & set(labels["test"])
    questions = [parse_file(EVAL / split / name).question.casefold() for split in SPLITS for name in labels[split]]
    assert len(questions) == len(set(questions))


def test_breadth_difficulty_and_split_balance():
    labels = _all()
    merged = [label for split in SPLITS for label in labels[split].values()]
    families = Counter(label["family"] for label in merged)
    assert len(merged) >= 130
    assert len({label["task"] for label in merged}) >= 65
    assert set(families) == FAMILIES and min(families.values()) >= 5
    assert families["image"] <= 0.2 * len(merged)
    for split in SPLITS:
        files = labels[split].values()
        assert abs(len(files) - len(merged) / 2) <= 0.1 * len(merged)
        assert sum(label["poor_fit_recommended"] for label in files) >= 0.25 * len(files), split
        per_family = Counter(label["family"] for label in files)
        assert all(per_family[f] >= 2 for f in FAMILIES), (split, per_family)


def test_committed_files_are_what_the_generator_writes(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import make_eval_set

    make_eval_set.write(tmp_path, splits=SPLITS)
    for split in SPLITS:
        written = {p.name: p.read_bytes() for p in (tmp_path / split).iterdir()}
        committed = {p.name: p.read_bytes() for p in (EVAL / split).iterdir() if p.suffix in (".txt", ".json")}
        assert written == committed, split


@pytest.mark.parametrize("split", HELD_OUT)
def test_held_out_sets_are_what_their_hand_written_sources_build(tmp_path, split):
    """The committed prompt files must come from benchmarks/<split>/ unchanged, so the
    numbers reported on them are reproducible from the sources."""
    out = tmp_path / split
    out.mkdir()
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / split / "build.py"), str(out)],
                   check=True, capture_output=True)
    written = {p.name: p.read_bytes() for p in out.iterdir()}
    committed = {p.name: p.read_bytes() for p in (EVAL / split).iterdir() if p.suffix in (".txt", ".json")}
    assert written == committed, split
    checked = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "check_held_out.py"), str(EVAL / split)],
                             capture_output=True, text=True)
    assert checked.returncode == 0 and checked.stdout.strip().endswith("OK"), checked.stdout + checked.stderr


def test_fresh_set_asks_about_tasks_the_holdout_does_not():
    fresh, holdout = _labels("fresh"), _labels("holdout")
    names = lambda labels: {n for label in labels.values() for n in (label["task"], *label["accept"])}
    assert len({label["task"] for label in fresh.values()}) == len(fresh) >= 80
    assert not {label["task"] for label in fresh.values()} & names(holdout)
    assert sum(label["poor_fit_recommended"] for label in fresh.values()) >= 0.25 * len(fresh)


@pytest.mark.parametrize("script", ["fit_task_weights.py", "fit_rank_weights.py"])
def test_the_weight_fits_refuse_the_test_split(script):
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), "tests/data/eval/test"],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2 and "refusing" in done.stderr


def test_every_seed_label_accepts_a_glossary_task():
    # the weight fit holds every seed's task right; a seed with no glossary name would escape it
    from answerer.evaluate import task_key
    from answerer.taxonomy_loader import load_taxonomy

    tax = load_taxonomy()
    names = {task_key(n) for t in tax.tasks.values() for n in (t.name, *t.aliases)}
    labels = json.loads((ROOT / "tests" / "data" / "seed_labels.json").read_text())
    assert len(labels) == 4
    for name, label in labels.items():
        assert any(task_key(a) in names for a in label["accept"]), name


@pytest.mark.parametrize("split", ["fresh2", "fresh3", "fresh4"])
def test_fresh_sets_are_broad_and_mostly_new(split):
    fresh = _labels(split)
    before = LABELED[: LABELED.index(split)]
    earlier = {n for s in before for label in _labels(s).values() for n in (label["task"], *label["accept"])}
    tasks = {label["task"] for label in fresh.values()}
    assert len(tasks) == len(fresh) == 70
    assert Counter(label["family"] for label in fresh.values()) == Counter({f: 5 for f in FAMILIES})
    assert len(tasks - earlier) >= 35  # at least half the tasks in no earlier set's names
    assert sum(label["poor_fit_recommended"] for label in fresh.values()) >= 0.25 * len(fresh)
