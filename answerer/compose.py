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

from typing import Sequence

from answerer.answer import (
    Answer,
    Evidence,
    Reference,
    SubAnswer,
    SupportingItem,
    TaskInfo,
    Workflow,
    WorkflowStep,
)
from answerer.grounding import GroundingError, check_grounding
from answerer.items import ItemInput, as_candidates
from answerer.rank import DEFAULT_WEIGHTS, RankedItem, rank_with_context
from answerer.subanswers import answer_subquestions
from answerer.taxonomy import Taxonomy, TaskMatch, detect_intent, detect_task, intent_of, load_taxonomy, split_subquestions
from answerer.workflow import as_sentence, build_workflow, input_phrase
from catalog.records import ParsedDocument
from indexer.embedder import Embedder


# ------------------------------------------------------------------ compose


def compose(
    question: str | ParsedDocument,
    items: Sequence[ItemInput] | None = None,
    embedder: Embedder | None = None,
    source: str | None = None,
    *,
    taxonomy: Taxonomy | None = None,
    weights: Sequence[float] = DEFAULT_WEIGHTS,
    retrieval: Sequence[float] | None = None,
) -> Answer:
    """Rank the provided items against the question and build the grounded answer.

    `question` is the question text or a `ParsedDocument` (then `items`
    defaults to its items and `source` to its text). `source` is the prompt
    file's text: every link in the answer must occur in it or in the items.
    `retrieval`: the search score in [0, 1] of each item when they were
    retrieved from the catalog (`modelkb ask`) rather than provided by a file.
    """
    doc_path = None
    if isinstance(question, ParsedDocument):
        doc = question
        items = list(doc.items) if items is None else items
        source = source if source is not None else (doc.text or None)
        doc_path = doc.path
        question = doc.question
    if embedder is None:
        raise ValueError("compose() needs an embedder")
    tax = taxonomy or load_taxonomy()
    cands = as_candidates(list(items or []), tax)
    question = " ".join(str(question or "").split())
    subqs = split_subquestions(question)
    tm = detect_task(question, cands, embedder, tax, subquestions=subqs, relevance=retrieval)
    ranking, ctx = rank_with_context(question, cands, embedder, task=tm, taxonomy=tax, weights=weights,
                                     subquestions=subqs, retrieval=retrieval)
    intents = [intent_of(q) for q in subqs] or ["explain"]
    intent = detect_intent(question)

    notes: list[str] = []
    workflow = build_workflow(question, ranking, tm, tax, notes)
    subanswers = answer_subquestions(ranking, ctx, embedder, question, tax)
    references = [
        Reference(rank=i + 1, name=r.name, kind=r.kind, role=r.role, score=r.score, fit=r.fit,
                  paper_url=r.paper_url, github_url=r.github_url)
        for i, r in enumerate(ranking)
    ]
    answer = Answer(
        question=question,
        task=task_info(tm, ranking, tax),
        intent=intent,
        intents=intents,
        ranking=ranking,
        workflow=workflow,
        subquestions=subanswers,
        references=references,
        notes=notes,
        source=doc_path,
    )
    problems = check_grounding(answer, source if source else cands, items=cands)
    if problems:
        raise GroundingError(problems)
    return answer


def task_info(tm: TaskMatch, ranking: Sequence[RankedItem], tax: Taxonomy) -> TaskInfo:
    """The answer's task section; when no glossary task is asserted, explained from the items' own words
    (and with the glossary tasks the question's words name, which the items did not bear out)."""
    description = tm.task.description
    if not tm.in_glossary and ranking and ranking[0].evidence:
        lead = ranking[0]
        description += f" From the items: {lead.name} \u2014 \u201c{lead.evidence[0]}\u201d"
    elif not tm.in_glossary and ranking:
        description += f" The closest provided item is {ranking[0].name}."
    return TaskInfo(
        id=tm.task.id,
        name=tm.name,
        base_name=tm.task.name,
        qualifier=tm.qualifier,
        description=as_sentence(description),
        input=tm.task.input,
        output=tm.task.output,
        confidence=tm.confidence,
        matched=list(tm.matched),
        related=[t.name for t in tm.secondary],
        family=tm.family,
        source=tm.source,
        evidence=list(tm.evidence),
        named_by_question={tax.tasks[t].name: list(words) for t, words in tm.named_by_question.items()
                           if t in tax.tasks},
    )


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

