"""Question + provided items -> a structured, grounded answer.

The answer is data (`Answer`), rendered by `answerer.render`. It holds:

1. the task, named precisely from the taxonomy, with its description;
2. the workflow — concrete input (the taxonomy's typical input, made specific
   with the question's own words), the leading item(s) and what they do (the
   architecture glossary for zoo models, verbatim summary sentences for
   papers), the concrete output; then every other fitting item, most
   relevant first, with its score and evidence;
3. each sub-question with the summary sentences that address it;
4. references: every provided item, ranked, with its links as given.

Nothing outside the provided items is cited and no link is made up: the
composed answer is checked by `answerer.grounding.check_grounding` and
`GroundingError` is raised if it ever fails (it cannot, by construction —
the check guards against regressions).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from answerer import embedcache
from answerer.evidence import SentenceFeatures, intent_boost
from answerer.grounding import GroundingError, check_grounding
from answerer.rank import DEFAULT_WEIGHTS, RankedItem, _rank
from answerer.taxonomy import (
    UNSPECIFIED_TASK,
    Taxonomy,
    TaskMatch,
    detect_intent,
    detect_task,
    intent_of,
    with_article as _a,
    load_taxonomy,
    split_subquestions,
    zoo_parts,
)


# --------------------------------------------------------------------- types


@dataclass
class TaskInfo:
    id: str
    name: str  # precise, qualified: "single-image super-resolution (face upscaling)"
    base_name: str  # the taxonomy name: "single-image super-resolution"
    qualifier: str | None
    description: str
    input: str
    output: str
    confidence: float
    matched: list[str] = field(default_factory=list)  # question words that named it
    related: list[str] = field(default_factory=list)  # other tasks the question touches


@dataclass
class WorkflowStep:
    """One step of input -> model -> output; `item` names the provided item it uses."""

    stage: str  # input | model | output
    text: str
    item: str | None = None
    kind: str | None = None
    score: float | None = None
    fit: str | None = None
    evidence: list[str] = field(default_factory=list)


@dataclass
class SupportingItem:
    name: str
    kind: str
    role: str
    score: float
    fit: str
    fit_reason: str
    evidence: list[str] = field(default_factory=list)


@dataclass
class Workflow:
    steps: list[WorkflowStep]
    flow: str  # one line: "a blurry CCTV still → FeatSharp → an upscaled image"
    supporting: list[SupportingItem] = field(default_factory=list)
    set_aside: list[SupportingItem] = field(default_factory=list)  # poor fits, with why
    notes: list[str] = field(default_factory=list)


@dataclass
class Evidence:
    sentence: str  # verbatim from the item's summary
    item: str  # the provided item it came from
    score: float


@dataclass
class SubAnswer:
    question: str
    intent: str
    evidence: list[Evidence] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # glossary knowledge about provided models


@dataclass
class Reference:
    rank: int
    name: str
    kind: str
    role: str
    score: float
    fit: str
    paper_url: str | None
    github_url: str | None


@dataclass
class Answer:
    question: str
    task: TaskInfo
    intent: str
    intents: list[str]
    ranking: list[RankedItem]
    workflow: Workflow
    subquestions: list[SubAnswer]
    references: list[Reference]
    notes: list[str] = field(default_factory=list)
    source: str | None = None  # path of the prompt file, when known

    @property
    def leading(self) -> list[str]:
        return [s.item for s in self.workflow.steps if s.stage == "model" and s.item]


# ------------------------------------------------------------- input phrase

_OBJECT_VERB = re.compile(
    r"\b(?:made|created|generated|produced|rendered|designed|took|shot|photographed|captured|"
    r"doubled the size of|doubled|tripled|upscaled|enlarged|enhanced|restored|repaired|edited|"
    r"scanned|uploaded|fed it|gave it|ran|processed|handled|fixed|colori[sz]ed|removed|deblurred|"
    r"sharpened|animated|denoised|brightened|converted|turned|cleaned up|zoomed into|zoomed in on|"
    r"segmented|cut out|have|had|got)\s+",
    re.IGNORECASE,
)
_STOP_CLAUSE = re.compile(r"[.,;:!?()\u2014\u2013\"\u201c\u201d]|\s-\s|--")
_CUT_AFTER_AND = {
    "even", "the", "it", "its", "then", "i", "my", "a", "an", "they", "he", "she", "we", "you",
    "now", "suddenly", "also", "still", "got", "was", "is", "looked", "became", "that", "this",
}
_CUT_WORDS = {"that", "which", "so", "but", "because", "until", "when", "while", "where", "who", "using", "into"}
_TRAILING = {"well", "perfectly", "nicely", "beautifully", "too", "again", "instantly", "quickly"}
_ARTICLES = {"a", "an", "the", "my", "some", "this", "that", "these", "those", "our", "several", "old"}


def input_phrase(question: str) -> str | None:
    """What the user fed in or made, in their own words ("a blurry CCTV still"), or None."""
    for m in _OBJECT_VERB.finditer(question or ""):
        rest = question[m.end():]
        stop = _STOP_CLAUSE.search(rest)
        clause = rest[: stop.start()] if stop else rest
        words = clause.split()
        out: list[str] = []
        for i, w in enumerate(words):
            low = w.lower()
            if low in _CUT_WORDS and out:
                break
            if low == "and" and i + 1 < len(words) and words[i + 1].lower() in _CUT_AFTER_AND:
                break
            out.append(w)
            if len(out) >= 12:
                break
        while out and (out[-1].lower() in _TRAILING or out[-1].lower().endswith("ly") and len(out) > 2
                       or out[-1].lower() in {"and", "with", "of", "to", "in", "on", "for"}):
            out.pop()
        if len(out) < 2 and not (out and out[0].lower() not in _ARTICLES):
            continue
        if out and out[0].lower() in {"to", "it", "that", "been", "no", "never", "not"}:
            continue
        return " ".join(out) if out else None
    return None


# ------------------------------------------------------------------ helpers


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if not text or text[-1] in ".!?" else text + "."


def _short(text: str, limit: int = 60) -> str:
    """A phrase-length version of a taxonomy input/output for the one-line flow."""
    text = " ".join(text.split())
    head = re.split(r"[(;,]| \u2014 | - ", text)[0].strip()
    if len(head) > limit:
        shorter = re.split(r" with | that | which ", head)[0].strip()
        if len(shorter.split()) >= 4:
            head = shorter
    return head if len(head) <= limit else head[: limit - 1].rsplit(" ", 1)[0] + "\u2026"


def _model_text(r: RankedItem, tm: TaskMatch, tax: Taxonomy) -> str:
    """What a leading item does: glossary for zoo models, its summary's own words for papers."""
    record = r.record
    if r.kind == "model":
        prefix, arch, variant = zoo_parts(record, tax)
        entry = tax.lookup(arch) if arch else tax.lookup(r.name)
        parts = []
        if entry is not None and entry.kind != "dataset":
            parts.append(f"{_a(entry.name)} model. {_sentence(entry.summary)}")
        elif tm.task.id == UNSPECIFIED_TASK.id:
            parts.append(f"{_a(arch)} model." if arch else "a model.")
        elif arch:
            parts.append(f"{_a(arch)} model for {tm.task.name}.")
        else:
            parts.append(f"a model for {tm.task.name}.")
        if variant:
            v_entry = tax.lookup(variant)
            if v_entry is not None and v_entry.kind == "dataset":
                parts.append(
                    f"The variant name \u201c{variant}\u201d points to the {v_entry.name} dataset: "
                    f"{_sentence(v_entry.summary)}"
                )
            else:
                parts.append(
                    f"\u201c{variant}\u201d names this particular checkpoint (a fine-tuned variant); "
                    "the prompt file gives no further details about it."
                )
        if r.evidence:
            parts.append("From its summary: " + " ".join(f"\u201c{e}\u201d" for e in r.evidence))
        return " ".join(parts)
    if r.evidence:
        return "From its summary: " + " ".join(f"\u201c{e}\u201d" for e in r.evidence)
    return "No summary was provided for this paper; it is listed for its title."


def _leading(ranking: list[RankedItem]) -> list[RankedItem]:
    """The item(s) the workflow is built around: the best fit; when a paper leads,
    also the best-fitting model close behind it (the tool that runs the method)."""
    fitting = [r for r in ranking if r.fit != "poor"] or ranking[:1]
    lead = [fitting[0]]
    if lead[0].kind != "model":
        for r in fitting[1:]:
            if r.kind == "model" and r.fit == "strong" and r.score >= 0.85 * lead[0].score:
                lead.append(r)
                break
    return lead


#: What a sentence that answers a given kind of sub-question talks about. Its
#: similarity to the candidate sentence is an "aspect" signal next to the
#: sub-question's own words, which are dominated by the topic ("realistic blur"):
#: a "what training data?" question wants sentences about data, not about blur.
ASPECT_PROBES = {
    "training_data": "The model is trained on a large dataset of paired training images, "
                     "collected from real captures or synthesized, with ground truth for each example.",
    "architecture": "The network architecture is an encoder-decoder, a U-Net, a convolutional network, "
                    "a transformer or a diffusion model with attention layers and multi-scale modules.",
    "compare": "Compared with earlier methods, this approach is faster, more accurate and behaves differently.",
    "choose": "The proposed model achieves state-of-the-art results and runs fast in practice.",
}


def _subanswers(
    ranking: list[RankedItem],
    ctx: Any,
    embedder: Any,
    question: str,
    tax: Taxonomy,
) -> list[SubAnswer]:
    subqs: list[str] = ctx.subquestions
    intents = [intent_of(q) for q in subqs]
    probes = {i: ASPECT_PROBES[i] for i in dict.fromkeys(intents) if i in ASPECT_PROBES}
    flat = [s for sents in ctx.sentences for s in sents]
    aspect: dict[str, np.ndarray] = {}
    if probes and flat:
        vecs = embedcache.encode(embedder, [*probes.values(), *flat])
        for n, name in enumerate(probes):
            aspect[name] = vecs[len(probes):] @ vecs[n]
    feats = SentenceFeatures(flat, tax)
    out: list[SubAnswer] = []
    used: set[str] = set()
    for j, sq in enumerate(subqs):
        intent = intents[j]
        lex = feats.lexical(sq)
        cands: list[tuple[float, str, str]] = []
        offset = 0
        for k, r in enumerate(ranking):
            sents = ctx.sentences[k]
            sub = ctx.sentence_sub[k][j] if len(ctx.sentence_sub[k]) > j else ctx.sentence_q[k]
            full = ctx.sentence_q[k]
            for i, s in enumerate(sents):
                score = 0.45 * float(sub[i]) + 0.15 * float(full[i])
                if intent in aspect:
                    score += 0.4 * float(aspect[intent][offset + i])
                else:
                    score += 0.4 * float(sub[i])
                # what the sentence says, not only what it sounds like: the
                # sub-question's specific words, the aspect asked about, no
                # generic problem statement
                score += 0.35 * lex[offset + i] * min(1.0, max(0.0, float(sub[i])) / 0.5)  # shared words count where the meaning is close too
                score += intent_boost(feats.intent_hits(intent, s))
                score += feats.prior(s, intent)
                score *= 0.7 + 0.3 * r.score  # sentences from items that fit weigh more
                if r.fit == "poor":
                    score *= 0.75  # an item set aside should not lead an answer
                if s in used:
                    score -= 0.08  # prefer new evidence for each sub-question
                cands.append((score, s, r.name))
            offset += len(sents)
        cands.sort(key=lambda c: -c[0])
        chosen: list[Evidence] = []
        per_item: dict[str, int] = {}
        for score, s, name in cands:
            if chosen and (score < 0.8 * chosen[0].score or score < 0.15):
                break
            if per_item.get(name, 0) >= 2:
                continue
            per_item[name] = per_item.get(name, 0) + 1
            chosen.append(Evidence(sentence=s, item=name, score=round(score, 4)))
            if len(chosen) >= 3:
                break
        used.update(e.sentence for e in chosen)
        notes = []
        if intent in ("architecture", "choose", "training_data"):
            for r in ranking:
                if r.kind != "model" or r.fit == "poor":
                    continue
                _prefix, arch, variant = zoo_parts(r.record, tax)
                entry = tax.lookup(arch) if arch else None
                v_entry = tax.lookup(variant) if variant else None
                if intent == "training_data" and v_entry is not None and v_entry.kind == "dataset":
                    notes.append(
                        f"{r.name}: its variant name points to the {v_entry.name} dataset \u2014 "
                        f"{_sentence(v_entry.summary)}"
                    )
                elif intent in ("architecture", "choose") and entry is not None and entry.kind != "dataset":
                    notes.append(f"{r.name}: {_a(entry.name)} model \u2014 {_sentence(entry.summary)}")
        out.append(SubAnswer(question=sq, intent=intent, evidence=chosen, notes=notes))
    return out


# ------------------------------------------------------------------ compose


def compose(
    question: Any,
    items: Sequence[Any] | None = None,
    embedder: Any = None,
    source: str | None = None,
    *,
    taxonomy: Taxonomy | None = None,
    weights: Sequence[float] = DEFAULT_WEIGHTS,
) -> Answer:
    """Rank the provided items against the question and build the grounded answer.

    `question` is the question text or a `ParsedDocument` (then `items`
    defaults to its items and `source` to its text). `source` is the prompt
    file's text: every link in the answer must occur in it or in the items.
    """
    doc_path = None
    if not isinstance(question, str) and hasattr(question, "question"):
        doc = question
        items = list(doc.items) if items is None else items
        source = source if source is not None else (getattr(doc, "text", None) or None)
        doc_path = getattr(doc, "path", None)
        question = doc.question
    if embedder is None:
        raise ValueError("compose() needs an embedder")
    items = list(items or [])
    question = " ".join(str(question or "").split())
    tax = taxonomy or load_taxonomy()
    tm = detect_task(question, items, embedder, tax)
    subqs = split_subquestions(question)
    ranking, ctx = _rank(question, items, embedder, task=tm, taxonomy=tax, weights=weights,
                         subquestions=subqs)
    intents = [intent_of(q) for q in subqs] or ["explain"]
    intent = detect_intent(question)

    task = TaskInfo(
        id=tm.task.id,
        name=tm.name,
        base_name=tm.task.name,
        qualifier=tm.qualifier,
        description=tm.task.description,
        input=tm.task.input,
        output=tm.task.output,
        confidence=tm.confidence,
        matched=list(tm.matched),
        related=[t.name for t in tm.secondary],
    )

    notes: list[str] = []
    workflow = _workflow(question, ranking, tm, tax, notes)
    subanswers = _subanswers(ranking, ctx, embedder, question, tax)
    references = [
        Reference(rank=i + 1, name=r.name, kind=r.kind, role=r.role, score=r.score, fit=r.fit,
                  paper_url=r.paper_url, github_url=r.github_url)
        for i, r in enumerate(ranking)
    ]
    answer = Answer(
        question=question,
        task=task,
        intent=intent,
        intents=intents,
        ranking=ranking,
        workflow=workflow,
        subquestions=subanswers,
        references=references,
        notes=notes,
        source=doc_path,
    )
    problems = check_grounding(answer, source if source else items, items=items)
    if problems:
        raise GroundingError(problems)
    return answer


def _workflow(
    question: str, ranking: list[RankedItem], tm: TaskMatch, tax: Taxonomy, notes: list[str]
) -> Workflow:
    task = tm.task
    if not ranking:
        notes.append("The prompt file provides no models or papers, so no workflow can be grounded.")
        return Workflow(steps=[
            WorkflowStep("input", _sentence(task.input[0].upper() + task.input[1:])),
            WorkflowStep("output", _sentence(task.output[0].upper() + task.output[1:])),
        ], flow="")
    lead = _leading(ranking)
    phrase = input_phrase(question)
    input_text = _sentence(task.input[0].upper() + task.input[1:])
    if phrase:
        template = task.input_template or "{phrase}"
        if template.strip() == "{phrase}":
            input_text += " In your case: " + _sentence(phrase)
        else:
            input_text += " In your case, " + _sentence(template.replace("{phrase}", phrase))
    steps = [WorkflowStep("input", input_text)]
    for r in lead:
        steps.append(
            WorkflowStep(
                "model",
                _model_text(r, tm, tax),
                item=r.name,
                kind=r.kind,
                score=r.score,
                fit=r.fit,
                evidence=list(r.evidence),
            )
        )
    output_text = _sentence(task.output[0].upper() + task.output[1:])
    lead_model = next((r for r in lead if r.kind == "model"), None)
    if lead_model is not None:
        _p, arch, _v = zoo_parts(lead_model.record, tax)
        entry = tax.lookup(arch) if arch else None
        if entry is not None and entry.output and entry.kind != "dataset":
            output_text += f" Typical for {entry.name}: {_sentence(entry.output)}"
    steps.append(WorkflowStep("output", output_text))

    lead_names = {r.name for r in lead}
    supporting = [
        SupportingItem(r.name, r.kind, r.role, r.score, r.fit, r.fit_reason, list(r.evidence))
        for r in ranking if r.name not in lead_names and r.fit != "poor"
    ]
    set_aside = [
        SupportingItem(r.name, r.kind, r.role, r.score, r.fit, r.fit_reason, list(r.evidence))
        for r in ranking if r.name not in lead_names and r.fit == "poor"
    ]
    wf_notes: list[str] = []
    named = task.id != UNSPECIFIED_TASK.id
    for r in ranking:
        if named and r.role == "recommended" and r.fit == "poor":
            notes.append(
                f"The recommended model {r.name} is {r.fit_reason.split(':')[0]}; "
                f"it does not perform {task.name}, so it is ranked below the items that fit "
                "and is not part of the workflow."
            )
    if named and not any(r.fit == "strong" for r in ranking):
        wf_notes.append(
            f"None of the provided items is a dedicated {task.name} model; the workflow below "
            "is built from the closest provided item(s)."
        )
    first_input = phrase or _short(task.input)
    flow = " \u2192 ".join([first_input, " + ".join(r.name for r in lead), _short(task.output)])
    return Workflow(steps=steps, flow=flow, supporting=supporting, set_aside=set_aside, notes=wf_notes)


__all__ = [
    "Answer",
    "Evidence",
    "GroundingError",
    "Reference",
    "SubAnswer",
    "SupportingItem",
    "TaskInfo",
    "Workflow",
    "WorkflowStep",
    "compose",
    "input_phrase",
]
