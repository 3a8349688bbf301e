"""records <-> SQL: the catalog database (SQLAlchemy 2.x, Alembic migrations)."""

from db.catalog_store import Catalog, IndexRow, IngestResult
from db.engine import CatalogError, default_sqlite_url, sqlite_path
from db.models import Document, Item, Mention

__all__ = ["Catalog", "CatalogError", "Document", "IndexRow", "IngestResult", "Item", "Mention", "default_sqlite_url", "sqlite_path"]
