"""What the provided items say about a question's task.

Each item is evidence for the tasks it is about (`items.item_task_scores`: a
zoo prefix for certain, a paper's own title more than its summary), weighted
by how close its text is to the question (a recommended text-to-image
checkpoint does not turn an upscaling question into image generation) and by
its role. `ItemEvidence.agreement` says whether the items closest to the
question are about a given task: a glossary task the question's words favour
but the central items are not about is not clearly supported; `resembles` asks the same in
meaning (does an item closest to the question read like the task at all?).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from answerer import embedcache
from answerer.contrast import ruled_out_loss
from answerer.items import Candidate, item_task_scores, item_texts
from answerer.tasks import ALIAS_WEIGHT, Task, Taxonomy
from indexer.embedder import Embedder

#: How sure an item's task is, by where it was read: a zoo prefix or the architecture's
#: glossary entry, a task name in a paper's title, or only in its summary.
SOURCE_CERTAINTY: dict[str, float] = {"zoo": 1.0, "title": 0.9, "summary": 0.6}
#: Weight of an item's task by its role (a recommended model is not right more often
#: than a related paper: a third of the eval set's files recommend a poor fit).
ROLE_WEIGHT: dict[str, float] = {"recommended": 1.0, "related": 0.7}

#: Items closest to the question that must be about a task for the items to agree with it.
AGREEING_ITEMS = 2
#: Closeness (in [0, 1]) at or below which an item is not related to the question at all: it
#: neither agrees nor disagrees with a task.
RELATED_AT_ALL = 0.1
#: Cosine (MiniLM) of an item's text with a task's name and description at which the item looks
#: like an instance of the task (`resembles`).
RESEMBLANCE = 0.4
#: Cosine of question vs item text mapped to an item's relevance in [0, 1].
RELEVANCE_RANGE: tuple[float, float] = (0.1, 0.5)
#: An item's relevance is at least this (recommended, related): its task is evidence even
#: when the small embedder misses the connection to a casually worded question.
RELEVANCE_FLOOR: dict[str, float] = {"recommended": 0.35, "related": 0.25}


def calibrate(cos: np.ndarray | float, lo: float, hi: float) -> np.ndarray:
    """Cosine -> [0, 1], linear between `lo` (unrelated) and `hi` (clearly related)."""
    return np.clip((np.asarray(cos, dtype=np.float64) - lo) / (hi - lo), 0.0, 1.0)


@dataclass
class ItemEvidence:
    """What the provided items say about the question's task."""

    per_task: dict[str, float]  # task id -> support from the items, in [0, 1]
    relevance: list[float]  # per candidate: closeness to the question, in [0, 1] (floored by role)
    notes: dict[str, str]  # task id -> "Txt2Music-MusicGen-Small (zoo prefix)"
    about: list[dict[str, float]] = field(default_factory=list)  # per candidate: what it is about
    closeness: list[float] = field(default_factory=list)  # per candidate: closeness, not floored

    def agreement(self, task_id: str, taxonomy: Taxonomy, k: int = AGREEING_ITEMS) -> float:
        """How far the `k` items closest to the question are about `task_id` (a related task
        counts half), in [0, 1]; 1 without items, or when none is related to the question at all
        (nothing disagrees: the best of a catalog that holds nothing on the question says nothing)."""
        order = [i for i in sorted(range(len(self.about)), key=lambda i: -self.closeness[i])[:k]
                 if self.closeness[i] > RELATED_AT_ALL]
        if not order:
            return 1.0
        best = 0.0
        for i in order:
            about = self.about[i]
            near = max((s for t, s in about.items() if taxonomy.related(task_id, t)), default=0.0)
            best = max(best, about.get(task_id, 0.0), 0.5 * near)
        return min(1.0, best)


def resembles(task: Task, cands: Sequence[Candidate], closeness: Sequence[float], embedder: Embedder | None,
              tax: Taxonomy) -> bool:
    """Does one of the `AGREEING_ITEMS` items closest to the question look like an instance of
    `task` (its text within `RESEMBLANCE` of the task's name and description)?

    The hypothesis is checked against what answers the question: a black-hole-merger question
    whose words say "detector" and "spot" is not object detection when the papers closest to it
    read nothing like object detection. True when nothing can disagree (no embedder, or no item
    related to the question at all).
    """
    order = [i for i in sorted(range(len(cands)), key=lambda i: -closeness[i])[:AGREEING_ITEMS]
             if closeness[i] > RELATED_AT_ALL]
    if embedder is None or not order:
        return True
    vecs = embedcache.encode(embedder, [task.what_it_is(), *item_texts([cands[i] for i in order], tax)])
    return bool(np.max(vecs[1:] @ vecs[0]) >= RESEMBLANCE)


def item_evidence(
    question_vec: np.ndarray | None,
    cands: Sequence[Candidate],
    tax: Taxonomy,
    embedder: Embedder | None,
    relevance: Sequence[float] | None,
    ruled_vecs: np.ndarray | None = None,
) -> ItemEvidence:
    """`ruled_vecs`: what the question rules out; an item closer to it than to the question
    loses relevance (`ruled_out_loss`), below its role's floor too."""
    rel: list[float]
    lost = np.zeros(len(cands))
    if relevance is not None:
        rel = [float(r) for r in relevance]
    elif embedder is not None and question_vec is not None and cands:
        vecs = embedcache.encode(embedder, item_texts(cands, tax))
        cos_q = vecs @ question_vec
        rel = [float(v) for v in calibrate(cos_q, *RELEVANCE_RANGE)]
        if ruled_vecs is not None and len(ruled_vecs):
            lost = ruled_out_loss((vecs @ ruled_vecs.T).max(axis=1), cos_q)
    else:
        rel = [0.5] * len(cands)
    raw = [max(0.0, r - float(x)) for r, x in zip(rel, lost)]
    rel = [max(0.0, max(r, RELEVANCE_FLOOR.get(c.role, 0.25)) - float(x)) for c, r, x in zip(cands, rel, lost)]
    per_task: dict[str, float] = {}
    notes: dict[str, str] = {}
    about: list[dict[str, float]] = []
    for c, r in zip(cands, rel):
        scores, source = item_task_scores(c.record, tax, c.prefix_words)
        about.append(scores)
        certain = source in ("zoo", "glossary")
        titled = set() if certain else {t for t, m in tax.keyword_matches(c.record.name or "").items()
                                        if any(w >= ALIAS_WEIGHT for _p, w in m)}
        role = ROLE_WEIGHT.get(c.role, ROLE_WEIGHT["related"])
        for t, s in scores.items():
            if s <= 0.3 and not certain:
                continue  # a hint word in a summary is no evidence of the item's task
            sure = SOURCE_CERTAINTY["zoo" if certain else "title" if t in titled else "summary"]
            weight = r * role * sure
            prev = per_task.get(t, 0.0)
            per_task[t] = 1.0 - (1.0 - prev) * (1.0 - weight * s)  # independent pieces add up
            if weight * s > 0.2 and t not in notes:
                how = "zoo prefix" if source == "zoo" else "architecture" if source == "glossary" else "title/summary"
                notes[t] = f"{c.name} ({how})"
    return ItemEvidence(per_task, rel, notes, about, raw)
