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

from typing import Any, Sequence


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
from answerer.rank import DEFAULT_WEIGHTS, _rank
from answerer.subanswers import answer_subquestions
from answerer.taxonomy import Taxonomy, detect_intent, detect_task, intent_of, load_taxonomy, split_subquestions
from answerer.workflow import build_workflow, input_phrase


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
    workflow = build_workflow(question, ranking, tm, tax, notes)
    subanswers = answer_subquestions(ranking, ctx, embedder, question, tax)
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

