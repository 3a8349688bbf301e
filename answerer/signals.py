"""The ranking's signals, each in [0, 1] per item, and how they are fused.

- `dense_signal` — meaning: the question, its best summary sentences, the
  coverage of each sub-question and (by the task's confidence) the task's
  description, against the item (MiniLM cosines, `calibrate_cosine`);
- `lexical_signal` — BM25 of the question (plus an asserted task's name) over
  the file's own items;
- `task_match` — does the item do the question's task (same task 1, a related
  one half);
- `fuse` — their weighted mean, the task signal counted by the task's
  confidence, plus the search score for retrieved items.

`own_task_labels` says which tasks an item is *about* (its "about X" label).
`answerer.rank` computes the vectors and puts the signals together.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np

from answerer.task_match import TaskMatch
from answerer.tasks import Taxonomy

if TYPE_CHECKING:
    from answerer.rank import Vectors

#: Fusion weights (dense, lexical, task), fitted on every tuning set by benchmarks/fit_rank_weights.py.
DEFAULT_WEIGHTS: tuple[float, float, float] = (0.45, 0.15, 0.4)
#: Mix of the dense signals (question vs item text, question vs its best summary
#: sentences, coverage of each sub-question, task description vs item text).
#: The task description's share is 0: once the task signal counts, it added nothing (same fit).
DENSE_MIX: tuple[float, float, float, float] = (0.4, 0.1, 0.2, 0.0)
#: Weight of the search score when ranking retrieved items (relative to DEFAULT_WEIGHTS' sum of 1).
RETRIEVAL_WEIGHT = 0.5


def calibrate_cosine(cos: np.ndarray, lo: float = 0.1, hi: float = 0.55) -> np.ndarray:
    """Map MiniLM cosine to [0, 1]: unrelated texts sit near 0.0-0.1, paraphrases above 0.55."""
    return np.clip((np.asarray(cos, dtype=np.float64) - lo) / (hi - lo), 0.0, 1.0)


def dense_signal(v: Vectors, task_confidence: float,
                 mix: Sequence[float] = DENSE_MIX) -> np.ndarray:
    """Meaning: question, best sentences, sub-question coverage and (by confidence) the task description."""
    a, b, c, d = (float(x) for x in mix)
    d *= task_confidence
    raw = (a * v.cos_q + b * v.sent_top + c * v.sub_cov + d * v.cos_t) / (a + b + c + d)
    return calibrate_cosine(raw)


def lexical_signal(question: str, tm: TaskMatch, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(signal in [0, 1], raw BM25) of the question (plus an asserted task's name) over the items."""
    from indexer.scoring import bm25_scores

    query = f"{question} {tm.task.name}" if tm.in_glossary else question
    bm = np.asarray(bm25_scores(query, list(texts)), dtype=np.float64)
    top = float(bm.max()) if bm.size else 0.0
    signal = 0.5 * bm / top + 0.5 * bm / (bm + 4.0) if top > 0 else np.zeros(len(texts))
    return signal, bm


def task_match(scores: dict[str, float], weights: dict[str, float], taxonomy: Taxonomy) -> float:
    """Does an item (task scores) do the question's task (weights)? Same 1, related half."""
    best = 0.0
    for tid, w in weights.items():
        direct = scores.get(tid, 0.0)
        near = max((s for t, s in scores.items() if taxonomy.related(tid, t)), default=0.0)
        best = max(best, w * max(direct, 0.5 * near))
    return float(min(1.0, best))


def own_task_labels(
    scores: dict[str, float], source: str, cos_tasks: np.ndarray, taxonomy: Taxonomy, limit: int = 3
) -> list[str]:
    """Task names an item is *about*, only where its own text supports them.

    A zoo prefix or the architecture's glossary entry is certain. A paper needs a
    task name or alias in its own title/summary (not just a hint word) *and* a
    text whose meaning is close to that task's profile, and yields to a sibling its
    meaning is clearly closer to (`closer_siblings`).
    """
    ids = list(taxonomy.tasks)
    index = {t: i for i, t in enumerate(ids)}
    if source not in ("zoo", "glossary"):
        scores = closer_siblings(scores, cos_tasks, taxonomy)
    out = []
    for t, s in sorted(scores.items(), key=lambda kv: -kv[1]):
        if len(out) >= limit:
            break
        if source in ("zoo", "glossary"):
            if s >= 0.3:
                out.append(taxonomy.task(t).name)
            continue
        if s <= CUE_LABEL_FLOOR or t not in index:
            continue
        cos = float(cos_tasks[index[t]])
        if cos >= LABEL_MIN_COS or cos >= float(np.sort(cos_tasks)[-3]):
            out.append(taxonomy.task(t).name)
    return out


#: How much closer in meaning a hinted sibling must be to take an alias-named task's label.
SIBLING_MARGIN = 0.05


def closer_siblings(scores: dict[str, float], cos_tasks: np.ndarray, taxonomy: Taxonomy) -> dict[str, float]:
    """A paper's task scores (`item_task_scores`) for saying what it is about: a task its words
    name by an alias yields to a sibling (same family) its words hint at and its meaning is
    clearly closer to. "Piano Transcription" about notes is music transcription, though
    "transcription" alone names speech recognition. (Ranking on these scores as well moved no
    task and cost a labeled file's order, so the ranking keeps the words' scores.)"""
    index = {t: i for i, t in enumerate(taxonomy.tasks)}
    out = dict(scores)
    for t, s in scores.items():
        if s <= CUE_LABEL_FLOOR or t not in index:
            continue
        fam = taxonomy.task(t).family
        rivals = [u for u in scores if u != t and u in index and scores[u] > 0
                  and taxonomy.task(u).family == fam
                  and float(cos_tasks[index[u]]) >= float(cos_tasks[index[t]]) + SIBLING_MARGIN]
        if rivals:
            best = max(rivals, key=lambda u: float(cos_tasks[index[u]]))
            out[best], out[t] = max(out[best], s), min(out[t], scores[best])
    return out


#: A paper's keyword score must exceed this (an alias, not a cue) to label it.
CUE_LABEL_FLOOR = 0.3
#: ... and its text must be at least this close to the task's profile (or among its 3 closest tasks).
LABEL_MIN_COS = 0.35


def fuse(
    dense: np.ndarray, lexical: np.ndarray, matches: np.ndarray, task_confidence: float,
    weights: Sequence[float] = DEFAULT_WEIGHTS, retrieval: np.ndarray | None = None,
) -> np.ndarray:
    """Weighted mean of the signals; the task signal counts by the task's confidence."""
    w_d, w_l, w_t = (float(w) for w in weights)
    w_t *= task_confidence
    total = w_d * dense + w_l * lexical + w_t * matches
    norm = w_d + w_l + w_t
    if retrieval is not None:
        total = total + RETRIEVAL_WEIGHT * retrieval
        norm += RETRIEVAL_WEIGHT
    return total / (norm or 1.0)
