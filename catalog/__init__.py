"""catalog: text -> records. Parsing, text repair and normalization, pure Python.

Imports nothing else of ours (no db, indexer, answerer, modelkb) and no ML,
so every layer above can use it cheaply.
"""

from typing import Any

from catalog.records import DocFormat, ItemKind, ItemRecord, ParsedDocument, ParsedItem, ParseError, Role

__all__ = [
    "DocFormat",
    "ItemKind",
    "ItemRecord",
    "ParseError",
    "ParsedDocument",
    "ParsedItem",
    "Role",
    "parse_bytes",
    "parse_file",
]


def __getattr__(name: str) -> Any:
    """`parse_bytes` / `parse_file` on first use: the parser pulls in ftfy and
    charset-normalizer, which code that only needs the records (a search) should not pay for."""
    if name in ("parse_bytes", "parse_file"):
        from catalog import parse

        return getattr(parse, name)
    raise AttributeError(f"module 'catalog' has no attribute {name!r}")
