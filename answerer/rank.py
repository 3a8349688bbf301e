"""Rank the items a prompt file provides by how well they answer its question.

Every provided item is scored; none is dropped and none is first just
because it was recommended. Three signals, each in [0, 1]:

- **dense** — embedding similarity of the item's text
  (`indexer.text.item_text`, plus the glossary's description for summary-less
  zoo models) to the question, to its best-matching summary sentences, and to
  the description of the detected task (query expansion: "doubled the size"
  is far from "super-resolution" in words, not in meaning);
- **lexical** — BM25 of the question (plus the task's name) over the file's own
  items (`indexer.scoring.bm25_scores`): names, datasets, acronyms;
- **task** — does the item do the question's task? A zoo model's prefix
  (`Txt2Img`, `SR`) names its task for certain; a paper's task is read from the
  task words in its title and summary. Same task = 1, a close relative
  (deblurring vs general restoration) = half.

They are fused by a weighted mean (`DEFAULT_WEIGHTS`, chosen on the labeled
set — see `answerer/evaluate.py`), so a score means the same in every file
and `fit` (strong / partial / poor) can be read off it. A model whose zoo
task contradicts the question (a text-to-image checkpoint recommended for an
upscaling question) is flagged `poor` whatever its other scores.
"""

from __future__ import annotations


import re
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from answerer import embedcache
from answerer.evidence import SentenceFeatures, intent_boost
from answerer.taxonomy import (
    UNSPECIFIED_TASK,
    Taxonomy,
    TaskMatch,
    detect_task,
    intent_of,
    item_fields,
    item_task_scores,
    load_taxonomy,
    split_subquestions,
    with_article as _a,
    zoo_parts,
)

#: Fusion weights (dense, lexical, task); chosen on the labeled set (answerer/README.md).
DEFAULT_WEIGHTS: tuple[float, float, float] = (0.5, 0.1, 0.4)
#: Mix of the dense signals (question vs item text, question vs its best summary
#: sentences, coverage of each sub-question, task description vs item text).
DENSE_MIX: tuple[float, float, float, float] = (0.4, 0.1, 0.2, 0.3)
#: Score at or above which an item on the question's task is a strong fit.
STRONG_SCORE = 0.66
#: Score below which an item is a poor fit.
POOR_SCORE = 0.35


@dataclass
class RankedItem:
    """One provided item, scored against the question."""

    name: str
    kind: str
    role: str
    key: str
    score: float  # fused, in [0, 1]
    dense: float
    lexical: float
    task_match: float
    fit: str  # strong | partial | poor
    fit_reason: str
    paper_url: str | None
    github_url: str | None
    evidence: list[str] = field(default_factory=list)  # verbatim summary sentences
    position: int = 0  # order in the file
    item_tasks: list[str] = field(default_factory=list)  # task names the item is about
    record: Any = field(default=None, repr=False, compare=False)
    signals: dict[str, float] = field(default_factory=dict, repr=False, compare=False)  # raw inputs

    @property
    def components(self) -> dict[str, float]:
        return {"dense": self.dense, "lexical": self.lexical, "task": self.task_match}


# ------------------------------------------------------------------ sentences

# Split after . ! ? when the next sentence starts with a capital, digit or quote;
# "e.g. semantic", "et al. show", "4.5s" are left alone.
_SENT_BOUNDARY = re.compile(r"(?<=[.!?])(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bet al\.)(?<!\bvs\.)\s+(?=[\"'\u201c(\[]?[A-Z0-9\\])")
_URL = re.compile(r"https?://\S+")


def split_sentences(text: str | None) -> list[str]:
    """Sentences of a summary, each a verbatim substring of it (whitespace-trimmed)."""
    if not text:
        return []
    out = []
    for chunk in re.split(r"\n\s*\n", text):
        for piece in _SENT_BOUNDARY.split(chunk):
            piece = piece.strip()
            if piece:
                out.append(piece)
    return out


# ------------------------------------------------------------------- helpers


def _records(items: Sequence[Any]) -> list[tuple[Any, str, int]]:
    out = []
    for i, it in enumerate(items):
        record, role = item_fields(it)
        if hasattr(it, "cited"):
            record = it.cited()  # cite links exactly as this file wrote them
        position = getattr(it, "position", None)
        out.append((record, role if role in ("recommended", "related") else "related",
                    int(position) if isinstance(position, int) else i))
    return out


def rank_text(record: Any, taxonomy: Taxonomy) -> str:
    """Text embedded for an item: `item_text`, plus glossary knowledge for models without a summary."""
    from indexer.text import item_text

    prefix, arch, variant = zoo_parts(record, taxonomy)
    text = item_text(
        str(record.name), str(record.kind), getattr(record, "summary", None),
        task=prefix, architecture=arch, variant=variant,
    )
    if getattr(record, "summary", None):
        return text
    extra = []
    for tid in taxonomy.tasks_for_prefix(prefix)[:1]:
        t = taxonomy.task(tid)
        extra.append(f"{t.name}: {t.description}")
    entry = taxonomy.lookup(arch) if arch else None
    if entry is None and record.kind == "model":
        entry = taxonomy.lookup(record.name)
    if entry is not None:
        extra.append(f"{entry.name}: {entry.summary}")
    var_entry = taxonomy.lookup(variant) if variant else None
    if var_entry is not None and var_entry is not entry:
        extra.append(f"{var_entry.name}: {var_entry.summary}")
    return text + ("\n" + " ".join(extra) if extra else "")


def _calibrate(cos: np.ndarray, lo: float = 0.1, hi: float = 0.55) -> np.ndarray:
    """Map MiniLM cosine to [0, 1]: unrelated texts sit near 0.0-0.1, paraphrases above 0.55."""
    return np.clip((np.asarray(cos, dtype=np.float64) - lo) / (hi - lo), 0.0, 1.0)


@dataclass
class _Context:
    """Everything computed while ranking that composing the answer reuses."""

    task: TaskMatch
    subquestions: list[str]
    sentences: list[list[str]]  # per item (in input order)
    sentence_q: list[np.ndarray]  # per item: cos(question, sentence)
    sentence_sub: list[np.ndarray]  # per item: (n_sub, n_sent) cos(subquestion, sentence)


def _task_match(
    scores: dict[str, float], weights: dict[str, float], taxonomy: Taxonomy
) -> float:
    best = 0.0
    for tid, w in weights.items():
        direct = scores.get(tid, 0.0)
        near = max(
            (s for t, s in scores.items() if taxonomy.related(tid, t)),
            default=0.0,
        )
        best = max(best, w * max(direct, 0.5 * near))
    return float(min(1.0, best))


def _pick_evidence(sentences: list[str], score: np.ndarray, limit: int = 2) -> list[str]:
    """The item's best one or two sentences by `score` (already adjusted), best first."""
    if not sentences:
        return []
    adjusted = np.asarray(score, dtype=np.float64)
    order = np.argsort(-adjusted, kind="stable")
    picked = [int(order[0])]
    if limit > 1 and len(order) > 1 and adjusted[order[1]] >= 0.85 * adjusted[order[0]] and adjusted[order[1]] > 0.2:
        picked.append(int(order[1]))
    return [sentences[i] for i in picked]  # best first


def _task_label(scores: dict[str, float], taxonomy: Taxonomy, limit: int = 3) -> list[str]:
    top = sorted(scores.items(), key=lambda kv: -kv[1])
    return [taxonomy.task(t).name for t, s in top[:limit] if s >= 0.3]


def _fit(
    score: float,
    task_match: float,
    source: str,
    item_tasks: list[str],
    task: TaskMatch,
    record: Any,
    dense_cos: float,
) -> tuple[str, str]:
    want = task.task.name
    if task.task.id == UNSPECIFIED_TASK.id:  # no task to compare with: the words decide
        level = "strong" if score >= STRONG_SCORE else "poor" if score < POOR_SCORE else "partial"
        return level, f"similarity to the question {dense_cos:.2f} (the question names no task)"
    certain = source in ("zoo", "glossary")
    label = want if want in item_tasks else (item_tasks[0] if item_tasks else None)
    if certain and task_match == 0.0 and label and task.confidence >= 0.25:
        what = "checkpoint" if source == "zoo" else "model"
        return "poor", f"{_a(label)} {what}: it does not perform {want}"
    if certain and task_match >= 0.99:
        return ("strong" if score >= POOR_SCORE else "partial"), f"{_a(label)} model: exactly the question's task"
    if certain and task_match > 0:
        own = item_tasks[0] if item_tasks and item_tasks[0] != want else (label or "related")
        return "partial", f"{_a(own)} model, close to but not the same as {want}"
    # papers (and models of unknown task)
    if score >= STRONG_SCORE and task_match >= 0.5:
        about = f"about {label}" if label else "on the question's task"
        return "strong", f"{about}; its summary closely matches the question"
    if score < POOR_SCORE and task_match < 0.3:
        about = f"about {label}" if label else "on a different topic"
        return "poor", f"{about}; little overlap with {want}"
    if task_match >= 0.3:
        about = f"touches on {label}" if label else f"touches on {want}"
        return "partial", f"{about}, but only part of it addresses the question"
    about = f"about {label}" if label else "a related method"
    return "partial", f"{about}; related to the question (similarity {dense_cos:.2f}) but not {want}"


# --------------------------------------------------------------------- ranking


def _rank(
    question: str,
    items: Sequence[Any],
    embedder: Any,
    *,
    task: TaskMatch | None = None,
    taxonomy: Taxonomy | None = None,
    weights: Sequence[float] = DEFAULT_WEIGHTS,
    subquestions: Sequence[str] | None = None,
) -> tuple[list[RankedItem], _Context]:
    from indexer.scoring import bm25_scores

    tax = taxonomy or load_taxonomy()
    entries = _records(items)
    tm = task or detect_task(question, items, embedder, tax)
    subqs = list(subquestions) if subquestions is not None else split_subquestions(question)
    n = len(entries)
    sentences = [split_sentences(getattr(r, "summary", None)) for r, _, _ in entries]
    if n == 0:
        return [], _Context(tm, subqs, [], [], [])

    texts = [rank_text(r, tax) for r, _, _ in entries]
    task_query = f"{tm.task.name}. {tm.task.description}"
    queries = [question or "", task_query, *subqs]
    flat = [s for sents in sentences for s in sents]
    vectors = embedcache.encode(embedder, [*queries, *texts, *flat])
    qv, tv, sv = vectors[0], vectors[1], vectors[2 : len(queries)]
    item_v = vectors[len(queries) : len(queries) + n]
    sent_v = vectors[len(queries) + n :]

    cos_q = (item_v @ qv).astype(np.float64)
    cos_t = (item_v @ tv).astype(np.float64)
    cos_sub_doc = (item_v @ sv.T).astype(np.float64) if len(sv) else np.zeros((n, 0))
    sent_q: list[np.ndarray] = []
    sent_sub: list[np.ndarray] = []
    sent_top = np.array(cos_q, dtype=np.float64)
    sub_cov = np.array(cos_q, dtype=np.float64)
    offset = 0
    for i, sents in enumerate(sentences):
        block = sent_v[offset : offset + len(sents)]
        offset += len(sents)
        sq = block @ qv if len(sents) else np.zeros(0, dtype=np.float32)
        sent_q.append(sq)
        sub = sv @ block.T if len(sents) and len(sv) else np.zeros((len(sv), len(sents)))
        sent_sub.append(sub)
        if len(sents):
            top = np.sort(sq)[::-1][:2]
            sent_top[i] = float(top.mean())
        if len(sv):
            # how well the item covers *each* sub-question: its best sentence (or its
            # whole text) per sub-question, averaged, so an item answering the
            # "what training data?" part counts even if it misses the "how?" part
            best = cos_sub_doc[i].copy()
            if len(sents):
                best = np.maximum(best, sub.max(axis=1))
            sub_cov[i] = float(best.mean())
    a, b, c, d = DENSE_MIX
    dense_raw = (a * cos_q + b * sent_top + c * sub_cov + d * cos_t) / (a + b + c + d)
    dense = _calibrate(dense_raw)

    lex_query = f"{question} {tm.task.name}"
    bm = np.asarray(bm25_scores(lex_query, texts), dtype=np.float64)
    top_bm = float(bm.max()) if bm.size else 0.0
    lexical = 0.5 * bm / top_bm + 0.5 * bm / (bm + 4.0) if top_bm > 0 else np.zeros(n)

    q_weights = tm.weights()
    task_scores = []
    sources = []
    matches = np.zeros(n)
    for i, (record, _role, _pos) in enumerate(entries):
        scores, source = item_task_scores(record, tax)
        task_scores.append(scores)
        sources.append(source)
        matches[i] = _task_match(scores, q_weights, tax)

    feats = SentenceFeatures(flat, tax)
    ev_lex = feats.lexical(question)
    ev_intents = {intent_of(q) for q in subqs}
    sent_offsets = np.cumsum([0, *(len(s) for s in sentences)]).tolist()

    w_d, w_l, w_t = (float(w) for w in weights)
    total = (w_d + w_l + w_t) or 1.0
    fused = (w_d * dense + w_l * lexical + w_t * matches) / total

    ranked: list[RankedItem] = []
    for i, (record, role, pos) in enumerate(entries):
        labels = _task_label(task_scores[i], tax)
        fit, reason = _fit(float(fused[i]), float(matches[i]), sources[i], labels, tm, record, float(cos_q[i]))
        ev_score = (0.6 * sent_q[i] + 0.4 * sent_sub[i].max(axis=0)) if len(sentences[i]) and len(subqs) else sent_q[i]
        if len(sentences[i]):
            # display only (not a ranking signal): the question's specific words,
            # no generic problem statements, tiny sentences or links
            lo = sent_offsets[i]
            ev_score = np.asarray(ev_score, dtype=np.float64) + np.array(
                [0.25 * ev_lex[lo + m] * min(1.0, max(0.0, float(sent_q[i][m])) / 0.5) + feats.prior(s, "choose")
                 + max((intent_boost(feats.intent_hits(it, s)) for it in ev_intents), default=0.0)
                 for m, s in enumerate(sentences[i])]
            )
        ranked.append(
            RankedItem(
                name=str(record.name),
                kind=str(record.kind),
                role=role,
                key=str(getattr(record, "key", "") or ""),
                score=round(float(fused[i]), 4),
                dense=round(float(dense[i]), 4),
                lexical=round(float(lexical[i]), 4),
                task_match=round(float(matches[i]), 4),
                fit=fit,
                fit_reason=reason,
                paper_url=getattr(record, "paper_url", None),
                github_url=getattr(record, "github_url", None),
                evidence=_pick_evidence(sentences[i], np.asarray(ev_score)),
                position=pos,
                item_tasks=labels,
                record=record,
                signals={
                    "cos_question": round(float(cos_q[i]), 4),
                    "cos_sentences": round(float(sent_top[i]), 4),
                    "cos_subquestions": round(float(sub_cov[i]), 4),
                    "cos_task": round(float(cos_t[i]), 4),
                    "bm25": round(float(bm[i]), 4),
                },
            )
        )
    order = sorted(range(n), key=lambda i: (-ranked[i].score, ranked[i].position))
    ctx = _Context(
        task=tm,
        subquestions=subqs,
        sentences=[sentences[i] for i in order],
        sentence_q=[sent_q[i] for i in order],
        sentence_sub=[sent_sub[i] for i in order],
    )
    return [ranked[i] for i in order], ctx


def rank_items(
    question: str,
    items: Sequence[Any],
    embedder: Any,
    *,
    task: TaskMatch | None = None,
    taxonomy: Taxonomy | None = None,
    weights: Sequence[float] = DEFAULT_WEIGHTS,
) -> list[RankedItem]:
    """Score every provided item against `question`, best first.

    `items`: `ParsedItem`s, `ItemRecord`s (role from `.extra["role"]`, else
    "related") or `(ItemRecord, role)` pairs. Ties keep the file's order.
    """
    ranked, _ctx = _rank(question, items, embedder, task=task, taxonomy=taxonomy, weights=weights)
    return ranked
