"""Which task a question is about, from the evidence, with a calibrated confidence.

The world of AI tasks is open; the glossary (`data/tasks.json`) is not. So a
glossary task is named only when the evidence supports it:

- **words** — the task's names and aliases (strong) and cue words (weak) in
  the question (stemmed phrase matching);
- **meaning** — embedding similarity of the question and each sub-question to
  each task's profile (name, description, aliases);
- **items** — what the provided items themselves are about
  (`answerer.item_evidence`): a zoo prefix names a model's task for certain,
  a paper's own title and summary name theirs, each item weighted by its
  closeness to the question and its role.

The witnesses are gathered in `answerer.task_evidence` and weighed by its
`GLOSSARY_WEIGHTS`.

The items' own task names (`answerer.open_task`: "sign language
recognition" from two titles) compete with the glossary tasks on the same
evidence: one that beats the glossary's best is the heading, named as the
items write it and claiming no glossary family.

`confidence` is a calibrated estimate that the named task is right, read off
the winning score and its margin over the best task of *another family* (an
image heading on an audio question is the worst mistake; a task the glossary
does not name may be of any family), and lowered when none of the items
closest to the question is about the task (`DISAGREEING`). Below
`MIN_CONFIDENCE` no glossary task is asserted: the task is named from the
items when they and the question agree, else in the items' own words when
such a name is close behind (`OPEN_FALLBACK`), else the answer says plainly
that it is outside the glossary.
"""

from __future__ import annotations

import math
import re
from typing import Sequence

import numpy as np

from answerer import embedcache
from answerer.contrast import ruled_out
from answerer.evidence import content_stems
from answerer.item_evidence import ROLE_WEIGHT, resembles
from answerer.open_task import MIN_ITEMS, OpenTask, open_tasks
from answerer.items import ItemInput
from answerer.phrases import find_phrases, matched_words, norm_key, phrase_stems, stems
from answerer.task_evidence import GLOSSARY_WEIGHTS, glossary_evidence
from answerer.taxonomy_loader import load_taxonomy
from answerer.task_match import OUTSIDE_GLOSSARY, UNSPECIFIED_TASK, TaskMatch
from answerer.tasks import ALIAS_WEIGHT, Task, Taxonomy
from indexer.embedder import Embedder


#: Confidence factor when only the meaning supports the task (no task word, no item about it).
SOLE_MEANING = 0.6
#: Tasks scoring at least this share of the best are still open when confidence is low.
CONTENDER_RATIO = 0.8
#: Confidence factor when none of the items closest to the question is about the task.
DISAGREEING = 0.7
#: Below MIN_CONFIDENCE, a task name the items use is the heading when it scores at least this
#: share of the glossary's best (else the answer abstains).
OPEN_FALLBACK = 0.6
#: Confidence of such a fallback name, times its share of the glossary's best: the items that
#: use it count a little in the ranking.
FALLBACK_CONF = 0.3
#: Below this confidence no glossary task is asserted.
MIN_CONFIDENCE = 0.35
#: Below this support from the items, a task the question's words or meaning favour is no better
#: placed than a close contender the items are about.
UNSUPPORTED = 0.05
#: A more specific task name must be used by at least `MIN_ITEMS` of this many items closest
#: to the question to replace the glossary task's name (`_more_specific`).
SPECIFIC_ITEMS = 4
#: Confidence factor of a glossary task that none of the items closest to the question resembles.
UNRESEMBLED = 0.4


def _qualifier(question: str, task: Task, taxonomy: Taxonomy) -> str | None:
    words = stems(question)
    subject = None
    generic = None
    implied = {phrase_stems(c) for c in (*task.aliases, *task.cues)}
    for facet in taxonomy.subjects:  # listed most specific first
        if not facet.qualifies(task) or not find_phrases(words, [(c, 1.0) for c in facet.cues]):
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
        if facet.qualifies(task) and find_phrases(words, [(c, 1.0) for c in facet.cues]):
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


def _qualified_task(qualifier: str | None, task: Task, tax: Taxonomy) -> Task | None:
    """The glossary task the qualified name is, when it has one: "image inpainting" qualified by
    the question's "video" is "video inpainting", a task of its own (and of the video family)."""
    if not qualifier:
        return None
    key = phrase_stems(qualifier)
    for other in tax.specializations(task.gerund):
        if other == task.id:
            continue
        names = [phrase_stems(n) for n in (tax.tasks[other].name, *tax.tasks[other].aliases)]
        if any(len(n) >= 2 and key[-len(n):] == n for n in names):
            return tax.tasks[other]
    return None


def _open_match(named: tuple[OpenTask, float], tax: Taxonomy, ranked: Sequence[str], scores: dict[str, float],
                claim_parent: bool) -> TaskMatch:
    """The task named in the items' own words; its confidence is its margin over the glossary's best."""
    o, s = named
    top = scores[ranked[0]]
    return TaskMatch(task=o.as_task(tax, claim_parent=claim_parent), qualifier=None, uses=dict(o.uses),
                     confidence=round(_confidence(s, top, top) if s > top else FALLBACK_CONF * s / top, 4),
                     scores={t: round(scores[t], 4) for t in ranked[:6]}, source="items",
                     evidence=[f"the provided {o.items[0]} (its own words)"],
                     guess={t: round(scores[t] / s, 4) for t in ranked[:3] if s > 0 and scores[t] >= 0.5 * s})


def _more_specific(match: TaskMatch, phrases: Sequence[tuple[OpenTask, float]], question_vec: np.ndarray | None,
                   embedder: Embedder | None, cands: Sequence, closeness: Sequence[float], tax: Taxonomy,
                   ranked: Sequence[str], scores: dict[str, float]) -> TaskMatch:
    """The glossary task, or a more specific name for the question's task that the items use.

    A glossary entry is a broad heading ("optical character recognition", "audio classification
    and sound event detection"); the papers closest to a question often name the precise task
    ("scene text detection", "sound event localization and detection", "symbolic regression").
    Such a name replaces the glossary's when two or more of the `SPECIFIC_ITEMS` items closest to
    the question use it, it says more than the glossary task's own names, and the question is at
    least as close in meaning to it as to the glossary task's name. The glossary task still
    supplies input and output when the name is a kind of it; a name under another glossary task
    does not replace this one.
    """
    if question_vec is None or embedder is None or not phrases or match.task.id not in tax.tasks:
        return match
    task = match.task
    order = sorted(range(len(cands)), key=lambda i: -closeness[i])[:SPECIFIC_ITEMS]
    closest = {cands[i].name for i in order}
    own = set(phrase_stems(task.name.split("(")[0])).union(*(phrase_stems(a) for a in task.aliases))
    options = [(o, s) for o, s in phrases
               if o.parent in (None, task.id) and len(closest.intersection(o.items)) >= MIN_ITEMS
               and not set(o.key) <= own]
    if not options:
        return match
    vecs = embedcache.encode(embedder, [task.name, *(o.name for o, _s in options)])
    base = float(vecs[0] @ question_vec)
    close = [(float(v @ question_vec), o, s) for v, (o, s) in zip(vecs[1:], options)]
    fits = [(c, o, s) for c, o, s in close if c >= base]
    if not fits:
        return match
    _c, o, s = max(fits, key=lambda x: (x[2], x[0]))
    under = o.parent == task.id
    return TaskMatch(task=o.as_task(tax, claim_parent=under), qualifier=None, uses=dict(o.uses),
                     confidence=match.confidence if under else round(min(match.confidence, FALLBACK_CONF), 4),
                     scores=match.scores, source="items",
                     evidence=[f"the provided {o.items[0]} and {len(o.items) - 1} more (their own words)"],
                     guess={t: round(scores[t] / max(s, 1e-9), 4) for t in ranked[:3] if scores[t] >= 0.5 * s})


def _confidence(top: float, other_family: float, runner: float) -> float:
    """Estimated probability that the top task is right, from its score and its margins
    over the best task of another family and over the runner-up."""
    if top <= 0:
        return 0.0
    strength = 1.0 - math.exp(-top / 0.35)
    margin_family = (top - other_family) / top  # 0 = another family is as likely
    margin = (top - runner) / top
    return float(np.clip(strength * (0.25 + 0.6 * margin_family + 0.3 * margin), 0.0, 1.0))


#: Words that say nothing about the task ("which model is best?").
_GENERIC = frozenset("model best network method tool paper work option choic recommend".split())


def detect_task(
    question: str,
    items: Sequence[ItemInput] = (),
    embedder: Embedder | None = None,
    taxonomy: Taxonomy | None = None,
    *,
    subquestions: Sequence[str] = (),
    relevance: Sequence[float] | None = None,
) -> TaskMatch:
    """Name the task the question is about, or abstain when the evidence is weak.

    `relevance` (one value in [0, 1] per item) replaces the embedding closeness
    of each item to the question, e.g. the search scores of retrieved items.

    What the question rules out ("rather than guessing depth from a single picture") counts
    against the tasks and items closer to it than to the question, but it may only refine the
    task within what the whole question says: a heading it would move to another family is not
    taken ("instead of a dedicated forecaster" rules out a method, not forecasting).
    """
    tax = taxonomy or load_taxonomy()
    plain = _detect(question, items, embedder, tax, subquestions, relevance, discount_ruled_out=False)
    if embedder is None or not ruled_out(question):
        return plain
    refined = _detect(question, items, embedder, tax, subquestions, relevance, discount_ruled_out=True)
    return plain if refined.family and refined.family != plain.family else refined


#: A question that asks to find or judge something in what it has ("detects when a song's chorus
#: starts", "tell me whether this photo is fake") and never to make anything.
_ANALYSE = re.compile(r"\b(?:detect(?:s|ed|ing)?|recogni[sz]e[sd]?|identif(?:y|ies|ied)|classif(?:y|ies|ied)|"
                      r"spot(?:s|ted)?|flag(?:s|ged)?|tells? (?:me |us )?(?:if|whether|which|when|where|who))\b",
                      re.IGNORECASE)
_SYNTHESISE = re.compile(r"\b(?:generat\w*|creat\w*|mak(?:e|es|ing)|made|compos\w*|produc\w*|turn\w*|writ\w*|"
                         r"wrote|draw\w*|render\w*|synthesi[sz]\w*|design\w*|animat\w*|paint\w*|sing\w*|"
                         r"convert\w*|transform\w*|edit\w*|fill\w*|add\w*|remov\w*|restor\w*|enhanc\w*|"
                         r"upscal\w*|translat\w*|dub\w*|clon\w*|imitat\w*|continu\w*)\b", re.IGNORECASE)
_MAKES = re.compile(r"\b(?:generation|synthesis)\b|\w-to-\w", re.IGNORECASE)


def _analysis_for_synthesis(question: str, task_name: str) -> bool:
    """The question asks only to analyse (detect, recognise, classify), the task makes something new:
    whatever the words and items say, that task is not what is asked."""
    return (bool(_MAKES.search(task_name)) and bool(_ANALYSE.search(question))
            and not _SYNTHESISE.search(question))


#: The user gives the model words of their own: types them, tells or asks it something quoted,
#: says it "in plain words" ("Can I just type what I want found?"). Not "says 'hey lamp'" (speech).
_GIVES_TEXT = re.compile(
    r"\b(?:(?:to|can|could|just|i|we|they|you|users?|staff|editors|students|then|and|simply|will|would|"
    r"should|might|like to)\s+type\b(?!\s+of)|typ(?:ed|ing)\b|in (?:plain )?(?:words|english)\b|"
    r"(?:tell|ask|describ|prompt)\w*\s+(?:[\w']+\s+){0,4}['\"\u2018\u201c])",
    re.IGNORECASE)
#: Words in a glossary task's input that say it takes text from the user.
_TEXT_INPUT = re.compile(r"\b(?:text|texts|textual|prompts?|instructions?|quer(?:y|ies)|questions?|captions?|"
                         r"descriptions?|sentences?|words|names?|commands?|language|transcripts?)\b",
                         re.IGNORECASE)
#: A task that takes no text keeps this much of its score when the user gives the model words.
NO_TEXT_INPUT = 0.75


def input_misfit(question: str, tax: Taxonomy) -> frozenset[str]:
    """Tasks whose input cannot be what the question gives: a question where the user types what
    to find ("yellow hard hats") is no closed-vocabulary detection."""
    if not _GIVES_TEXT.search(question):
        return frozenset()
    return frozenset(t.id for t in tax.tasks.values() if not _TEXT_INPUT.search(t.input))


def _detect(question: str, items: Sequence[ItemInput], embedder: Embedder | None, tax: Taxonomy,
            subquestions: Sequence[str], relevance: Sequence[float] | None, *, discount_ruled_out: bool) -> TaskMatch:
    g = glossary_evidence(question, items, embedder, tax, subquestions=subquestions, relevance=relevance,
                          discount_ruled_out=discount_ruled_out)
    cands, ids, matches, kw_raw, qv, ev = g.candidates, g.ids, g.matches, g.keywords, g.question_vec, g.items
    scores: dict[str, float] = {}
    corroborated: dict[str, float] = {}  # how far words or items back what the meaning suggests
    misfit = input_misfit(question, tax)
    for i, t in enumerate(ids):
        score = GLOSSARY_WEIGHTS.score(float(g.words[i]), float(g.meaning[i]), float(g.support[i]))
        scores[t] = score * NO_TEXT_INPUT if t in misfit else score
        corroborated[t] = max(float(g.words[i]), float(g.support[i]))
    # the items' own task names compete with the glossary on the same evidence
    phrases = sorted(((o, GLOSSARY_WEIGHTS.score(o.words, o.meaning, o.support))
                     for o in open_tasks(question, cands, ev.relevance, ROLE_WEIGHT, tax)),
                    key=lambda os_: -os_[1])
    ranked = sorted(ids, key=lambda t: (-scores[t], ids.index(t)))
    best_id = ranked[0]
    top = scores[best_id]
    family = tax.tasks[best_id].family
    runner = scores[ranked[1]] if len(ranked) > 1 else 0.0
    other = next((scores[t] for t in ranked[1:] if tax.tasks[t].family != family or not family), 0.0)
    # a task name the items use competes with the glossary's best: outside the glossary (or under
    # another glossary task) it is a rival; under the best task it is a more specific name for it
    rival = next(((o, s) for o, s in phrases if o.parent != best_id), None)
    if rival is not None and rival[1] > top:
        return _open_match(rival, tax, ranked, scores, claim_parent=False)
    if rival is not None:
        o, s = rival
        if o.parent is not None and tax.tasks[o.parent].family == family:
            runner = max(runner, s)  # a kind of a sibling task: a sibling
        else:
            other = max(other, s)  # a task the glossary does not name may be of any family
    # meaning alone (no task word, no item about it) is one weak witness; a task the items
    # closest to the question are not about is not clearly supported either
    confidence = _confidence(top, other, runner) * (SOLE_MEANING + (1 - SOLE_MEANING) * corroborated[best_id])
    confidence = round(confidence * (DISAGREEING + (1 - DISAGREEING) * ev.agreement(best_id, tax)), 4)
    if confidence >= MIN_CONFIDENCE and not resembles(tax.tasks[best_id], cands, ev.closeness, embedder, tax):
        confidence = round(confidence * UNRESEMBLED, 4)  # what answers the question is not this task
    if confidence >= MIN_CONFIDENCE and _analysis_for_synthesis(question, tax.tasks[best_id].name):
        confidence = round(confidence * UNRESEMBLED, 4)  # "detect when the chorus starts" is no music generation
    top_scores = {t: round(scores[t], 4) for t in ranked[:6]}
    why = []
    hit = matched_words(question, [p for p, _w in matches.get(best_id, [])])
    if hit:
        why.append("the question's words: " + ", ".join(hit))
    if best_id in ev.notes:
        why.append("the provided " + ev.notes[best_id])
    guess = {t: round(scores[t] / top, 4) for t in ranked[:3] if top > 0 and scores[t] >= 0.5 * top}
    if confidence < MIN_CONFIDENCE:
        vague = not matches and len(set(content_stems(question)) - _GENERIC) < 2
        by_items = max(ev.per_task.items(), key=lambda kv: kv[1], default=None)
        # the question leaves several tasks open: name one from the items only when the
        # items, too, are most about the question's likeliest one; when they point to
        # another open task, abstain (a confident wrong heading is the worst mistake)
        contenders = [t for t in ranked[:3] if scores[t] >= CONTENDER_RATIO * top]
        favourite = max(contenders, key=lambda t: ev.per_task.get(t, 0.0))
        named = by_items[0] if vague and by_items else best_id if favourite == best_id else None
        if named is None and favourite != best_id and (
                ev.per_task.get(best_id, 0.0) < UNSUPPORTED
                or any(favourite in tax.specializations(p) for p, w in matches.get(best_id, []) if w >= ALIAS_WEIGHT)):
            # no item is about the likeliest task, or the items' favourite is a kind of it (a
            # "forecast" question with weather papers): the question leaves both open, the items decide
            named = favourite
        # a task name several items use, with more support than the glossary task the items
        # would name and close behind the best, is the better name from the items
        own = phrases[0] if phrases and phrases[0][1] >= OPEN_FALLBACK * top else None
        if (named is not None and own is not None and len(own[0].items) >= MIN_ITEMS
                and own[0].support > ev.per_task.get(named, 0.0)):
            named = None
        if named is not None and not resembles(tax.tasks[named], cands, ev.closeness, embedder, tax):
            named = None  # the items would name it, but what answers the question does not look like it
        if named is not None and _analysis_for_synthesis(question, tax.tasks[named].name):
            named = None
        if own is not None and _analysis_for_synthesis(question, own[0].name):
            own = None
        if named is not None and ev.per_task.get(named, 0.0) >= 0.3 and ev.agreement(named, tax) >= 0.5:
            # the question alone is not enough, but it and what the items are about agree
            # (or the question says nothing and the items are all there is)
            t = tax.tasks[named]
            match = TaskMatch(task=t, qualifier=None, confidence=confidence, scores=top_scores, source="items",
                              evidence=["the provided " + ev.notes[t.id]] if t.id in ev.notes else [], guess=guess)
            return _more_specific(match, phrases, qv, embedder, cands, ev.closeness, tax, ranked, scores)
        if own is not None:
            # no glossary task is clearly supported, but the items name one in their own words
            return _open_match(own, tax, ranked, scores, claim_parent=own[0].parent == best_id)
        # not asserted, but where the question's own words name a glossary task, the answer says so
        named_by = {t: matched_words(question, [p for p, w in matches.get(t, []) if w >= ALIAS_WEIGHT])
                    for t in guess}
        return TaskMatch(task=UNSPECIFIED_TASK if vague and not ev.per_task else OUTSIDE_GLOSSARY, qualifier=None,
                         confidence=confidence, scores=top_scores, source="none", guess=guess,
                         named_by_question={t: words for t, words in named_by.items() if words})
    # "Also touches on X" only where the question names X or a provided item is about X
    # (a close relative of the main task that no item is about is not something the answer touches on)
    secondary = [
        tax.tasks[t]
        for t in ranked[1:4]
        if scores[t] >= 0.55 * top and scores[t] > 0.2
        and (kw_raw.get(t, 0) >= ALIAS_WEIGHT or (tax.related(best_id, t) and ev.per_task.get(t, 0.0) >= 0.3))
    ]
    task = tax.tasks[best_id]
    qualifier = _qualifier(question, task, tax)
    precise = _qualified_task(qualifier, task, tax)
    if precise is not None:
        task, qualifier = precise, None
        secondary = [t for t in secondary if t.id != precise.id]
    match = TaskMatch(
        task=task,
        qualifier=qualifier,
        confidence=confidence,
        scores=top_scores,
        matched=hit,
        secondary=secondary,
        source="glossary",
        evidence=why,
    )
    return _more_specific(match, phrases, qv, embedder, cands, ev.closeness, tax, ranked, scores)
