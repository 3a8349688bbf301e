"""The sentence of an item's summary that best matches a query (shown under a search hit)."""

from __future__ import annotations

import re

from indexer.tokenize import tokenize

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")
MAX_CHARS = 300


def sentences(text: str) -> list[str]:
    """`text` split at sentence ends (a period, ! or ? followed by a capital), whitespace collapsed."""
    flat = " ".join(text.split())
    return [s for s in _SENTENCE_END.split(flat) if s]


def best_sentence(query: str, text: str | None) -> str | None:
    """The sentence sharing the most query tokens (BM25's tokens: stemmed, no stop words);
    the first sentence when none shares any; None for an empty text. Cut at MAX_CHARS."""
    if not text or not text.strip():
        return None
    parts = sentences(text)
    wanted = set(tokenize(query))
    best, best_score = parts[0], 0
    for s in parts:
        score = len(wanted & set(tokenize(s)))
        if score > best_score:
            best, best_score = s, score
    return best if len(best) <= MAX_CHARS else best[: MAX_CHARS - 1].rstrip() + "\u2026"
