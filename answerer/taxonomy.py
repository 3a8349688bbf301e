"""What the user is trying to do: task taxonomy, intent and sub-questions.

This module gathers the public names; the code lives in `answerer.tasks`
(the data and lookups), `answerer.taxonomy_loader` (reading the files),
`answerer.task_detection` (with `answerer.task_match`, what it decides), `answerer.intent`
and `answerer.phrases`.

The knowledge lives in two JSON files next to this module:

- `data/tasks.json` — tasks with precise names, the words people use for them
  ("doubled the size", "pixelated", "CCTV" for super-resolution), the zoo
  prefixes that denote them (`SR`, `Txt2Img`), a concrete typical input and
  output, and which other tasks are close relatives.
- `data/architectures.json` — a glossary of network architectures and
  training datasets: what each does, its typical input and output.

Users extend both without touching code: `MODELKB_TASKS` / `MODELKB_GLOSSARY`
name extra JSON files (several may be joined with the OS path separator)
whose entries are merged over the bundled ones (same `id` / `name` replaces
the fields it gives, new ones are added).

`detect_task` combines three signals: the task's words found in the question
(phrase matching on stemmed words, so "upscaled" meets "upscaling"), the
embedding similarity of the question to each task's description, and — as a
weak prior only — the zoo tasks of the recommended models (the recommendation
can be wrong: a text-to-image checkpoint recommended for an upscaling
question must not turn the question into text-to-image generation).
"""

from __future__ import annotations

from answerer.intent import INTENT_DESCRIPTIONS, INTENT_PATTERNS, detect_intent, intent_of, split_subquestions
from answerer.phrases import find_phrases, matched_words, stems, with_article
from answerer.items import Candidate, as_candidates, item_task_scores, item_text, zoo_parts
from answerer.task_detection import detect_task
from answerer.task_match import OUTSIDE_GLOSSARY, UNSPECIFIED_TASK, TaskMatch
from answerer.taxonomy_loader import GLOSSARY_ENV, TASKS_ENV, load_taxonomy
from answerer.tasks import ALIAS_WEIGHT, CUE_ONLY_CAP, CUE_WEIGHT, FAMILIES, Facet, GlossaryEntry, Task, Taxonomy

__all__ = [
    "UNSPECIFIED_TASK",
    "ALIAS_WEIGHT",
    "CUE_ONLY_CAP",
    "CUE_WEIGHT",
    "FAMILIES",
    "Facet",
    "GLOSSARY_ENV",
    "GlossaryEntry",
    "INTENT_DESCRIPTIONS",
    "INTENT_PATTERNS",
    "TASKS_ENV",
    "Task",
    "TaskMatch",
    "Taxonomy",
    "detect_intent",
    "detect_task",
    "find_phrases",
    "intent_of",
    "Candidate",
    "OUTSIDE_GLOSSARY",
    "as_candidates",
    "item_text",
    "item_task_scores",
    "load_taxonomy",
    "matched_words",
    "split_subquestions",
    "stems",
    "with_article",
    "zoo_parts",
]
