"""Retrieval quality on the seed prompt files: each seed's question should find
that seed's own items among all items of all seeds.

The seeds are parsed crudely here on purpose (the indexer must not depend on
the catalog package); `seed_corpus` is reused by the measurement in
indexer/README.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from indexer.evaluate import average_precision, recall_at, reciprocal_rank, summarize
from indexer.store import IndexEntry, SearchIndex
from catalog.zoo import task_prefix
from indexer.text import item_text


@dataclass
class SeedItem:
    name: str
    kind: str
    summary: str | None = None
    questions: set[str] = field(default_factory=set)


def _question(text: str) -> str | None:
    m = re.search(r'(?:following question:|User Question:\**)\s*"([^"]+)"', text)
    return m.group(1).strip() if m else None


def _items(text: str) -> list[tuple[str, str | None]]:
    """(name, summary) for every 'Model: X' entry (prompt format or '- **Model**: X')."""
    out = []
    start = re.search(r"Recommended AI Models|Referenced Models", text)
    text = text[start.start():] if start else text
    blocks = re.split(r"^\s*(?:-\s*)?\**Model\**:\s*", text, flags=re.M)[1:]
    for block in blocks:
        name = block.splitlines()[0].strip()
        m = re.search(r"^Summary:\s*(.+)$", block, flags=re.M)
        out.append((name, m.group(1).strip() if m else None))
    return out


def seed_corpus(seeds: Path) -> tuple[dict[str, SeedItem], dict[str, set[str]]]:
    """Items by name, and question -> names of the items its files provide."""
    items: dict[str, SeedItem] = {}
    queries: dict[str, set[str]] = {}
    for path in sorted(seeds.glob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        question = _question(text)
        if not question:
            continue
        for name, summary in _items(text):
            head = name.split("-", 1)[0]
            kind = "model" if "-" in name and task_prefix(head) is not None and " " not in name else "paper"
            item = items.setdefault(name, SeedItem(name, kind))
            item.summary = item.summary or summary
            if kind == "model":
                item.questions.add(question)
            queries.setdefault(question, set()).add(name)
    return items, queries


def seed_texts(items: dict[str, SeedItem], with_questions: bool) -> dict[str, str]:
    return {
        name: item_text(
            name, it.kind, it.summary, questions=sorted(it.questions) if with_questions else ()
        )
        for name, it in items.items()
    }


def test_crude_seed_parse(seeds_dir) -> None:
    items, queries = seed_corpus(seeds_dir)
    assert len(items) == 13
    assert sum(1 for it in items.values() if it.kind == "model") == 4
    assert len(queries) == 4  # 000 and 001 ask the same question
    assert all(3 <= len(names) <= 4 for names in queries.values())


def test_metrics() -> None:
    assert reciprocal_rank([5, 3, 1], {3}) == 0.5
    assert recall_at([5, 3, 1], {3, 1, 9}, 2) == pytest.approx(1 / 3)
    assert average_precision([3, 5, 1], {3, 1}) == pytest.approx((1 + 2 / 3) / 2)
    assert summarize([([1, 2], {2})])["mrr"] == 0.5


def evaluate_modes(index: SearchIndex, ids: dict[str, int], queries, mode: str, fusion: str | None = None):
    runs = []
    for question, names in queries.items():
        hits = index.search(question, k=len(ids), mode=mode, fusion=fusion)  # type: ignore[arg-type]
        runs.append(([h.id for h in hits], {ids[n] for n in names}))
    return summarize(runs, k=5)


def seed_index(tmp_path: Path, embedder, seeds: Path, with_questions: bool):
    items, queries = seed_corpus(seeds)
    texts = seed_texts(items, with_questions)
    ids = {name: i for i, name in enumerate(sorted(texts))}
    index = SearchIndex(tmp_path / ("q" if with_questions else "noq"), embedder)
    index.sync([IndexEntry.of(ids[n], t) for n, t in texts.items()])
    return index, ids, queries


def test_seed_questions_find_their_items_with_fake_embedder(tmp_path, fake_embedder, seeds_dir) -> None:
    index, ids, queries = seed_index(tmp_path, fake_embedder, seeds_dir, with_questions=False)
    lexical = evaluate_modes(index, ids, queries, "lexical")
    hybrid = evaluate_modes(index, ids, queries, "hybrid")
    assert lexical["mrr"] >= 0.5 and hybrid["mrr"] >= 0.5
