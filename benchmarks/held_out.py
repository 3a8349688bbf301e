"""Seed-layout writer shared by the hand-written held-out sets (benchmarks/holdout/,
benchmarks/fresh/). Standalone on purpose: no modelkb import, so the sets are built
without the code they measure."""
import importlib.util
import json
import os
import random

HEAD = '''You are an AI scientist.

A user has asked the following question:
"{q}"

Based on the following recommended models, explain:

1. What task the user is trying to perform.
2. How the model(s) would work in a CNAPS AI-like workflow (input \u2192 model \u2192 output).
3. List relevant papers and tools (with GitHub or ArXiv links) that support your answer.

Use **only the provided models and papers**. Do not refer to outside sources.

### Recommended AI Models:
'''


def load_pool(name):
    """(P, M) of another held-out set's pool.py (benchmarks/<name>/pool.py), as fresh copies to
    extend: each set's pool is the one before it plus its own papers and models."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), name, "pool.py")
    spec = importlib.util.spec_from_file_location(f"{name}_pool", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return dict(module.P), dict(module.M)


def render(spec, rng, P, M, same_id_same_grade=False):
    """One prompt file's text and the grade of every item in it, by exact name."""
    out = HEAD.format(q=spec["q"])
    grades = {}
    for name, g in spec["recs"]:
        aid, gh = M[name]
        out += f"Model: {name}\nPaper: https://arxiv.org/abs/{aid}\nGitHub: {gh or 'None'}\n\n"
        grades[name] = g
    # The fresh set's rule: a recommended model and a listed paper from the same arXiv id
    # carry the same grade (the holdout grades a task-tuned checkpoint above its base paper).
    for key, g in spec["papers"] if same_id_same_grade else ():
        for name, rg in spec["recs"]:
            assert P[key][1] != M[name][0] or g == rg, (spec["task"], name, key)
    out += "### Related Papers:\n"
    papers = list(spec["papers"])
    rng.shuffle(papers)
    for key, g in papers:
        title, aid, gh, summ = P[key]
        out += f"Model: {title}\nPaper: http://arxiv.org/pdf/{aid}v1.pdf\n"
        if gh:
            out += f"GitHub: {gh}\n"
        out += f"Summary: {summ}\n\n"
        assert title not in grades, title
        grades[title] = g
    out += "\nAnswer:\n"
    return out, grades


def write(specs, P, M, out_dir, prefix, order_seed, file_seed_base, same_id_same_grade=False):
    """Writes <prefix>001.txt... in a shuffled order (names say nothing about the task)
    and labels.json; fixed seeds, so two builds are byte-identical."""
    os.makedirs(out_dir, exist_ok=True)
    order = list(range(len(specs)))
    random.Random(order_seed).shuffle(order)
    labels = {}
    for n, idx in enumerate(order, 1):
        spec = specs[idx]
        fn = f"{prefix}{n:03d}.txt"
        text, grades = render(spec, random.Random(file_seed_base + n), P, M, same_id_same_grade)
        with open(os.path.join(out_dir, fn), "w", encoding="utf-8") as f:
            f.write(text)
        labels[fn] = {
            "grades": grades,
            "task": spec["task"],
            "accept": spec["accept"],
            "family": spec["fam"],
            "intent": spec["intent"],
            "poor_fit_recommended": all(g <= 1 for _, g in spec["recs"]),
        }
    with open(os.path.join(out_dir, "labels.json"), "w", encoding="utf-8") as f:
        json.dump(labels, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(len(labels), "files")
