"""Which task a question (and each provided item) is about.

Keyword evidence from the question dominates, the embedding similarity to
each task description adds a graded signal, and the provided items only a
weak prior (a recommendation can be wrong).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from answerer.phrases import find_phrases, matched_words, norm_key, phrase_stems, stems
from answerer.taxonomy_loader import load_taxonomy
from answerer.tasks import ALIAS_WEIGHT, CUE_ONLY_CAP, Task, Taxonomy


def item_fields(item: Any) -> tuple[Any, str]:
    """(ItemRecord-like, role) of a ParsedItem, an ItemRecord or a (record, role) pair."""
    if isinstance(item, tuple) and len(item) == 2:
        return item[0], str(item[1])
    record = getattr(item, "item", None)
    if record is not None and hasattr(record, "name"):
        return record, str(getattr(item, "role", "related") or "related")
    extra = getattr(item, "extra", None) or {}
    role = getattr(item, "role", None) or (extra.get("role") if isinstance(extra, dict) else None)
    return item, str(role or "related")


def zoo_parts(record: Any, taxonomy: Taxonomy) -> tuple[str | None, str | None, str | None]:
    """(task prefix, architecture, variant) of a model; falls back to splitting the name."""
    task = getattr(record, "task", None)
    arch = getattr(record, "architecture", None)
    variant = getattr(record, "variant", None)
    if task or arch:
        return task, arch, variant
    # Not split upstream (a prefix the catalog does not know, e.g. `Style-AdaIN-VGG19`,
    # even filed as a paper because it has an arXiv link): a zoo-shaped name whose
    # first token is a task prefix we know, or whose next tokens name a known
    # architecture (`SalientSeg-U2Net-DUTS`), is still a zoo model.
    name = str(getattr(record, "name", "") or "").strip()
    head, sep, rest = name.partition("-")
    if not (sep and rest) or re.search(r"\s", name) or not re.fullmatch(r"[\w.+-]+", name):
        return None, None, None
    known_prefix = bool(taxonomy._prefix_index.get(norm_key(head)))
    known_arch = any(
        norm_key("-".join(rest.split("-")[:n])) in taxonomy._glossary_index
        for n in range(1, len(rest.split("-")) + 1)
    )
    if known_prefix or (known_arch and norm_key(name) not in taxonomy._glossary_index):
        arch_part, _, var = rest.partition("-")
        entry = taxonomy.lookup(rest)
        # prefer the longest glossary-known architecture at the start of `rest`
        pieces = rest.split("-")
        for n in range(len(pieces), 0, -1):
            cand = "-".join(pieces[:n])
            if norm_key(cand) in taxonomy._glossary_index:
                return head, cand, "-".join(pieces[n:]) or None
        return head, arch_part or (entry.name if entry else None), var or None
    return None, None, None


def item_task_scores(record: Any, taxonomy: Taxonomy) -> tuple[dict[str, float], str]:
    """How strongly an item is *about* each task, in [0, 1], and where that came from.

    Zoo models: their task prefix (certain). Other models: glossary tasks of
    their architecture. Papers: task words in the title (weighted double) and
    summary, plus architectures the text names; saturating in the evidence.
    """
    prefix, arch, _variant = zoo_parts(record, taxonomy)
    kind = getattr(record, "kind", "paper")
    found: dict[str, float] = {}
    source = ""
    if kind == "model" or prefix:
        # The architecture says what the network is built for (ControlNet under an
        # `Img2Img` prefix is pose/edge-conditioned generation): its main task counts
        # fully, its other uses partly.
        entry = taxonomy.lookup(arch) if arch else taxonomy.lookup(getattr(record, "name", ""))
        if entry is not None and entry.kind != "dataset" and entry.tasks:
            for i, t in enumerate(entry.tasks):
                if t in taxonomy.tasks:
                    found[t] = max(found.get(t, 0.0), 1.0 if i == 0 else 0.6)
            source = "glossary"
    if prefix:
        ids = taxonomy.tasks_for_prefix(prefix)
        if ids:
            for t in ids:
                found[t] = 1.0
            source = "zoo"
    if found:
        return found, source
    title = str(getattr(record, "name", "") or "")
    summary = str(getattr(record, "summary", "") or "")
    raw: dict[str, float] = {}
    named: set[str] = set()  # tasks named by an alias (not just hinted at by cues)
    for text, factor in ((title, 2.0), (summary, 1.0)):
        for t, matches in taxonomy.keyword_matches(text).items():
            if any(w >= ALIAS_WEIGHT for _p, w in matches):
                named.add(t)
        for t, s in taxonomy.keyword_scores(text).items():
            raw[t] = raw.get(t, 0.0) + factor * s
    for entry in taxonomy.mentions(f"{title}. {summary}"):
        if entry.kind != "dataset":
            for t in entry.tasks[:1]:
                raw[t] = raw.get(t, 0.0) + 0.5
                named.add(t)
    scores = {}
    for t, v in raw.items():
        if v <= 0:
            continue
        s = 1.0 - math.exp(-v / 1.6)
        scores[t] = s if t in named else min(s, CUE_ONLY_CAP)
    return scores, "keywords"


# -------------------------------------------------------------- task detection


@dataclass
class TaskMatch:
    """The task a question is about, named precisely, with the evidence for it."""

    task: Task
    qualifier: str | None
    confidence: float  # 0..1: how clearly the top task beats the runner-up
    scores: dict[str, float]  # task id -> detection score (higher = more likely), top few
    matched: list[str] = field(default_factory=list)  # question words that named the task
    secondary: list[Task] = field(default_factory=list)  # other tasks the question touches

    @property
    def id(self) -> str:
        return self.task.id

    @property
    def name(self) -> str:
        return f"{self.task.name} ({self.qualifier})" if self.qualifier else self.task.name

    @property
    def description(self) -> str:
        return self.task.description

    def weights(self) -> dict[str, float]:
        """Question task distribution used for matching items: main task 1.0, secondaries less."""
        out = {self.task.id: 1.0}
        top = self.scores.get(self.task.id, 0.0) or 1.0
        for t in self.secondary:
            out[t.id] = round(min(0.6, 0.6 * self.scores.get(t.id, 0.0) / top), 4)
        return out


def _qualifier(question: str, task: Task, taxonomy: Taxonomy) -> str | None:
    words = stems(question)
    subject = None
    generic = None
    implied = {phrase_stems(c) for c in (*task.aliases, *task.cues)}
    for facet in taxonomy.subjects:  # listed most specific first
        if not find_phrases(words, [(c, 1.0) for c in facet.cues]):
            continue
        matched = [c for c in facet.cues if find_phrases(words, [(c, 1.0)])]
        if all(phrase_stems(c) in implied for c in matched):
            continue  # "night" says nothing new about low-light enhancement
        if norm_key(facet.label) in norm_key(task.name):
            continue  # "video" in "video frame interpolation"
        if facet.generic:
            generic = generic or facet.label
        elif subject is None:
            subject = facet.label
    modifier = None
    for facet in taxonomy.modifiers:
        if find_phrases(words, [(c, 1.0) for c in facet.cues]):
            modifier = facet.label
            break
    if subject is None and modifier is not None:
        subject = generic  # "real-world photo deblurring"; a bare "photo" adds nothing
    if subject and norm_key(subject) in norm_key(task.gerund):
        subject = None  # "video" + "video upscaling"
    if subject == "photo" and task.id in ("text-to-image", "text-to-video", "text-generation"):
        subject = None
    parts = [p for p in (modifier, subject, task.gerund) if p]
    if len(parts) <= 1:
        return None
    return " ".join(parts)


def _item_prior(items: Sequence[Any], taxonomy: Taxonomy) -> dict[str, float]:
    prior: dict[str, float] = {}
    for it in items:
        record, role = item_fields(it)
        scores, source = item_task_scores(record, taxonomy)
        weight = 0.35 if (role == "recommended" and source != "keywords") else 0.08
        for t, s in scores.items():
            prior[t] = max(prior.get(t, 0.0), weight * s)
    return prior


#: Below this detection score, with no task word in the question, no task is named.
MIN_TASK_SCORE = 0.2

UNSPECIFIED_TASK = Task(
    id="unspecified",
    name="a task the question does not name",
    description=(
        "The question does not say what the AI should do, so the provided items are "
        "ranked by how closely their descriptions match the question itself."
    ),
    input="the input the chosen model expects (see its description below)",
    output="the output that model produces",
)


def detect_task(
    question: str,
    items: Sequence[Any] = (),
    embedder: Any | None = None,
    taxonomy: Taxonomy | None = None,
) -> TaskMatch:
    """Name the task the question is about, as precisely as the taxonomy allows.

    Keyword evidence from the question dominates; with an embedder, the
    question's similarity to each task description adds a graded signal;
    the provided items (recommended zoo models above all) add a weak prior.
    """
    tax = taxonomy or load_taxonomy()
    ids = list(tax.tasks)
    kw = tax.keyword_scores(question)
    matches = tax.keyword_matches(question)
    prior = _item_prior(items, tax)
    dense = np.zeros(len(ids), dtype=np.float32)
    if embedder is not None and question.strip():
        tv = tax.task_embeddings(embedder)
        from answerer import embedcache

        qv = embedcache.encode(embedder, [question])[0]
        dense = tv @ qv
    scores: dict[str, float] = {}
    for i, t in enumerate(ids):
        k = 1.0 - math.exp(-kw.get(t, 0.0) / 1.2)  # saturating keyword evidence
        d = float(np.clip((dense[i] - 0.15) / 0.35, 0.0, 1.0))
        scores[t] = 1.0 * k + 0.45 * d + prior.get(t, 0.0)
    ranked = sorted(ids, key=lambda t: (-scores[t], ids.index(t)))
    best = ranked[0]
    top = scores[best]
    runner = scores[ranked[1]] if len(ranked) > 1 else 0.0
    confidence = 0.0 if top <= 0 else float(np.clip((top - runner) / max(top, 1e-9) * 2.0, 0.0, 1.0))
    if top <= 0:
        confidence = 0.0
    secondary = [
        tax.tasks[t]
        for t in ranked[1:4]
        if scores[t] >= 0.55 * top and scores[t] > 0.2 and (kw.get(t, 0) >= ALIAS_WEIGHT or tax.related(best, t))
    ]
    if top < MIN_TASK_SCORE and not matches:
        # nothing in the question (or the items) names a task: say so instead of guessing
        return TaskMatch(task=UNSPECIFIED_TASK, qualifier=None, confidence=0.0,
                         scores={t: round(scores[t], 4) for t in ranked[:6]})
    task = tax.tasks[best]
    return TaskMatch(
        task=task,
        qualifier=_qualifier(question, task, tax),
        confidence=round(confidence, 4),
        scores={t: round(scores[t], 4) for t in ranked[:6]},
        matched=matched_words(question, [p for p, _w in matches.get(best, [])]),
        secondary=secondary,
    )
