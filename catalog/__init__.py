"""catalog: text -> records. Parsing, text repair and normalization, pure Python.

Imports nothing else of ours (no db, indexer, answerer, modelkb) and no ML,
so every layer above can use it cheaply.
"""

from catalog.parse import parse_bytes, parse_file
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
