"""Where things live and which model embeds: flags beat environment beat defaults."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@dataclass(frozen=True)
class Settings:
    home: Path
    db_url: str
    model: str | None
    index_dir: Path


def data_home() -> Path:
    """`MODELKB_HOME`, else the platform's user data directory."""
    env = os.environ.get("MODELKB_HOME")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("modelkb", appauthor=False))


def index_dir_for(db_url: str, home: Path) -> Path:
    """The search index sits beside a SQLite file, else in the data directory."""
    from db.engine import sqlite_path

    path = sqlite_path(db_url)
    if path is not None:
        return path.with_name(path.name + ".index")
    digest = hashlib.sha256(db_url.encode()).hexdigest()[:16]
    return home / "indexes" / digest


def db_url_for(db: str | None, home: Path) -> str:
    """The catalog URL from a flag, the environment or the default (a path becomes a SQLite URL)."""
    raw = db or os.environ.get("MODELKB_DB")
    default = home / "catalog.db"
    if not raw and not default.is_dir():
        # What resolve_url returns for it, without importing SQLAlchemy: a CLI call that finds
        # a server needs this URL (to name the catalog) and nothing else from the database.
        return f"sqlite:///{default}"
    from db.engine import resolve_url

    return resolve_url(raw or f"sqlite:///{default}")


def model_for(model: str | None) -> str | None:
    return model or os.environ.get("MODELKB_MODEL") or None


def catalog_id(db_url: str) -> str:
    """A short, password-free name of a catalog: what a server and a client compare."""
    return hashlib.sha256(db_url.encode()).hexdigest()[:16]


def load_settings(db: str | None = None, model: str | None = None) -> Settings:
    home = data_home()
    db_url = db_url_for(db, home)
    return Settings(home=home, db_url=db_url, model=model_for(model), index_dir=index_dir_for(db_url, home))
