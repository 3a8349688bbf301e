"""The records every layer above speaks: what a parsed file holds.

Plain dataclasses, no I/O: `db` mirrors them in SQL, `indexer` and `answerer`
read them. Field names match the columns of `db.models.Item`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from catalog.errors import BadInput

ItemKind = Literal["model", "paper"]
Role = Literal["recommended", "related"]
DocFormat = Literal["prompt", "answer"]


@dataclass
class ItemRecord:
    """One model or paper as met in one file, already normalized.

    `key` is its identity across files (see `catalog.normalize.item_key`):
    `model:<name>` for zoo models, `arxiv:<id>`, `url:<url>` or
    `title:<title>` for papers.
    """

    key: str
    kind: ItemKind
    name: str
    paper_url: str | None = None
    github_url: str | None = None
    summary: str | None = None
    arxiv_id: str | None = None
    arxiv_version: int | None = None
    task: str | None = None
    architecture: str | None = None
    variant: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class ParsedItem:
    """An item in its place in a file: which section, where, on which line."""

    item: ItemRecord
    role: Role
    position: int
    line: int
    links: dict[str, str] = field(default_factory=dict)
    """Links exactly as this file wrote them (`paper`, `github`): answers cite these."""

    def cited(self) -> ItemRecord:
        """The record with its links as this file wrote them, not normalized."""
        if not self.links:
            return self.item
        return replace(
            self.item,
            paper_url=self.links.get("paper", self.item.paper_url),
            github_url=self.links.get("github", self.item.github_url),
        )


@dataclass
class ParsedDocument:
    """One prompt or answer file, decoded, repaired and parsed."""

    path: str
    sha256: str
    format: DocFormat
    question: str
    items: list[ParsedItem]
    text: str = ""
    repairs: list[str] = field(default_factory=list)


class ParseError(BadInput):
    """A file that cannot go into the catalog; says where and why in one line."""

    def __init__(self, path: str, message: str, line: int | None = None):
        self.path = path
        self.line = line
        self.message = message
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")
