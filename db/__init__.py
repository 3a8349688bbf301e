"""records <-> SQL: the catalog database (SQLAlchemy 2.x, Alembic migrations)."""

from db.catalog_store import Catalog, IndexRow, IngestResult
from db.engine import CatalogError, default_sqlite_url, sqlite_path
from db.models import Document, Item, Mention
from db.views import CatalogStats, DocumentView, ItemDetail, ItemView, Source

__all__ = [
    "Catalog", "CatalogError", "CatalogStats", "Document", "DocumentView", "IndexRow", "IngestResult", "Item",
    "ItemDetail", "ItemView", "Mention", "Source", "default_sqlite_url", "sqlite_path",
]
