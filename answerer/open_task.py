"""Task names the provided items use, whether or not the glossary has them.

The glossary is closed; the items are not. Papers name their task in their
own titles and summaries ("Sign Language Recognition", "Symbolic
Regression", "Traffic Forecasting"), so every such phrase is a hypothesis
that competes with the glossary tasks on the same evidence
(`answerer.task_detection`): the question's words, its meaning, and how many
of the items close to the question use the phrase.

A phrase is a run of two to four content words (no stop word, no digits-only
token, no CamelCase model name the question does not use) that ends in a
task noun: a nominalization ("-tion", "-ment", "-ing", "-sis", ...) or the
last word of a glossary task's name ("forecasting", "regression"). Its
relation to the glossary decides what it adds: a phrase that *is* a glossary
alias is that task (already scored); one that contains an alias ("multi-agent
reinforcement learning") is a more specific name under that task; any other
is a task the glossary does not name.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Sequence

from answerer.items import Candidate, link_keys, zoo_parts
from answerer.phrase_words import (
    GENERIC_WORDS,
    RUN_BREAKS,
    MEANS,
    PURPOSE,
    OBJECT_OF,
    PARTICIPLES,
    THING_NOUNS,
    AGENT_NOUNS,
    EXTRA_HEADS,
    ADJECTIVE,
    NOMINAL,
    HYPHENATED_NOMINAL,
    HOW_PARTS,
)
from answerer.phrases import find_phrases, phrase_stems, stems
from answerer.task_match import UNKNOWN_INPUT, UNKNOWN_OUTPUT
from answerer.tasks import Task, Taxonomy
from indexer.text import MAX_BODY_CHARS, expand_task
from indexer.tokenize import STOP_WORDS

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'\-]*[A-Za-z0-9]|[A-Za-z0-9]|[^\sA-Za-z0-9]")
#: "End to End" spelled without hyphens is the generic "end-to-end", not a task's first word.
_END_TO_END = re.compile(r"\bend\s+to\s+end\b", re.IGNORECASE)
_CAMEL = re.compile(r"[a-z][A-Z]|[A-Za-z]\d|\d[A-Za-z]{2,}")
#: How sure a phrase names an item's task, by where it was read (as `SOURCE_CERTAINTY`).
WHERE_WEIGHT: dict[str, float] = {"zoo": 1.0, "title": 0.9, "summary": 0.6}
MIN_WORDS, MAX_WORDS = 2, 4
#: A phrase in the title of one of this many items closest to the question counts on its own.
LEAD_ITEMS = 3
#: Items that must use a phrase the question does not echo (at least half its words).
MIN_ITEMS = 2


def task_heads(taxonomy: Taxonomy) -> frozenset[str]:
    """The nouns the glossary's task names end in ("forecasting", "regression", "transfer"):
    the last singular word before any qualifier ("... from LiDAR", "(OCR)")."""
    heads = set()
    for task in taxonomy.tasks.values():
        core = re.split(r"\s(?:from|with|for|in|of|on|over)\s", re.sub(r"\([^)]*\)", " ", task.name))[0]
        words = re.findall(r"[A-Za-z][A-Za-z-]*", core)
        if words and not _plural(words[-1].casefold()):
            heads.add(words[-1].casefold())
    return frozenset(heads)


def _plural(word: str) -> bool:
    return word.endswith("s") and not word.endswith(("ss", "us", "is", "ics"))


def _is_head(word: str, heads: frozenset[str]) -> bool:
    """A task noun: a glossary task name's last word ("super-resolution", not "high-resolution"),
    or a nominalization ("registration")."""
    low = word.casefold()
    if low in heads or low in EXTRA_HEADS:
        return True
    if "-" in low:  # "geo-localization", "re-identification"; not "high-resolution", "fine-tuning"
        return bool(HYPHENATED_NOMINAL.search(low.rsplit("-", 1)[1]))
    return len(low) > 5 and bool(NOMINAL.search(low))


def prefix_task_name(words: str, heads: frozenset[str], texts: Sequence[str | None]) -> str | None:
    """A spelled-out zoo prefix as a task name. The prefix names the model's task, so what the
    papers spell out is that task, even when it is named by a non-nominal head ("natural
    language inference", "learning to rank"); when it names only the object ("hyperspectral
    image"), the task noun the papers write after it completes it ("... image classification").
    None when neither holds ("low dose ct" with no task noun after it)."""
    ws = words.split()
    if _is_head(ws[-1], heads) or ws[-1].endswith(("ence", "ance")) or (len(ws) == 3 and ws[1] == "to"):
        return words
    pattern = re.compile(r"\b" + r"[\s-]+".join(map(re.escape, ws)) + r"((?:[\s-]+[A-Za-z]+){1,2})\b", re.IGNORECASE)
    for text in texts:
        for m in pattern.finditer(text or ""):
            more = m.group(1).replace("-", " ").split()
            for n in range(1, len(more) + 1):
                if more[n - 1].casefold() in STOP_WORDS:
                    break  # "synthetic and testing": a run, not a name
                if _is_head(more[n - 1], heads) and more[n - 1].casefold() not in THING_NOUNS:
                    return " ".join([*ws, *(w.casefold() for w in more[:n])])
    return None


def _described(phrase: str) -> bool:
    """Only adjectives before the task noun ("interpretable prediction", "bayesian personalized
    ranking"): how a method does it, not what is done to what."""
    words = phrase.split()[:-1]
    # a hyphenated compound says what or where ("sim-to-real transfer", "multi-agent"), not how
    return bool(words) and all((ADJECTIVE.search(w) or w.endswith("ed")) and "-" not in w for w in words)


def _field_name(name: str) -> bool:
    """A field or an activity, not a task: "machine learning", "geometric deep learning",
    "multitask learning and benchmarking" (either noun of an "and" pair); "topic modeling" is
    a task, though its noun stems to the generic "model"."""
    words = name.split()
    heads = [words[-1], *(words[i - 1] for i, w in enumerate(words) if w == "and" and i)]
    return any(w in GENERIC_WORDS for w in heads)


def _verb_like(word: str) -> bool:
    """A first word that reads as a verb in the third person ("makes", "imputes")."""
    return _plural(word) and "-" not in word


def _runs(text: str, question_words: set[str]) -> list[tuple[list[str], str]]:
    """Runs of content words, split at stop words, punctuation, numbers and model names,
    each with the token that ended it ("for" in "Imputation for Time Series")."""
    out: list[tuple[list[str], str]] = []
    cur: list[str] = []
    for tok in _TOKEN.findall(text or ""):
        low = tok.casefold()
        name_like = bool(_CAMEL.search(tok)) and low not in question_words
        if not tok[0].isalnum() or low in STOP_WORDS or low in RUN_BREAKS or tok.isdigit() or name_like:
            if cur:
                out.append((cur, low))
            cur = []
            continue
        cur.append(AGENT_NOUNS.get(low, tok))  # "Scene Text Detector" does scene text detection
    if cur:
        out.append((cur, ""))
    return out


def candidate_phrases(text: str, heads: frozenset[str], question_words: set[str] = frozenset()) -> list[str]:
    """Task-name-shaped phrases in `text` (lower-cased, as written)."""
    found: dict[str, None] = {}
    runs = _runs(_END_TO_END.sub("end-to-end", text or ""), set(question_words))
    means = False
    for k, (run, after) in enumerate(runs):
        head = run[-1].casefold()
        was, means = means, (means or after in MEANS) and after not in PURPOSE
        if was:
            continue  # "... Diffusion Model with Deep Language Understanding": what it has, not what it does
        if (after in OBJECT_OF and k + 1 < len(runs) and _is_head(head, heads) and head not in THING_NOUNS | GENERIC_WORDS
                and (not head.endswith("ing") or head in heads)):
            # "Imputation for Time Series" names "time series imputation" (when what follows is an
            # object, not another task: "Factorisation for ... Reinforcement Learning"; an -ing word
            # before it is a verb unless a glossary task ends in it: "Correcting for Label Shift"
            # names no "label shift correcting"); after
            # "from" comes the input, and the task keeps its own words ("Emotion Recognition from
            # Speech" is speech emotion recognition; "Bimodal Recurrent Imputation for Time Series"
            # is not time series recurrent imputation)
            obj = [w.casefold() for w in runs[k + 1][0][:3]]
            if len(obj) == len(runs[k + 1][0]) and not _is_head(obj[-1], heads) and obj[0] not in GENERIC_WORDS:
                task = [w.casefold() for w in run][-(MAX_WORDS - len(obj)):] if after == "from" else [head]
                while len(task) > 1 and (task[0] in GENERIC_WORDS or ADJECTIVE.search(task[0])):
                    task = task[1:]
                found[" ".join([*obj, *task])] = None
        # "Sound Event Localization and Detection": two task nouns joined by "and" name one task
        joined = (after == "and" and k + 1 < len(runs) and len(runs[k + 1][0]) == 1
                  and _is_head(runs[k + 1][0][0], heads) and _is_head(head, heads))
        for j, word in enumerate(run):
            if not _is_head(word, heads) or word.casefold() in THING_NOUNS:
                continue
            tail = ["and", runs[k + 1][0][0].casefold()] if joined and j == len(run) - 1 else []
            for n in range(MIN_WORDS, MAX_WORDS + 1):
                i = j - n + 1
                if i < 0:
                    break
                words = [w.casefold() for w in run[i : j + 1]]
                first = words[0]
                if first in GENERIC_WORDS or _verb_like(first) or (
                        first.endswith(("ing", "ed")) and first not in PARTICIPLES and "-" not in first):
                    # "deep ...", "writing review comments", "fills missing"; but a hyphenated
                    # compound says what kind: "skeleton-based action recognition"
                    continue
                if all(w in GENERIC_WORDS for w in words[:-1]):
                    continue
                found[" ".join(words)] = None
                if tail:
                    found[" ".join([*words, *tail])] = None
    return list(found)


@dataclass(frozen=True)
class OpenTask:
    """A task name the items use, scored like a glossary task."""

    name: str
    items: tuple[str, ...]  # the provided items that use it, most relevant first
    support: float  # items' evidence in [0, 1]
    words: float  # question's words, in [0, 1]
    meaning: float  # question's meaning, in [0, 1]
    parent: str | None  # glossary task whose alias it contains (a more specific name), if any
    uses: dict[str, float] = field(default_factory=dict, compare=False)  # item name -> how sure (zoo/title/summary)

    @property
    def key(self) -> tuple[str, ...]:
        return phrase_stems(self.name)

    def as_task(self, taxonomy: Taxonomy, claim_parent: bool = True) -> Task:
        """The answer's task: this name, described by where it was read; input, output and
        family from the glossary task it specializes when `claim_parent` (else none claimed)."""
        parent = taxonomy.tasks.get(self.parent) if self.parent and claim_parent else None
        slug = re.sub(r"[^a-z0-9]+", "-", self.name).strip("-") or "task"
        more = len(self.items) - 1
        where = self.items[0] + (f" and {more} other provided item{'s' if more > 1 else ''}" if more else "")
        description = (f"Named from the provided items, not from the glossary: \u201c{self.name}\u201d is "
                       f"what {where} call the task.")
        if parent is not None:
            description += f" It is a kind of {parent.name}."
        return Task(
            id=f"items:{slug}",
            name=self.name,
            description=description,
            input=parent.input if parent else UNKNOWN_INPUT,
            output=parent.output if parent else UNKNOWN_OUTPUT,
            family=parent.family if parent else "",
            related=(parent.id,) if parent else (),
        )


def _zoo_task_names(cands: Sequence[Candidate], prefixes: Sequence[str | None], heads: frozenset[str],
                    taxonomy: Taxonomy) -> dict[int, str]:
    """Task names of zoo prefixes the glossary does not map (`Knit2Pattern`): in the vocabulary's
    words, or spelled out by the papers in theirs (`NLI`: "natural language inference")."""
    out: dict[int, str] = {}
    texts = [t for o in cands for t in (o.record.name, o.record.summary)]
    for i, (c, prefix) in enumerate(zip(cands, prefixes)):
        if not prefix or taxonomy.tasks_for_prefix(prefix):
            continue
        words = _name_part(expand_task(prefix).casefold(), heads)
        named = bool(words) and _is_head(words.split()[-1], heads)
        if c.prefix_words:
            spelled = prefix_task_name(c.prefix_words, heads, texts)
            words, named = spelled or c.prefix_words, spelled is not None
        if named and len(words.split()) >= MIN_WORDS:
            out[i] = words
    return out


_QUALIFIER = re.compile(r"\s+(?:over|with|for|from|of|in|on)\s+.*$")


def _name_part(words: str, heads: frozenset[str]) -> str:
    """A spelled-out prefix as a name: the vocabulary's qualifier and synonym dropped
    ("chart question answering over text" -> "chart question answering", "audio super-resolution
    upscaling" -> "audio super-resolution")."""
    words = _QUALIFIER.sub("", words)
    ws = words.split()
    if len(ws) >= 3 and _is_head(ws[-1], heads) and _is_head(ws[-2], heads) and "-" in ws[-2]:
        ws = ws[:-1]
    return " ".join(ws)


def _glossary_relation(phrase: str, taxonomy: Taxonomy) -> tuple[str | None, str | None]:
    """(task the phrase *is*, task the phrase specializes), by the glossary aliases inside it."""
    words = stems(phrase)
    best: tuple[int, str] | None = None
    for task_id, task in taxonomy.tasks.items():
        names = (task.name.split("(")[0], *task.aliases)
        for _alias, _w, start, end in find_phrases(words, [(a, 1.0) for a in names]):
            if start == 0 and end == len(words):
                return task_id, None
            if end - start >= 2 and (best is None or end - start > best[0]):
                best = (end - start, task_id)  # a one-word alias ("translation") is too generic a parent
    return None, best[1] if best else None


def _says_what(long: tuple[str, ...], short: tuple[str, ...], surface: str) -> bool:
    """`long` is `short` after one hyphenated compound, which says what it is done to
    ("machine-generated" text detection), not how ("zero-shot" entity linking, "probabilistic"
    time series imputation, "writer-independent" signature verification)."""
    extra = len(long) - len(short)
    parts = (surface.split()[0] if surface.split() else "").strip("-").casefold().split("-")
    return (1 <= extra <= 3 and long[extra:] == short and len(parts) == extra > 1
            and not any(p in GENERIC_WORDS or p in HOW_PARTS for p in parts))


def _one_word_more(long: tuple[str, ...], short: tuple[str, ...]) -> bool:
    """`long` is `short` with one word inserted inside it (same first and last word): two
    spellings of one task name ("cross-view image geo-localization", "cross-view geo-localization")."""
    return (len(short) >= 2 and len(long) == len(short) + 1 and long[0] == short[0] and long[-1] == short[-1]
            and any(long[:i] + long[i + 1:] == short for i in range(1, len(long) - 1)))


def _is_inside(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    n = len(short)
    return len(long) > n and any(long[i : i + n] == short for i in range(len(long) - n + 1))


def open_tasks(
    question: str,
    cands: Sequence[Candidate],
    relevance: Sequence[float],
    role_weight: dict[str, float],
    taxonomy: Taxonomy,
) -> list[OpenTask]:
    """Phrases the items use that the glossary has no exact alias for.

    `relevance`: each item's closeness to the question in [0, 1]. A phrase's
    meaning is the closeness of the closest item that uses it (a two-word
    phrase embedded alone says little), its item support combines the items
    like the glossary tasks' item evidence, and its words are the share of it
    the question uses. A phrase counts when two items use it, when the
    question echoes half of it, or when it is in the title of one of the
    `LEAD_ITEMS` items closest to the question; of phrases used by the same
    items the longest is kept.
    """
    heads = task_heads(taxonomy)
    q_stems = stems(question)
    q_words = {w.casefold() for w in re.findall(r"[A-Za-z0-9]+", question or "")}
    closest = set(sorted(range(len(cands)), key=lambda i: -relevance[i])[:LEAD_ITEMS])
    per: dict[tuple[str, ...], dict] = {}
    prefixes = [zoo_parts(c.record, taxonomy)[0] for c in cands]
    zoo_names = _zoo_task_names(cands, prefixes, heads, taxonomy)
    uses: list[tuple[int, Candidate, float, float, dict[tuple[str, ...], float], dict[tuple[str, ...], str]]] = []
    for idx, (c, rel) in enumerate(zip(cands, relevance)):
        role = role_weight.get(c.role, role_weight.get("related", 0.7))
        seen: dict[tuple[str, ...], float] = {}
        surface: dict[tuple[str, ...], str] = {}
        if idx in zoo_names:
            seen[phrase_stems(zoo_names[idx])] = WHERE_WEIGHT["zoo"]
            surface[phrase_stems(zoo_names[idx])] = zoo_names[idx]
        texts = [] if prefixes[idx] or c.record.kind == "model" and not c.record.summary else [
            ("title", c.record.name or ""), ("summary", (c.record.summary or "")[:MAX_BODY_CHARS])]
        for where, text in texts:
            found = candidate_phrases(text, heads, q_words)
            if zoo_names:  # a paper that writes out a model's spelled-out task uses that name too
                text_stems = stems(text)
                found += [n for n in zoo_names.values() if find_phrases(text_stems, [(n, 1.0)])]
            for p in found:
                key = phrase_stems(p)
                if WHERE_WEIGHT[where] > seen.get(key, 0.0):
                    seen[key] = WHERE_WEIGHT[where]
                    surface.setdefault(key, p)
        uses.append((idx, c, rel, role, seen, surface))
    for idx, c, rel, role, seen, surface in uses:
        if idx in zoo_names:
            # a prefix abbreviates; the papers spell out the word it drops ("ShotDetect": "shot
            # transition detection"), and the model's own paper what it leaves out ("TextDetect":
            # "machine-generated text detection"): the model's task is the spelled-out name
            short = phrase_stems(zoo_names[idx])
            own = set(link_keys(c.record))
            longer = [(k, o_surface[k]) for _o, o_c, *_r, o_seen, o_surface in uses for k in o_seen
                      if o_seen is not seen and (_one_word_more(k, short) or (
                          own & set(link_keys(o_c.record)) and o_seen[k] >= WHERE_WEIGHT["title"]
                          and _says_what(k, short, o_surface[k])))]
            if short in seen and longer:
                del seen[short]
                for k, name in longer:
                    seen[k], surface[k] = WHERE_WEIGHT["zoo"], name
        # "cross-view image geo-localization" uses the "cross-view geo-localization" another item names
        for key, sure in list(seen.items()):
            for *_item, other, other_surface in uses:
                for short in other:
                    if short not in seen and _one_word_more(key, short):
                        seen[short] = sure
                        surface[short] = other_surface[short]
        for key, sure in seen.items():
            entry = per.setdefault(key, {"name": surface[key], "items": [], "miss": 1.0, "lead": False})
            entry["items"].append((rel, c.name, sure))
            entry["miss"] *= 1.0 - rel * role * sure
            entry["lead"] |= idx in closest and sure >= WHERE_WEIGHT["title"]
    out: list[OpenTask] = []
    for key, entry in per.items():
        users = {it[1] for it in entry["items"]}
        if any(_is_inside(key, other) and (users <= {it[1] for it in per[other]["items"]}
                                           or len(per[other]["items"]) >= MIN_ITEMS) for other in per):
            # "cloud registration" inside "point cloud registration", used by the same items; "text
            # detection" inside "scene text detection", which two items use: the precise name is kept
            continue
        is_task, parent = _glossary_relation(entry["name"], taxonomy)
        if is_task is not None:
            continue  # a glossary alias: that task already counts these items
        if _field_name(entry["name"]) and parent is None:
            continue
        n = len(key)
        share = sum(1 for w in key if w in q_stems) / n
        if len(users) < MIN_ITEMS and share < 0.5 and (not entry["lead"] or _described(entry["name"])):
            # one item's phrase that the question does not echo is no task name, unless it is in the
            # title of an item closest to the question and names more than how (a claim about the
            # method: "interpretable prediction", "logical reasoning")
            continue
        in_q = find_phrases(q_stems, [(entry["name"], 1.0)])
        words = 1.0 - math.exp(-(min(1.5, 1.0 + 0.25 * (n - 1)) if in_q else 0.5 * share) / 1.2)
        ranked = sorted(entry["items"], key=lambda x: -x[0])
        out.append(OpenTask(name=entry["name"], items=tuple(it[1] for it in ranked), support=1.0 - entry["miss"],
                            words=words, meaning=float(ranked[0][0]), parent=parent,
                            uses={it[1]: it[2] for it in ranked}))
    return out
