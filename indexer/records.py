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


@dataclass(frozen=True)
class SyncPlan:
    """What a sync must do to go from the stored {id: hash} to `entries`, shared by
    `SearchIndex` (files) and `BackedIndex` (pgvector): only new or changed texts are
    embedded (`to_embed`, in entry order), ids no longer wanted are removed (`gone`)."""

    entries: list[IndexEntry]
    to_embed: list[IndexEntry]
    added: int
    gone: list[int]

    @property
    def changed(self) -> int:
        return len(self.to_embed) - self.added

    @property
    def removed(self) -> int:
        return len(self.gone)

    @property
    def idle(self) -> bool:
        """Nothing to embed and nothing to remove."""
        return not self.to_embed and not self.gone

    def out_of_date(self) -> str | None:
        """"index is out of date: N new, M changed, K removed item(s)", or None when in line."""
        if self.idle:
            return None
        return f"index is out of date: {self.added} new, {self.changed} changed, {self.removed} removed item(s)"

    def unchanged(self) -> SyncReport:
        """The report of a sync that found nothing to do and wrote nothing."""
        return SyncReport(0, 0, len(self.entries), False, None, written=False)

    def report(self, reason: str | None, resumed: int = 0) -> SyncReport:
        """The report of a sync that carried out this plan (`reason`: why it rebuilt, if it did;
        `resumed`: vectors taken from an interrupted sync's journal instead of the model)."""
        return SyncReport(
            embedded=len(self.to_embed) - resumed, removed=self.removed, total=len(self.entries),
            rebuilt=reason is not None, reason=reason, added=self.added, changed=self.changed, resumed=resumed,
        )


def sync_plan(old: Mapping[int, str], entries: Sequence[IndexEntry]) -> SyncPlan:
    """The plan from `old` {id: hash} to `entries` (pass them through `validated` before a write)."""
    wanted = list(entries)
    ids = {e.id for e in wanted}
    to_embed = [e for e in wanted if old.get(e.id) != e.hash]
    added = sum(1 for e in to_embed if e.id not in old)
    return SyncPlan(wanted, to_embed, added, [int(i) for i in old if i not in ids])
