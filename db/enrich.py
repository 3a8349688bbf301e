"""Merging a newly met record into the stored item: enrich, never lose."""

from __future__ import annotations

from dataclasses import fields

from catalog.records import ItemRecord

from db.models import Item

_FILL_IF_EMPTY = ("github_url", "task", "architecture", "variant", "arxiv_id")
#: What a record and a stored item share, field for field (`db.models.Item` mirrors `ItemRecord`);
#: `extra` is copied, never shared.
_RECORD_FIELDS = tuple(f.name for f in fields(ItemRecord) if f.name != "extra")


def new_item(rec: ItemRecord) -> Item:
    return Item(**{name: getattr(rec, name) for name in _RECORD_FIELDS}, extra=dict(rec.extra))


def to_record(item: Item) -> ItemRecord:
    return ItemRecord(**{name: getattr(item, name) for name in _RECORD_FIELDS}, extra=dict(item.extra or {}))


def enrich(item: Item, rec: ItemRecord) -> list[str]:
    """Fold `rec` into `item`; returns the names of the fields that gained information.

    Empty fields are filled; a newer arXiv version replaces the paper link; a
    longer summary replaces a shorter one only when it is not just a prefix-less
    rewrite losing text (the longer of the two wins); unknown extra fields merge.
    """
    changed: list[str] = []
    for field in _FILL_IF_EMPTY:
        if not getattr(item, field) and getattr(rec, field):
            setattr(item, field, getattr(rec, field))
            changed.append(field)
    if rec.paper_url and not item.paper_url:
        item.paper_url, item.arxiv_version = rec.paper_url, rec.arxiv_version
        changed.append("paper_url")
    elif rec.arxiv_version and (item.arxiv_version or 0) < rec.arxiv_version:
        item.paper_url, item.arxiv_version = rec.paper_url, rec.arxiv_version
        changed.append("arxiv_version")
    if rec.summary and len(rec.summary.strip()) > len((item.summary or "").strip()):
        item.summary = rec.summary
        changed.append("summary")
    if rec.name and not item.name:
        item.name = rec.name
        changed.append("name")
    extra = dict(item.extra or {})
    added = {k: v for k, v in rec.extra.items() if k not in extra}
    if added:
        extra.update(added)
        item.extra = extra
        changed.append("extra")
    return changed
