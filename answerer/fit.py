"""How well one ranked item fits the question, in a word (strong / partial / poor) and a reason.

The fit is read off the fused score and the item's task against the question's:
a zoo checkpoint or glossary model whose task contradicts the question is `poor`
whatever its other scores, and an item closer to what the question rules out than
to what it asks is never `strong`.
"""

from __future__ import annotations

from answerer.item_evidence import RESEMBLANCE
from answerer.taxonomy import TaskMatch, with_article as _a

#: How much closer (cosine) to what the question rules out than to the question an item must be for
#: its fit reason to say so: at 0.05, 16 of 18 such items in the tuning files had a low grade.
RULED_OUT_REASON = 0.05
#: Score at or above which an item on the question's task is a strong fit.
STRONG_SCORE = 0.66
#: Score below which an item is a poor fit.
POOR_SCORE = 0.35


def fit_of(
    score: float,
    match: float,
    source: str,
    item_tasks: list[str],
    task: TaskMatch,
    dense_cos: float,
    task_cos: float,
    nearest: bool,
) -> tuple[str, str]:
    """The item's fit and the reason in words. `task_cos`: its text against the task's name and
    description, and `nearest`: no glossary task is closer to it in meaning, so a paper that never
    names the task but reads like it (and like no other) is not called "not" it."""
    want = task.task.name
    if not task.in_glossary:  # no glossary task to compare with: the words decide
        level = "strong" if score >= STRONG_SCORE else "poor" if score < POOR_SCORE else "partial"
        about = f"about {item_tasks[0]}; " if item_tasks else ""
        return level, f"{about}similarity to the question {dense_cos:.2f}"
    certain = source in ("zoo", "glossary")
    label = want if want in item_tasks else (item_tasks[0] if item_tasks else None)
    if certain and match == 0.0 and label and task.confidence >= 0.25:
        what = "checkpoint" if source == "zoo" else "model"
        return "poor", f"{_a(label)} {what}: it does not perform {want}"
    if certain and match >= 0.99:
        return ("strong" if score >= POOR_SCORE else "partial"), f"{_a(label)} model: exactly the question's task"
    if certain and match > 0:
        own = item_tasks[0] if item_tasks and item_tasks[0] != want else (label or "related")
        return "partial", f"{_a(own)} model, close to but not the same as {want}"
    # papers (and models of unknown task)
    if score >= STRONG_SCORE and match >= 0.5:
        about = f"about {label}" if label else "on the question's task"
        return "strong", f"{about}; its summary closely matches the question"
    # a cue word alone (a survey's "review" for a review-sentiment question) is no part of the task
    if score < POOR_SCORE and (match < 0.3 or not label):
        if label:
            return "poor", f"about {label}; little overlap with {want}"
        # no task of its own in its words: a low score is no proof it is about something else
        if task_cos >= RESEMBLANCE and nearest:
            return "poor", f"reads like {want} without naming it, but matches the question weakly (similarity {dense_cos:.2f})"
        return "poor", f"little in common with the question (similarity {dense_cos:.2f})"
    if match >= 0.3:
        about = f"touches on {label}" if label else "touches on the question's task"
        return "partial", f"{about}, but only part of it addresses the question"
    about = f"about {label}" if label else "a related method"
    if task_cos >= RESEMBLANCE and nearest and not label:  # no task of its own says otherwise
        return "partial", f"{about}; reads like {want} without naming it (similarity to the question {dense_cos:.2f})"
    return "partial", f"{about}; related to the question (similarity {dense_cos:.2f}) but not {want}"


def ruled_out_fit(fit: str, labels: list[str], clause: str) -> tuple[str, str]:
    """An item closer to what the question rules out than to the question is no strong fit,
    whatever its task, and the reason quotes the clause."""
    about = f"about {labels[0]}; " if labels else ""
    return ("poor" if fit == "poor" else "partial",
            f"{about}closer to what the question rules out (\u201c{clause}\u201d) than to what it asks")
