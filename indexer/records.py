"""The values `SearchIndex` takes and returns: entries in, hits and sync reports out."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Mapping, Sequence

from catalog.errors import Unavailable


class IndexStateError(Unavailable):
    """The index on disk is missing, stale or damaged; `sync` repairs it."""


@dataclass(frozen=True)
class IndexEntry:
    """One item to index: its id, the text to embed, and the text's content hash."""

    id: int
    text: str
    hash: str

    @classmethod
    def of(cls, id: int, text: str) -> "IndexEntry":
        """Entry with the hash computed from the text."""
        return cls(int(id), text, hashlib.sha256(text.encode("utf-8")).hexdigest())


@dataclass(frozen=True)
class Hit:
    """A search result. `dense` is the cosine, `lexical` the BM25 score, when computed."""

    id: int
    score: float
    dense: float | None
    lexical: float | None


@dataclass
class SyncReport:
    """What a sync did: texts embedded (sent to the model), ids removed, items now
    indexed, and whether (and why) the index was rebuilt instead of updated."""

    embedded: int
    removed: int
    total: int
    rebuilt: bool
    reason: str | None
    added: int = 0
    changed: int = 0
    written: bool = True
    resumed: int = 0  # vectors taken from the journal of an interrupted sync, not re-embedded


def validated(entries: Sequence[IndexEntry]) -> list[IndexEntry]:
    """The entries with int ids; duplicate or negative ids and empty hashes are errors
    (they would corrupt the id-keyed arrays), raised before anything is written."""
    out: list[IndexEntry] = []
    seen: set[int] = set()
    for e in entries:
        item_id = int(e.id)
        if item_id in seen:
            raise ValueError(f"duplicate id {item_id} in index entries")
        if item_id < 0:
            raise ValueError(f"index ids must be non-negative, got {item_id}")
        if not e.hash:
            raise ValueError(f"entry {item_id} has an empty hash")
        seen.add(item_id)
        out.append(e if type(e.id) is int else IndexEntry(item_id, e.text, e.hash))
    return out


def sync_plan(old: Mapping[int, str], entries: Sequence[IndexEntry]) -> tuple[list[IndexEntry], int, int, int]:
    """(entries to embed, added, changed, removed) to go from `old` {id: hash} to `entries`:
    only new or changed texts are embedded."""
    wanted = {e.id for e in entries}
    to_embed = [e for e in entries if old.get(e.id) != e.hash]
    added = sum(1 for e in to_embed if e.id not in old)
    removed = sum(1 for i in old if i not in wanted)
    return to_embed, added, len(to_embed) - added, removed
