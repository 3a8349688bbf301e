"""The input -> model -> output workflow of an answer, led by the best-fitting items.

The input is the taxonomy's typical input made specific with the question's
own words; the model step says what the leading item does (the architecture
glossary for zoo models, verbatim summary sentences for papers).
"""

from __future__ import annotations

import re


from answerer.rank import RankedItem
from answerer.items import zoo_parts
from answerer.taxonomy import Taxonomy, TaskMatch, with_article as _a
from answerer.answer import SupportingItem, Workflow, WorkflowStep


# ------------------------------------------------------------- input phrase

_OBJECT_VERB = re.compile(
    r"\b(?:made|created|generated|produced|rendered|designed|took|shot|photographed|captured|"
    r"doubled the size of|doubled|tripled|upscaled|enlarged|enhanced|restored|repaired|edited|"
    r"scanned|uploaded|fed it|gave it|ran|processed|handled|fixed|colori[sz]ed|removed|deblurred|"
    r"sharpened|animated|denoised|brightened|converted|turned|cleaned up|zoomed into|zoomed in on|"
    r"segmented|cut out|have|had|got)\s+",
    re.IGNORECASE,
)
#: Verbs whose object is what the AI produced when the AI is their subject ("it generated a song").
_MADE_BY_AI = re.compile(r"made|created|generated|produced|rendered|designed|animated", re.IGNORECASE)
_AI_SUBJECTS = {"it", "ai", "model", "app", "tool", "that", "which", "they", "this", "program", "software"}
#: Where a clause ends; not inside a number ("20,000 survey answers", "a 2.5 GB scan").
_STOP_CLAUSE = re.compile(r"[;:!?()\u2014\u2013\"\u201c\u201d]|,(?!\d{3}\b)|\.(?!\d)|\s-\s|--")
_CUT_AFTER_AND = {
    "even", "the", "it", "its", "then", "i", "my", "a", "an", "they", "he", "she", "we", "you",
    "now", "suddenly", "also", "still", "got", "was", "is", "looked", "became", "that", "this",
    "no", "not", "nothing",  # "survey answers and no labels": what the user lacks is no input
    "want", "wants", "need", "needs", "would", "ask", "can", "can't",  # "... and want X": what they want
    "her", "his",  # "... of my mum and her face is mush": a new clause
}
_CUT_WORDS = {"that", "which", "so", "but", "because", "until", "when", "while", "where", "who", "using", "into"}
_TRAILING = {"well", "perfectly", "nicely", "beautifully", "too", "again", "instantly", "quickly"}
#: Words a phrase cannot end in ("... falling across the").
_DANGLING = {"and", "with", "of", "to", "in", "on", "for", "the", "a", "an", "through", "across", "from", "at",
             "by", "into", "over"}
_ARTICLES = {"a", "an", "the", "my", "some", "this", "that", "these", "those", "our", "several", "old"}
#: Words before a verb that make it a participle ("a scanned form", "is designed for"): no one did it.
_NOT_A_SUBJECT = {"a", "an", "the", "as", "on", "of", "in", "for", "is", "was", "are", "were", "be", "been",
                  "being", "ready-made"}
#: First words of what follows the verb that say it is no object ("shot at an angle", "made from
#: nothing", "so they can", "I need ...").
_NO_OBJECT = {"of", "from", "for", "at", "into", "in", "by", "away", "back", "out", "so", "i", "we", "them", "him",
              "her", "us", "they", "he", "she", "me"}
#: Past participles after "have": a perfect tense ("would have bought anyway"), not possession.
_PERFECT_PARTICIPLES = {"bought", "been", "done", "seen", "made", "taken", "given", "gone", "got", "run", "written",
                "shown", "tried", "used"}
_ADVERBS = {"only", "ever", "never", "also", "just", "already", "still", "maybe", "really"}
#: Nouns that are also verbs: a verb only after its subject, or an adverb after one ("I shot my
#: dog", "we then shot", not "my drone shot of").
_NOUN_VERBS = {"shot"}
_SUBJECT_WORDS = {"i", "we", "you", "they", "he", "she", "i've", "we've", "i'd", "we'd", "also", "just", "then"}
#: Words that make the verb after them say what the user does *not* have or do ("I don't have pairs").
_NEGATIONS = {"not", "never", "no", "don't", "didn't", "doesn't", "haven't", "hasn't", "hadn't", "can't",
              "cannot", "won't", "wouldn't", "dont", "didnt", "doesnt", "havent"}


def input_phrase(question: str) -> str | None:
    """What the user fed in or made, in their own words ("a blurry CCTV still"), or None."""
    for m in _OBJECT_VERB.finditer(question or ""):
        before = [w.replace("\u2019", "'").strip(",'\"").lower() for w in question[: m.start()].split()[-2:]]
        prev = before[-1] if before else ""
        verb = m.group(0).split()[0].lower()
        if _MADE_BY_AI.fullmatch(m.group(0).strip()) and prev in _AI_SUBJECTS:
            continue  # "it made a little clip": what the AI produced is the output, not the input
        if set(before) & _NEGATIONS:
            continue  # "I don't have pairs of photos": not what was fed in
        if prev in _NOT_A_SUBJECT or (verb in _NOUN_VERBS and prev not in _SUBJECT_WORDS):
            continue  # "a scanned form", "my drone shot of": no one did it
        words = _clause(question[m.end():]).split()
        if _no_object(words, verb):
            continue
        found = _noun_phrase(words)
        if found:
            return found
    return None


def _noun_phrase(words: list[str]) -> str | None:
    """The noun phrase that opens `words`: cut at a new clause, without trailing adverbs or
    prepositions; None when what opens them is no noun phrase."""
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
                   or out[-1].lower() in _DANGLING):
        out.pop()
    if len(out) < 2 and not (out and out[0].lower() not in _ARTICLES):
        return None
    if out and out[0].lower() in {"to", "it", "that", "been", "no", "never", "not"}:
        return None
    return " ".join(out) if out else None


def _clause(rest: str) -> str:
    """What follows a verb, to the end of its clause; a comma after an article and an adjective
    ("a tiny, blurry photo") does not end it."""
    stop = _STOP_CLAUSE.search(rest)
    while stop and rest[stop.start()] == "," and _article_and_adjective(rest[: stop.start()]):
        stop = _STOP_CLAUSE.search(rest, stop.end())
    return rest[: stop.start()] if stop else rest


def _article_and_adjective(text: str) -> bool:
    words = text.split()
    return 1 <= len(words) <= 2 and words[0].lower() in _ARTICLES


def _no_object(words: list[str], verb: str) -> bool:
    """What follows the verb is no object: a preposition or a pronoun ("shot at an angle", "so they
    can"), or a participle after "have" (a perfect tense: "would have bought anyway")."""
    lead = next((w.lower() for w in words if w.lower() not in _ADVERBS), "")
    return lead in _NO_OBJECT or lead in _PERFECT_PARTICIPLES or (verb in {"have", "had"} and lead.endswith("ed"))


# ------------------------------------------------------------------ helpers


def as_sentence(text: str) -> str:
    """`text` ending in a full stop, unless it ends one already (also inside a closing quote: ".”")."""
    text = " ".join(text.split())
    ends = text.rstrip("”\"')")
    return text if not text or (ends and ends[-1] in ".!?") else text + "."


def _short(text: str, limit: int = 60) -> str:
    """A phrase-length version of a taxonomy input/output for the one-line flow."""
    text = " ".join(text.split())
    head = re.split(r"[(;,]| \u2014 | - ", text)[0].strip()
    if len(head.split()) < 3:  # "A brighter, well-exposed version", "A handful (typically 3-20) of photos"
        head = re.split(r"[;]| \u2014 | - ", re.sub(r"\s*\([^)]*\)", "", text))[0].strip()
    if len(head) > limit:
        shorter = re.split(r" with | that | which ", head)[0].strip()
        if len(shorter.split()) >= 4:
            head = shorter
    return head if len(head) <= limit else head[: limit - 1].rsplit(" ", 1)[0] + "\u2026"


def _model_text(r: RankedItem, tm: TaskMatch, tax: Taxonomy) -> str:
    """What a leading item does: glossary for zoo models, its summary's own words for papers."""
    record = r.record
    if r.kind == "model" and record is not None:
        prefix, arch, variant = zoo_parts(record, tax)
        entry = tax.lookup(arch) if arch else tax.lookup(r.name)
        parts = []
        if entry is not None and entry.kind != "dataset":
            parts.append(f"{_a(entry.name)} model. {as_sentence(entry.summary)}")
        elif not tm.in_glossary:
            parts.append(f"{_a(arch)} model." if arch else "a model.")
        elif arch:
            parts.append(f"{_a(arch)} model for {tm.task.name}.")
        else:
            parts.append(f"a model for {tm.task.name}.")
        if r.prefix_words and prefix:
            parts.append(f"Its prefix \u201c{prefix}\u201d is, in the provided papers' words, {r.prefix_words}.")
        if variant:
            v_entry = tax.lookup(variant)
            if v_entry is not None and v_entry.kind == "dataset":
                parts.append(
                    f"The variant name \u201c{variant}\u201d points to the {v_entry.name} dataset: "
                    f"{as_sentence(v_entry.summary)}"
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


def build_workflow(
    question: str, ranking: list[RankedItem], tm: TaskMatch, tax: Taxonomy, notes: list[str]
) -> Workflow:
    task = tm.task
    if not ranking:
        notes.append("The prompt file provides no models or papers, so no workflow can be grounded.")
        return Workflow(steps=[
            WorkflowStep("input", as_sentence(task.input[0].upper() + task.input[1:])),
            WorkflowStep("output", as_sentence(task.output[0].upper() + task.output[1:])),
        ], flow="")
    lead = _leading(ranking)
    unfit = all(r.fit == "poor" for r in ranking)  # nothing here does the job
    phrase = input_phrase(question)
    input_text = as_sentence(task.input[0].upper() + task.input[1:])
    if phrase:
        template = task.input_template or "{phrase}"
        if template.strip() == "{phrase}":
            input_text += " In your case: " + as_sentence(phrase)
        else:
            input_text += " In your case, " + as_sentence(template.replace("{phrase}", phrase))
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
    output_text = as_sentence(task.output[0].upper() + task.output[1:])
    lead_model = next((r for r in lead if r.kind == "model"), None)
    if lead_model is not None and lead_model.record is not None:
        _p, arch, _v = zoo_parts(lead_model.record, tax)
        entry = tax.lookup(arch) if arch else None
        if entry is not None and entry.output and entry.kind != "dataset":
            output_text += f" Typical for {entry.name}: {as_sentence(entry.output)}"
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
    named = tm.in_glossary
    for r in ranking:
        if named and r.role == "recommended" and r.fit == "poor":
            notes.append(
                f"The recommended model {r.name} is {r.fit_reason.split(':')[0]}; "
                f"it does not perform {task.name}, so it is ranked below the items that fit "
                "and is not part of the workflow."
            )
    if unfit:
        wf_notes.append(
            "None of the items fits this question: all are poor fits. The workflow below uses the "
            "closest one only to show its shape; it is not a recommendation."
        )
    elif named and not any(r.fit == "strong" for r in ranking):
        wf_notes.append(
            f"None of the provided items is a dedicated {task.name} model; the workflow below "
            "is built from the closest provided item(s)."
        )
    first_input = phrase or _short(task.input)
    middle = "no listed item does this" if unfit else " + ".join(r.name for r in lead)
    flow = " \u2192 ".join([first_input, middle, _short(task.output)])
    return Workflow(steps=steps, flow=flow, supporting=supporting, set_aside=set_aside, notes=wf_notes)
