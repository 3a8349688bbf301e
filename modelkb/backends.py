"""Which search index a catalog gets: pgvector inside PostgreSQL, else FAISS files.

A PostgreSQL catalog whose server has pgvector keeps its vectors and BM25
statistics in the database (db.vector_store), shared by every process and
machine on it. SQLite, or a PostgreSQL without pgvector, gets the embedded
FAISS + bm25s folder (indexer.store) at `settings.index_dir`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from modelkb.config import Settings


def is_postgres(url: str) -> bool:
    return url.split(":", 1)[0].split("+", 1)[0] in ("postgresql", "postgres")


def open_index(settings: Settings, catalog: Any, embedder: Any, notify: Callable[[str], None],
               query_embedder: Any = None) -> Any:
    """The index for this catalog: `BackedIndex` over pgvector when possible, else `SearchIndex`.

    `query_embedder` (same model) embeds search queries, e.g. the torch-free ONNX one."""
    if is_postgres(settings.db_url):
        from db.vector_store import PgVectorStore, VectorRow
        from indexer.backed import BackedIndex

        store = PgVectorStore(catalog.engine, embedder.name, embedder.dimension)
        problem = store.unavailable()
        if problem is None:
            return BackedIndex(store, embedder, VectorRow, query_embedder=query_embedder)
        notify(f"{problem}: using a local FAISS index in {settings.index_dir} "
               "(install pgvector in the database to share one index)")
    from indexer.store import SearchIndex

    return SearchIndex(settings.index_dir, embedder, query_embedder=query_embedder, notify=notify)


def index_location(index: Any) -> str:
    """Where an index lives, for messages."""
    return str(getattr(index, "location", None) or getattr(index, "directory", "?"))
