"""Task names the provided items use, whether or not the glossary has them.

The glossary is closed; the items are not. Papers name their task in their
own titles and summaries ("Sign Language Recognition", "Symbolic
Regression", "Traffic Forecasting"), so every such phrase is a hypothesis
that competes with the glossary tasks on the same evidence
(`answerer.task_detection`): the question's words, its meaning, and how many
of the items close to the question use the phrase.

Phrases are read by `answerer.phrase_reading` (a run of content words ending
in a task noun, "traffic forecasting"). A phrase's
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
from answerer.phrase_reading import (
    MIN_WORDS,
    candidate_phrases,
    described,
    field_name,
    is_head,
    prefix_task_name,
    task_heads,
)
from answerer.phrase_words import GENERIC_WORDS, HOW_PARTS
from answerer.phrases import find_phrases, phrase_stems, stems
from answerer.task_match import UNKNOWN_INPUT, UNKNOWN_OUTPUT
from answerer.tasks import Task, Taxonomy
from indexer.text import MAX_BODY_CHARS, expand_task

#: How sure a phrase names an item's task, by where it was read (as `SOURCE_CERTAINTY`).
WHERE_WEIGHT: dict[str, float] = {"zoo": 1.0, "title": 0.9, "summary": 0.6}
#: A phrase in the title of one of this many items closest to the question counts on its own.
LEAD_ITEMS = 3
#: Items that must use a phrase the question does not echo (at least half its words).
MIN_ITEMS = 2


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
        named = bool(words) and is_head(words.split()[-1], heads)
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
    if len(ws) >= 3 and is_head(ws[-1], heads) and is_head(ws[-2], heads) and "-" in ws[-2]:
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
        if field_name(entry["name"]) and parent is None:
            continue
        n = len(key)
        share = sum(1 for w in key if w in q_stems) / n
        if len(users) < MIN_ITEMS and share < 0.5 and (not entry["lead"] or described(entry["name"])):
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
