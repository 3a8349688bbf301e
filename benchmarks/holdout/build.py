"""Writes H###.txt and labels.json from the hand-written pool.py and specs.py.
Deterministic (fixed seeds). Standalone: no modelkb import."""
import json, random, os, sys
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
# Output folder: argv[1], else the committed split.
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "tests", "data", "eval", "holdout")
from pool import P, M
from specs import S

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

def render(spec, rng):
    out = HEAD.format(q=spec["q"])
    grades = {}
    for name, g in spec["recs"]:
        aid, gh = M[name]
        out += f"Model: {name}\nPaper: https://arxiv.org/abs/{aid}\nGitHub: {gh or 'None'}\n\n"
        grades[name] = g
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

def main():
    order = list(range(len(S)))
    random.Random(20261204).shuffle(order)
    labels = {}
    for n, idx in enumerate(order, 1):
        spec = S[idx]
        fn = f"H{n:03d}.txt"
        text, grades = render(spec, random.Random(1000 + n))
        with open(os.path.join(OUT, fn), "w", encoding="utf-8") as f:
            f.write(text)
        labels[fn] = {
            "grades": grades,
            "task": spec["task"],
            "accept": spec["accept"],
            "family": spec["fam"],
            "intent": spec["intent"],
            "poor_fit_recommended": all(g <= 1 for _, g in spec["recs"]),
        }
    with open(os.path.join(OUT, "labels.json"), "w", encoding="utf-8") as f:
        json.dump(labels, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(len(labels), "files")

if __name__ == "__main__":
    main()
