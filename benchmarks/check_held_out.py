"""Standalone validator for the hand-written held-out prompt sets (no modelkb import).

    python3 benchmarks/check_held_out.py tests/data/eval/holdout
    python3 benchmarks/check_held_out.py tests/data/eval/fresh

Checks every F###.txt / H###.txt parses into the seed layout (header, quoted question, three
numbered instructions, 'Use **only the provided models and papers**', recommended
models, related papers, 'Answer:'), that labels.json grades exactly the items in each
file, and the schema rules of tests/data/eval/README.md. Exit status 1 on any error.
"""
import collections, glob, json, os, re, sys

FAMILIES = {"image", "video", "3d", "audio", "language", "multimodal", "tabular", "time-series",
            "science", "recommendation", "robotics-rl", "document", "medical", "remote-sensing"}
INTENTS = {"explain", "compare", "recommend", "multi"}

HEAD_RE = re.compile(
    r'\AYou are an AI scientist\.\n\n'
    r'A user has asked the following question:\n'
    r'"(?P<q>[^"\n]+)"\n\n'
    r'Based on the following recommended models, explain:\n\n'
    r'1\. What task the user is trying to perform\.\n'
    r'2\. How the model\(s\) would work in a CNAPS AI-like workflow \(input \u2192 model \u2192 output\)\.\n'
    r'3\. List relevant papers and tools \(with GitHub or ArXiv links\) that support your answer\.\n\n'
    r'Use \*\*only the provided models and papers\*\*\. Do not refer to outside sources\.\n\n'
    r'### Recommended AI Models:\n(?P<recs>.*?)'
    r'### Related Papers:\n(?P<papers>.*?)'
    r'\nAnswer:\n\Z', re.S)
ZOO_RE = re.compile(r'^[A-Za-z0-9]+(-[A-Za-z0-9.]+){2,}$')
REC_RE = re.compile(r'\AModel: (?P<name>[^\n]+)\nPaper: https://arxiv\.org/abs/(?P<id>\d{4}\.\d{4,5})\n'
                    r'GitHub: (?P<gh>https://github\.com/[\w.-]+/[\w.-]+|None)\Z')
PAP_RE = re.compile(r'\AModel: (?P<name>[^\n]+)\nPaper: http://arxiv\.org/pdf/(?P<id>\d{4}\.\d{4,5})v1\.pdf\n'
                    r'(GitHub: (?P<gh>https://github\.com/[\w.-]+/[\w.-]+)\n)?Summary: (?P<sum>[^\n]+)\Z')


def blocks(section):
    assert section.endswith("\n\n"), "section must end with a blank line"
    return [b for b in section[:-2].split("\n\n")]


def main(d):
    errs = []
    files = sorted(glob.glob(os.path.join(d, "[FGHJK]*.txt")))
    labels = json.load(open(os.path.join(d, "labels.json"), encoding="utf-8"))
    if set(os.path.basename(f) for f in files) != set(labels):
        errs.append(f"files vs labels differ: {set(os.path.basename(f) for f in files) ^ set(labels)}")
    fam = collections.Counter(); intents = collections.Counter(); tasks = collections.Counter()
    poor = 0; first_best = 0
    for f in files:
        fn = os.path.basename(f)
        text = open(f, encoding="utf-8").read()
        m = HEAD_RE.match(text)
        if not m:
            errs.append(f"{fn}: layout does not match the seed format"); continue
        names = []; ids = []
        try:
            recs = blocks(m["recs"]); paps = blocks(m["papers"])
        except AssertionError as e:
            errs.append(f"{fn}: {e}"); continue
        rec_names = []
        for b in recs:
            r = REC_RE.match(b)
            if not r: errs.append(f"{fn}: bad recommended block {b[:60]!r}"); continue
            if not ZOO_RE.match(r["name"]): errs.append(f"{fn}: not a zoo-style name {r['name']}")
            rec_names.append(r["name"]); names.append(r["name"])
        pap_names = []
        for b in paps:
            r = PAP_RE.match(b)
            if not r: errs.append(f"{fn}: bad paper block {b[:60]!r}"); continue
            n_sent = len(re.findall(r'[.!?](\s|$)', r["sum"]))
            if not 1 <= n_sent <= 3: errs.append(f"{fn}: summary not 1-3 sentences: {r['name']}")
            pap_names.append(r["name"]); names.append(r["name"]); ids.append(r["id"])
        if not 1 <= len(rec_names) <= 2: errs.append(f"{fn}: {len(rec_names)} recommended models")
        if not 3 <= len(pap_names) <= 6: errs.append(f"{fn}: {len(pap_names)} papers")
        if len(set(names)) != len(names): errs.append(f"{fn}: duplicate item names")
        if len(set(ids)) != len(ids): errs.append(f"{fn}: duplicate paper ids")
        lab = labels.get(fn)
        if lab is None: continue
        g = lab["grades"]
        if set(g) != set(names):
            errs.append(f"{fn}: graded names differ from file items: {set(g) ^ set(names)}")
            continue
        if any(not isinstance(v, int) or not 0 <= v <= 3 for v in g.values()): errs.append(f"{fn}: grade out of range")
        if max(g.values()) != 3: errs.append(f"{fn}: no grade-3 item")
        if not any(g[n] <= 1 for n in pap_names): errs.append(f"{fn}: no related paper graded 0-1 (distractor)")
        pf = all(g[n] <= 1 for n in rec_names)
        if lab["poor_fit_recommended"] is not pf: errs.append(f"{fn}: poor_fit flag inconsistent")
        if pf:
            poor += 1
            if not any(g[n] == 3 for n in pap_names): errs.append(f"{fn}: poor fit but no grade-3 paper")
        if g[pap_names[0]] == 3: first_best += 1
        if lab["family"] not in FAMILIES: errs.append(f"{fn}: bad family {lab['family']}")
        if lab["intent"] not in INTENTS: errs.append(f"{fn}: bad intent {lab['intent']}")
        t = lab["task"]
        if t != t.lower() or not t.strip(): errs.append(f"{fn}: task not lower case")
        acc = lab["accept"]
        if not 4 <= len(acc) <= 5 or any(a != a.lower() for a in acc): errs.append(f"{fn}: accept must be 4-5 lower-case names")
        if t in acc or len(set(acc)) != len(acc): errs.append(f"{fn}: accept repeats the task or itself")
        if set(lab) != {"grades", "task", "accept", "family", "intent", "poor_fit_recommended"}:
            errs.append(f"{fn}: unexpected keys {sorted(lab)}")
        fam[lab["family"]] += 1; intents[lab["intent"]] += 1; tasks[t] += 1
    n = len(files)
    print(f"files: {n}  tasks: {len(tasks)}  poor-fit: {poor} ({100*poor/max(n,1):.0f}%)  first paper is a grade-3 item: {first_best}")
    print("families:", dict(sorted(fam.items())))
    print("intents:", dict(intents))
    for fm in FAMILIES:
        if not 4 <= fam[fm] <= 6: errs.append(f"family {fm} has {fam[fm]} files (want 4-6)")
    if n < 64: errs.append(f"only {n} files")
    if len(tasks) < 40: errs.append(f"only {len(tasks)} tasks")
    if poor * 4 < n: errs.append("poor fit in under a quarter of files")
    for e in errs: print("ERROR", e)
    print("OK" if not errs else f"{len(errs)} errors")
    return 1 if errs else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
