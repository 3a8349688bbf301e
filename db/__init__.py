"""records <-> SQL: the catalog database (SQLAlchemy 2.x, Alembic migrations)."""

from db.catalog_store import Catalog
from db.engine import CatalogError, default_sqlite_url, sqlite_path
from db.models import Document, Item, Mention
from db.views import CatalogStats, DocumentView, IndexRow, IngestResult, ItemDetail, ItemView, Record, Source

__all__ = [
    "Catalog", "CatalogError", "CatalogStats", "Document", "DocumentView", "IndexRow", "IngestResult", "Item",
    "ItemDetail", "ItemView", "Mention", "Record", "Source", "default_sqlite_url", "sqlite_path",
]
