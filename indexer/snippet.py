"""The sentence of an item's summary that best matches a query (shown under a search hit)."""

from __future__ import annotations

import functools
import re

from indexer.tokenize import tokenize

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")
MAX_CHARS = 300


def sentences(text: str) -> list[str]:
    """`text` split at sentence ends (a period, ! or ? followed by a capital), whitespace collapsed."""
    flat = " ".join(text.split())
    return [s for s in _SENTENCE_END.split(flat) if s]


@functools.lru_cache(maxsize=8192)
def _tokenized_sentences(text: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """Each sentence of a summary with its token set: a server shows the same popular
    items again and again, so their summaries are split and tokenized once."""
    return tuple((s, frozenset(tokenize(s))) for s in sentences(text))


def best_sentence(query: str, text: str | None) -> str | None:
    """The sentence sharing the most query tokens (BM25's tokens: stemmed, no stop words);
    the first sentence when none shares any; None for an empty text. Cut at MAX_CHARS."""
    return best_sentences(query, [text])[0]


def best_sentences(query: str, texts: list[str | None]) -> list[str | None]:
    """`best_sentence` for each of `texts`, tokenizing the query once."""
    wanted = frozenset(tokenize(query))
    return [_best(wanted, text) for text in texts]


def _best(wanted: frozenset[str], text: str | None) -> str | None:
    if not text or not text.strip():
        return None
    parts = _tokenized_sentences(text)
    best, best_score = parts[0][0], 0
    for s, tokens in parts:
        score = len(wanted & tokens)
        if score > best_score:
            best, best_score = s, score
    return best if len(best) <= MAX_CHARS else best[: MAX_CHARS - 1].rstrip() + "\u2026"
