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

They are fused by a weighted mean (`answerer.signals`: the signals as named
functions, `DEFAULT_WEIGHTS` fitted on every tuning set by
`benchmarks/fit_rank_weights.py`), so a score means the same in every file
and `fit` (strong / partial / poor, `answerer.fit`) can be read off it. The task signal counts
in proportion to the detected task's confidence: a wrong guess cannot push the
central item down.
When the items come from a search (`modelkb ask`), their search scores are a
fourth signal (`RETRIEVAL_WEIGHT`), so the answer leads with what search
found best. A model whose zoo
task contradicts the question (a text-to-image checkpoint recommended for an
upscaling question) is flagged `poor` whatever its other scores.
"""

from __future__ import annotations


import re
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from answerer import embedcache
from answerer.contrast import ruled_out, ruled_out_loss
from answerer.evidence import MAX_SENTENCES, SentenceFeatures, clip_quote, intent_boost
from answerer.fit import RULED_OUT_REASON, fit_of, ruled_out_fit
from answerer.items import ItemInput, as_candidates, item_task_scores, item_texts, items_task_scores
from answerer.signals import (
    DEFAULT_WEIGHTS,
    dense_signal,
    fuse,
    lexical_signal,
    own_task_labels,
    task_match,
)
from answerer.task_detection import input_misfit
from answerer.taxonomy import (
    Taxonomy,
    TaskMatch,
    detect_task,
    intent_of,
    load_taxonomy,
    split_subquestions,
)
from catalog.records import ItemRecord
from indexer.embedder import Embedder


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
    item_tasks: list[str] = field(default_factory=list)  # task names the item's own text supports
    record: ItemRecord | None = field(default=None, repr=False, compare=False)
    prefix_words: str | None = None  # its zoo prefix as the provided papers spell it (`Candidate.prefix_words`)
    signals: dict[str, float] = field(default_factory=dict, repr=False, compare=False)  # raw inputs

    @property
    def components(self) -> dict[str, float]:
        out = {"dense": self.dense, "lexical": self.lexical, "task": self.task_match}
        if "retrieval" in self.signals:
            out["retrieval"] = self.signals["retrieval"]
        return out


# ------------------------------------------------------------------ sentences

# Split after . ! ? when the next sentence starts with a capital, digit or quote;
# "e.g. semantic", "et al. show", "4.5s" are left alone.
_SENT_BOUNDARY = re.compile(r"(?<=[.!?])(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bet al\.)(?<!\bvs\.)\s+(?=[\"'\u201c(\[]?[A-Z0-9\\])")
_URL = re.compile(r"https?://\S+")


def split_sentences(text: str | None) -> list[str]:
    """Sentences of a summary, each a verbatim substring of it (whitespace-trimmed);
    at most MAX_SENTENCES, each clipped to QUOTE_LIMIT characters ("…" marks a cut)."""
    if not text:
        return []
    out = []
    for chunk in re.split(r"\n\s*\n", text):
        for piece in _SENT_BOUNDARY.split(chunk):
            piece = piece.strip()
            if piece:
                out.append(clip_quote(piece))
                if len(out) >= MAX_SENTENCES:
                    return out
    return out


# ------------------------------------------------------------------- helpers


@dataclass
class RankContext:
    """Everything computed while ranking that composing the answer reuses (in ranked order)."""

    task: TaskMatch
    subquestions: list[str]
    sentences: list[list[str]]  # per item
    sentence_q: list[np.ndarray]  # per item: cos(question, sentence)
    sentence_sub: list[np.ndarray]  # per item: (n_sub, n_sent) cos(subquestion, sentence)


@dataclass
class Vectors:
    """Embeddings of one ranking: queries, item texts, summary sentences (cosines precomputed)."""

    cos_q: np.ndarray  # per item: question vs item text
    cos_t: np.ndarray  # per item: task description vs item text
    cos_tasks: np.ndarray  # (n_items, n_tasks): item text vs every task profile
    sent_q: list[np.ndarray]  # per item: question vs each sentence
    sent_sub: list[np.ndarray]  # per item: (n_sub, n_sent)
    sent_top: np.ndarray  # per item: mean of its two best sentences vs the question
    sub_cov: np.ndarray  # per item: mean over sub-questions of its best sentence (or text)
    cos_ruled: np.ndarray  # per item: closest clause the question rules out vs item text (-1 without one)
    ruled_which: np.ndarray  # per item: index of that clause


def _embed(
    question: str, subqs: Sequence[str], texts: Sequence[str], sentences: Sequence[Sequence[str]],
    tm: TaskMatch, tax: Taxonomy, embedder: Embedder, ruled: Sequence[str] = (),
) -> Vectors:
    n = len(texts)
    task_query = tm.task.what_it_is()
    queries = [question or "", task_query, *subqs]
    flat = [s for sents in sentences for s in sents]
    vectors = embedcache.encode(embedder, [*queries, *texts, *flat, *ruled])
    qv, tv, sv = vectors[0], vectors[1], vectors[2 : len(queries)]
    item_v = vectors[len(queries) : len(queries) + n]
    sent_v = vectors[len(queries) + n : len(vectors) - len(ruled)]
    cos_ruled = item_v @ vectors[len(vectors) - len(ruled):].T if ruled else np.full((n, 1), -1.0)
    cos_q = (item_v @ qv).astype(np.float64)
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
            sent_top[i] = float(np.sort(sq)[::-1][:2].mean())
        if len(sv):
            # how well the item covers *each* sub-question: its best sentence (or its
            # whole text) per sub-question, averaged, so an item answering the
            # "what training data?" part counts even if it misses the "how?" part
            best = cos_sub_doc[i].copy()
            if len(sents):
                best = np.maximum(best, sub.max(axis=1))
            sub_cov[i] = float(best.mean())
    return Vectors(
        cos_q=cos_q,
        cos_t=(item_v @ tv).astype(np.float64),
        cos_tasks=(item_v @ tax.task_embeddings(embedder).T).astype(np.float64),
        sent_q=sent_q, sent_sub=sent_sub, sent_top=sent_top, sub_cov=sub_cov,
        cos_ruled=cos_ruled.max(axis=1).astype(np.float64), ruled_which=cos_ruled.argmax(axis=1),
    )


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


def _display_evidence(
    i: int, sentences: list[str], v: Vectors, feats: SentenceFeatures, ev_lex: list[float],
    ev_intents: set[str], lo: int, has_subqs: bool,
) -> list[str]:
    """The item's best sentences for display (not a ranking signal): the question's
    specific words, no generic problem statements, tiny sentences or links."""
    if not sentences:
        return []
    sq = v.sent_q[i]
    score = 0.6 * sq + 0.4 * v.sent_sub[i].max(axis=0) if has_subqs else sq
    score = np.asarray(score, dtype=np.float64) + np.array(
        [0.25 * ev_lex[lo + m] * min(1.0, max(0.0, float(sq[m])) / 0.5) + feats.prior(s, "choose")
         + max((intent_boost(feats.intent_hits(it, s)) for it in ev_intents), default=0.0)
         for m, s in enumerate(sentences)]
    )
    return _pick_evidence(sentences, score)


# --------------------------------------------------------------------- ranking


def rank_with_context(
    question: str,
    items: Sequence[ItemInput],
    embedder: Embedder,
    *,
    task: TaskMatch | None = None,
    taxonomy: Taxonomy | None = None,
    weights: Sequence[float] = DEFAULT_WEIGHTS,
    subquestions: Sequence[str] | None = None,
    retrieval: Sequence[float] | None = None,
) -> tuple[list[RankedItem], RankContext]:
    """Rank the items and keep what composing the answer reuses (sentences and their cosines).

    `retrieval`: one search score in [0, 1] per item when the items were retrieved.
    """
    tax = taxonomy or load_taxonomy()
    cands = as_candidates(items, tax)
    subqs = list(subquestions) if subquestions is not None else split_subquestions(question)
    tm = task or detect_task(question, cands, embedder, tax, subquestions=subqs, relevance=retrieval)
    n = len(cands)
    if n == 0:
        return [], RankContext(tm, subqs, [], [], [])
    sentences = [split_sentences(c.record.summary) for c in cands]
    texts = item_texts(cands, tax)
    ruled = ruled_out(question)
    v = _embed(question, subqs, texts, sentences, tm, tax, embedder, ruled)
    conf = tm.confidence
    dense = dense_signal(v, conf if tm.in_glossary else 0.0)  # an abstained task has no description to compare
    lexical, bm = lexical_signal(question, tm, texts)
    q_weights = tm.weights()
    # what each item is about, for its label and fit: a paper that is a provided model's own paper
    # also takes that model's task (ranking on these scores as well gained nothing and cost a
    # file's order where the task was wrong, so the ranking keeps each item's own words)
    plain = [item_task_scores(c.record, tax, c.prefix_words) for c in cands]
    own = items_task_scores(cands, tax, plain)
    # an item that uses the task's name (named in the items' own words) matches it; a task that
    # cannot take what the user gives (speech recognition when they type a sentence) is no near match
    misfit = input_misfit(question, tax) - set(q_weights)

    def match_all(about: list[tuple[dict[str, float], str]]) -> np.ndarray:
        return np.array([max(task_match({t: s for t, s in scores.items() if t not in misfit}, q_weights, tax),
                             tm.uses.get(c.name, 0.0))
                         for c, (scores, _src) in zip(cands, about)])

    matches, shown = match_all(plain), match_all(own)
    retr = None if retrieval is None else np.clip(np.asarray(retrieval, dtype=np.float64), 0.0, 1.0)
    # what the user rules out ("rather than ...") is taken off; a score stays in [0, 1]
    fused = np.maximum(fuse(dense, lexical, matches, conf, weights, retr) - ruled_out_loss(v.cos_ruled, v.cos_q), 0.0)

    flat = [s for sents in sentences for s in sents]
    feats = SentenceFeatures(flat, tax)
    ev_lex = feats.lexical(question)
    ev_intents = {intent_of(q) for q in subqs}
    offsets = np.cumsum([0, *(len(s) for s in sentences)]).tolist()

    ranked: list[RankedItem] = []
    ids = list(tax.tasks)
    for i, c in enumerate(cands):
        scores, source = own[i]
        labels = own_task_labels(scores, source, v.cos_tasks[i], tax)
        nearest = tm.task.id in tax.tasks and ids[int(np.argmax(v.cos_tasks[i]))] == tm.task.id
        fit, reason = fit_of(float(fused[i]), float(shown[i]), source, labels, tm, float(v.cos_q[i]),
                           float(v.cos_t[i]), nearest)
        signals = {
            "cos_question": round(float(v.cos_q[i]), 4),
            "cos_sentences": round(float(v.sent_top[i]), 4),
            "cos_subquestions": round(float(v.sub_cov[i]), 4),
            "cos_task": round(float(v.cos_t[i]), 4),
            "bm25": round(float(bm[i]), 4),
        }
        if ruled:
            signals["cos_ruled_out"] = round(float(v.cos_ruled[i]), 4)
            if v.cos_ruled[i] - v.cos_q[i] >= RULED_OUT_REASON:
                fit, reason = ruled_out_fit(fit, labels, ruled[int(v.ruled_which[i])])
        if retr is not None:
            signals["retrieval"] = round(float(retr[i]), 4)
        r = c.record
        ranked.append(
            RankedItem(
                name=r.name, kind=r.kind, role=c.role, key=r.key or "",
                score=round(float(fused[i]), 4),
                dense=round(float(dense[i]), 4),
                lexical=round(float(lexical[i]), 4),
                task_match=round(float(matches[i]), 4),
                fit=fit, fit_reason=reason,
                paper_url=r.paper_url, github_url=r.github_url,
                evidence=_display_evidence(i, sentences[i], v, feats, ev_lex, ev_intents, offsets[i], bool(subqs)),
                position=c.position, item_tasks=labels, record=r, prefix_words=c.prefix_words, signals=signals,
            )
        )
    order = sorted(range(n), key=lambda i: (-ranked[i].score, ranked[i].position))
    ctx = RankContext(
        task=tm,
        subquestions=subqs,
        sentences=[sentences[i] for i in order],
        sentence_q=[v.sent_q[i] for i in order],
        sentence_sub=[v.sent_sub[i] for i in order],
    )
    return [ranked[i] for i in order], ctx


def rank_items(
    question: str,
    items: Sequence[ItemInput],
    embedder: Embedder,
    *,
    task: TaskMatch | None = None,
    taxonomy: Taxonomy | None = None,
    weights: Sequence[float] = DEFAULT_WEIGHTS,
    retrieval: Sequence[float] | None = None,
) -> list[RankedItem]:
    """Score every provided item against `question`, best first.

    `items`: `ParsedItem`s, `ItemRecord`s (role from `.extra["role"]`, else
    "related") or `(ItemRecord, role)` pairs. Ties keep the file's order.
    """
    ranked, _ctx = rank_with_context(question, items, embedder, task=task, taxonomy=taxonomy,
                                     weights=weights, retrieval=retrieval)
    return ranked
