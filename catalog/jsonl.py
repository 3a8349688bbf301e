"""JSONL bulk import: one JSON object per line -> one ParsedDocument.

The layout is BEIR's `corpus.jsonl` (`{"_id": ..., "title": ..., "text": ...}`)
with optional catalog fields:

    _id          source id; kept in `extra["source_id"]`
    title | name the item's name (title wins for papers, name for models)
    text         the abstract; becomes the summary unless `summary` is given
    summary      the summary
    kind         "paper" (default) or "model"
    paper_url | url, github_url | github

Identity follows `catalog.normalize.item_key` when it has something to go
on (a model's name; a paper's arXiv id or URL); a paper without a link is
keyed `jsonl:<_id>` so documents that happen to share a title (common in
BEIR corpora) stay distinct, and falls back to its title when there is no
`_id` either. The whole file is one document, stored in one transaction.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from typing import Any

from catalog.normalize import build_item, clean_value, item_key
from catalog.records import ItemRecord, ParsedDocument, ParsedItem, ParseError
from catalog.text import check_size, read_file_bytes

FORMAT = "jsonl"
KINDS = ("paper", "model")
#: Names made from the text (for rows without a title) are cut to this many words.
NAME_WORDS = 16


def parse_jsonl_file(path: str | os.PathLike[str], *, key_by_id: bool = False) -> ParsedDocument:
    """Read and parse one JSONL file; every failure is a ParseError naming the file (and line)."""
    name = os.fspath(path)
    data = read_file_bytes(name)
    return parse_jsonl_bytes(data, name, key_by_id=key_by_id)


def parse_jsonl_bytes(data: bytes, path: str, *, key_by_id: bool = False) -> ParsedDocument:
    """Parse JSONL bytes into a document with one item per non-blank line.

    `key_by_id=True` keys every row with an `_id` as `jsonl:<_id>` even when
    it has a link (evaluation wants one item per corpus document, whatever
    the links say).
    """
    items: list[ParsedItem] = []
    first_line_of_id: dict[str, int] = {}
    for lineno, obj in json_objects(data, path):
        record = _record(obj, path, lineno, key_by_id)
        source_id = record.extra.get("source_id")
        if source_id is not None:
            if source_id in first_line_of_id:
                raise ParseError(
                    path, f"duplicate _id {source_id!r} (first on line {first_line_of_id[source_id]})", lineno
                )
            first_line_of_id[source_id] = lineno
        role = "recommended" if record.kind == "model" else "related"
        items.append(ParsedItem(item=record, role=role, position=len(items), line=lineno))
    if not items:
        raise ParseError(path, "no records found (expected one JSON object per line)")
    return ParsedDocument(
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        format=FORMAT,  # type: ignore[arg-type]  # DocFormat names the text formats; the column takes any
        question="",
        items=items,
        text="",
    )


def json_objects(data: bytes, path: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """`(line number, object)` for each non-blank line of JSONL bytes; a ParseError (file and
    line) for anything that is not UTF-8 JSON with an object on every line."""
    check_size(len(data), path)
    if not data.strip():
        raise ParseError(path, "empty file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ParseError(path, f"not UTF-8 (byte {data[exc.start]:#04x}); JSONL must be UTF-8", line) from None
    for lineno, raw in enumerate(text.split("\n"), 1):
        line = raw.strip()
        if not line:
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ParseError(path, f"invalid JSON ({exc.msg} at column {exc.colno})", lineno) from None
        if not isinstance(obj, dict):
            raise ParseError(path, f"expected a JSON object, got {type(obj).__name__}", lineno)
        yield lineno, obj


def _string(obj: dict[str, Any], names: tuple[str, ...], path: str, lineno: int) -> str | None:
    """The first present field of `names` as clean text; None when absent or empty."""
    for name in names:
        if name not in obj or obj[name] is None:
            continue
        value = obj[name]
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise ParseError(path, f"field {name!r} must be a string, got {type(value).__name__}", lineno)
        text = " ".join(str(value).split())
        if text:
            return text
    return None


def _record(obj: dict[str, Any], path: str, lineno: int, key_by_id: bool) -> ItemRecord:
    source_id = _string(obj, ("_id", "id"), path, lineno)
    kind = (_string(obj, ("kind",), path, lineno) or "paper").casefold()
    if kind not in KINDS:
        raise ParseError(path, f"unknown kind {kind!r} (use 'paper' or 'model')", lineno)
    title = _string(obj, ("name", "title") if kind == "model" else ("title", "name"), path, lineno)
    body = _string(obj, ("text",), path, lineno)
    summary = _string(obj, ("summary",), path, lineno) or body
    if title is None:
        if not summary:
            raise ParseError(path, "record has no title, name or text", lineno)
        words = summary.split()
        title = " ".join(words[:NAME_WORDS]) + (" …" if len(words) > NAME_WORDS else "")
    paper_url = clean_value(_string(obj, ("paper_url", "url"), path, lineno))
    github = clean_value(_string(obj, ("github_url", "github"), path, lineno))

    if kind == "model" or (paper_url and not key_by_id) or source_id is None:
        key = item_key(kind, title, paper_url)
    else:
        key = f"jsonl:{source_id}"
    extra = {"source_id": source_id} if source_id is not None else {}
    return build_item(kind, title, paper_url, github, summary, extra, key=key)
