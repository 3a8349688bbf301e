"""answerer: question + provided items -> ranked, grounded answer (Markdown / JSON).

Uses `indexer` for text, embeddings and BM25; holds the task taxonomy and the
architecture glossary (`answerer/data/*.json`). Never imports `db` or `modelkb`.

    from answerer.compose import compose
    from answerer.render import to_markdown, to_dict
    answer = compose(parsed_document, embedder=embedder)
    print(to_markdown(answer))
"""

# `compose` (the function) is deliberately not re-exported here: it would shadow
# the `answerer.compose` module for `import answerer.compose`.
from answerer.compose import Answer
from answerer.evaluate import evaluate_labeled, ndcg_at_k
from answerer.grounding import GroundingError, check_grounding
from answerer.rank import RankedItem, rank_items
from answerer.render import to_dict, to_markdown
from answerer.taxonomy import TaskMatch, detect_intent, detect_task, load_taxonomy, split_subquestions

__all__ = [
    "Answer",
    "GroundingError",
    "RankedItem",
    "TaskMatch",
    "check_grounding",
    "detect_intent",
    "detect_task",
    "evaluate_labeled",
    "load_taxonomy",
    "ndcg_at_k",
    "rank_items",
    "split_subquestions",
    "to_dict",
    "to_markdown",
]
