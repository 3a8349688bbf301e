"""Reading task-name-shaped phrases from a title or summary (`answerer.open_task` scores them).

A phrase is a run of two to four content words (no stop word, no digits-only
token, no CamelCase model name the question does not use) that ends in a
task noun: a nominalization ("-tion", "-ment", "-ing", "-sis", ...) or the
last word of a glossary task's name ("forecasting", "regression").
"""

from __future__ import annotations

import re
from typing import Sequence

from answerer.phrase_words import (
    GENERIC_WORDS,
    RUN_BREAKS,
    MEANS,
    PURPOSE,
    OBJECT_OF,
    PARTICIPLES,
    THING_NOUNS,
    AGENT_NOUNS,
    EXTRA_HEADS,
    ADJECTIVE,
    NOMINAL,
    HYPHENATED_NOMINAL,
)
from answerer.tasks import Taxonomy
from indexer.tokenize import STOP_WORDS

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'\-]*[A-Za-z0-9]|[A-Za-z0-9]|[^\sA-Za-z0-9]")
#: "End to End" spelled without hyphens is the generic "end-to-end", not a task's first word.
_END_TO_END = re.compile(r"\bend\s+to\s+end\b", re.IGNORECASE)
_CAMEL = re.compile(r"[a-z][A-Z]|[A-Za-z]\d|\d[A-Za-z]{2,}")
MIN_WORDS, MAX_WORDS = 2, 4


def task_heads(taxonomy: Taxonomy) -> frozenset[str]:
    """The nouns the glossary's task names end in ("forecasting", "regression", "transfer"):
    the last singular word before any qualifier ("... from LiDAR", "(OCR)")."""
    heads = set()
    for task in taxonomy.tasks.values():
        core = re.split(r"\s(?:from|with|for|in|of|on|over)\s", re.sub(r"\([^)]*\)", " ", task.name))[0]
        words = re.findall(r"[A-Za-z][A-Za-z-]*", core)
        if words and not _plural(words[-1].casefold()):
            heads.add(words[-1].casefold())
    return frozenset(heads)


def _plural(word: str) -> bool:
    return word.endswith("s") and not word.endswith(("ss", "us", "is", "ics"))


def is_head(word: str, heads: frozenset[str]) -> bool:
    """A task noun: a glossary task name's last word ("super-resolution", not "high-resolution"),
    or a nominalization ("registration")."""
    low = word.casefold()
    if low in heads or low in EXTRA_HEADS:
        return True
    if "-" in low:  # "geo-localization", "re-identification"; not "high-resolution", "fine-tuning"
        return bool(HYPHENATED_NOMINAL.search(low.rsplit("-", 1)[1]))
    return len(low) > 5 and bool(NOMINAL.search(low))


def prefix_task_name(words: str, heads: frozenset[str], texts: Sequence[str | None]) -> str | None:
    """A spelled-out zoo prefix as a task name. The prefix names the model's task, so what the
    papers spell out is that task, even when it is named by a non-nominal head ("natural
    language inference", "learning to rank"); when it names only the object ("hyperspectral
    image"), the task noun the papers write after it completes it ("... image classification").
    None when neither holds ("low dose ct" with no task noun after it)."""
    ws = words.split()
    if is_head(ws[-1], heads) or ws[-1].endswith(("ence", "ance")) or (len(ws) == 3 and ws[1] == "to"):
        return words
    pattern = re.compile(r"\b" + r"[\s-]+".join(map(re.escape, ws)) + r"((?:[\s-]+[A-Za-z]+){1,2})\b", re.IGNORECASE)
    for text in texts:
        for m in pattern.finditer(text or ""):
            more = m.group(1).replace("-", " ").split()
            for n in range(1, len(more) + 1):
                if more[n - 1].casefold() in STOP_WORDS:
                    break  # "synthetic and testing": a run, not a name
                if is_head(more[n - 1], heads) and more[n - 1].casefold() not in THING_NOUNS:
                    return " ".join([*ws, *(w.casefold() for w in more[:n])])
    return None


def described(phrase: str) -> bool:
    """Only adjectives before the task noun ("interpretable prediction", "bayesian personalized
    ranking"): how a method does it, not what is done to what."""
    words = phrase.split()[:-1]
    # a hyphenated compound says what or where ("sim-to-real transfer", "multi-agent"), not how
    return bool(words) and all((ADJECTIVE.search(w) or w.endswith("ed")) and "-" not in w for w in words)


def field_name(name: str) -> bool:
    """A field or an activity, not a task: "machine learning", "geometric deep learning",
    "multitask learning and benchmarking" (either noun of an "and" pair); "topic modeling" is
    a task, though its noun stems to the generic "model"."""
    words = name.split()
    heads = [words[-1], *(words[i - 1] for i, w in enumerate(words) if w == "and" and i)]
    return any(w in GENERIC_WORDS for w in heads)


def _verb_like(word: str) -> bool:
    """A first word that reads as a verb in the third person ("makes", "imputes")."""
    return _plural(word) and "-" not in word


def _runs(text: str, question_words: set[str]) -> list[tuple[list[str], str]]:
    """Runs of content words, split at stop words, punctuation, numbers and model names,
    each with the token that ended it ("for" in "Imputation for Time Series")."""
    out: list[tuple[list[str], str]] = []
    cur: list[str] = []
    for tok in _TOKEN.findall(text or ""):
        low = tok.casefold()
        name_like = bool(_CAMEL.search(tok)) and low not in question_words
        if not tok[0].isalnum() or low in STOP_WORDS or low in RUN_BREAKS or tok.isdigit() or name_like:
            if cur:
                out.append((cur, low))
            cur = []
            continue
        cur.append(AGENT_NOUNS.get(low, tok))  # "Scene Text Detector" does scene text detection
    if cur:
        out.append((cur, ""))
    return out


def candidate_phrases(text: str, heads: frozenset[str], question_words: set[str] = frozenset()) -> list[str]:
    """Task-name-shaped phrases in `text` (lower-cased, as written)."""
    found: dict[str, None] = {}
    runs = _runs(_END_TO_END.sub("end-to-end", text or ""), set(question_words))
    means = False
    for k, (run, after) in enumerate(runs):
        head = run[-1].casefold()
        was, means = means, (means or after in MEANS) and after not in PURPOSE
        if was:
            continue  # "... Diffusion Model with Deep Language Understanding": what it has, not what it does
        if (after in OBJECT_OF and k + 1 < len(runs) and is_head(head, heads) and head not in THING_NOUNS | GENERIC_WORDS
                and (not head.endswith("ing") or head in heads)):
            # "Imputation for Time Series" names "time series imputation" (when what follows is an
            # object, not another task: "Factorisation for ... Reinforcement Learning"; an -ing word
            # before it is a verb unless a glossary task ends in it: "Correcting for Label Shift"
            # names no "label shift correcting"); after
            # "from" comes the input, and the task keeps its own words ("Emotion Recognition from
            # Speech" is speech emotion recognition; "Bimodal Recurrent Imputation for Time Series"
            # is not time series recurrent imputation)
            obj = [w.casefold() for w in runs[k + 1][0][:3]]
            if len(obj) == len(runs[k + 1][0]) and not is_head(obj[-1], heads) and obj[0] not in GENERIC_WORDS:
                task = [w.casefold() for w in run][-(MAX_WORDS - len(obj)):] if after == "from" else [head]
                while len(task) > 1 and (task[0] in GENERIC_WORDS or ADJECTIVE.search(task[0])):
                    task = task[1:]
                found[" ".join([*obj, *task])] = None
        # "Sound Event Localization and Detection": two task nouns joined by "and" name one task
        joined = (after == "and" and k + 1 < len(runs) and len(runs[k + 1][0]) == 1
                  and is_head(runs[k + 1][0][0], heads) and is_head(head, heads))
        for j, word in enumerate(run):
            if not is_head(word, heads) or word.casefold() in THING_NOUNS:
                continue
            tail = ["and", runs[k + 1][0][0].casefold()] if joined and j == len(run) - 1 else []
            for n in range(MIN_WORDS, MAX_WORDS + 1):
                i = j - n + 1
                if i < 0:
                    break
                words = [w.casefold() for w in run[i : j + 1]]
                first = words[0]
                if first in GENERIC_WORDS or _verb_like(first) or (
                        first.endswith(("ing", "ed")) and first not in PARTICIPLES and "-" not in first):
                    # "deep ...", "writing review comments", "fills missing"; but a hyphenated
                    # compound says what kind: "skeleton-based action recognition"
                    continue
                if all(w in GENERIC_WORDS for w in words[:-1]):
                    continue
                found[" ".join(words)] = None
                if tail:
                    found[" ".join([*words, *tail])] = None
    return list(found)
