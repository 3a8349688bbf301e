"""Engine setup and schema upgrades, safe for several processes at once.

SQLite gets WAL, a busy timeout and `BEGIN IMMEDIATE` for writes, so two
ingests serialize instead of failing with "database is locked". Schema
changes are Alembic migrations, applied on open under a cross-process lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path

from catalog.errors import BadInput, Unavailable
from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_S = 60


class CatalogError(Unavailable):
    """The catalog database cannot be opened or used; the message says why."""


class CatalogURLError(CatalogError, BadInput):
    """The `--db` value is neither a database URL nor a usable file path: the user's input
    is wrong (a BadInput for exit codes and HTTP), still a CatalogError for callers."""


class CatalogStoppedError(CatalogError):
    """No further write can succeed (disk full, read-only catalog): stop the batch."""


def our_tables() -> set[str]:
    """Tables a modelkb catalog may hold; anything else belongs to another program."""
    from db.models import Base
    from db.vector_schema import TABLES

    return set(Base.metadata.tables) | set(TABLES) | {"alembic_version"}


def _refuse_foreign(tables: set[str], where: str) -> None:
    foreign = sorted(tables - our_tables())
    if foreign:
        shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
        raise CatalogError(
            f"{where} is not a modelkb catalog (it holds other tables: {shown}); "
            "refusing to change it: choose another --db"
        )


def _sqlite_uri(path: Path, **params: str) -> str:
    from urllib.parse import quote, urlencode

    return f"file:{quote(str(path))}?{urlencode(params)}"


def _check_sqlite_file(path: Path) -> None:
    """Before anything writes to an existing file (even the WAL switch): it must be a
    SQLite database holding nothing but our tables. Read-only, changes nothing."""
    import sqlite3

    if not path.is_file() or path.stat().st_size == 0:
        return
    try:
        con = sqlite3.connect(_sqlite_uri(path, mode="ro"), uri=True, timeout=BUSY_TIMEOUT_S)
        try:
            rows = con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite!_%' ESCAPE '!'"
            ).fetchall()
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        if "not a database" in str(exc) or "malformed" in str(exc):
            raise CatalogError(f"{path} is not a SQLite database ({exc}); refusing to touch it") from None
        return  # unreadable for another reason (WAL files of a read-only folder): the engine says why
    _refuse_foreign({r[0] for r in rows}, str(path))


_READ_ONLY: "weakref.WeakSet[Engine]" = weakref.WeakSet()


def is_read_only(engine: Engine) -> bool:
    """Whether `engine` was opened read-only because its SQLite file cannot be written here."""
    return engine in _READ_ONLY


def sqlite_writable(path: Path) -> bool:
    """Whether SQLite can write here: the file (if any) and its folder (journal, WAL, -shm)."""
    folder_ok = os.access(path.parent, os.W_OK) if path.parent.exists() else True
    return folder_ok and (not path.exists() or os.access(path, os.W_OK))


_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")
# scheme:// user : password @ rest; the password runs to the last '@' (it may hold '/' or '@')
_USER_PASSWORD = re.compile(r"^(?P<head>[^:/@\s]*:/*)?(?P<user>[^:/@\s]*):(?P<pw>.*)@(?P<rest>[^@]*)$", re.DOTALL)


def mask_password(text: str) -> str:
    """`text` with a `user:password@` part written as `user:***@`, for error messages."""
    return _USER_PASSWORD.sub(lambda m: f"{m['head'] or ''}{m['user']}:***@{m['rest']}", text)


def _looks_like_path(value: str) -> bool:
    """A bare path: no ':' at all, or one that is plainly a path (/x, ./x, ../x, ~/x, C:\\x)."""
    if ":" not in value:
        return True
    return value.startswith(("/", "./", "../", "~")) or bool(_WINDOWS_DRIVE.match(value))


def resolve_url(raw: str) -> str:
    """The SQLAlchemy URL for a `--db` value: a URL as given, a file path as a SQLite URL.

    Anything else (a URL without `://`, a malformed port, a SQLite URL naming a
    folder) is one CatalogError with the password masked, never a catalog file
    named after the string."""
    value = raw.strip()
    shown = mask_password(value)
    if not value:
        raise CatalogURLError("the database is empty: give a SQLAlchemy URL or a SQLite file path")
    if "://" in value:
        try:
            make_url(value)
        except Exception as exc:  # ArgumentError, ValueError (a port that is not a number), ...
            detail = "the port is not a number" if isinstance(exc, ValueError) else "cannot be parsed"
            raise CatalogURLError(f"not a database URL: {shown!r} ({detail})") from None
        path = sqlite_path(value)
        if path is not None and (not path.name or path.is_dir()):
            raise CatalogURLError(f"{shown!r} names a folder, not a SQLite file ({path})")
        return value
    if not _looks_like_path(value):  # "postgresql:/u:pw@host/kb", ":::": a mistyped URL
        raise CatalogURLError(
            f"not a database URL or a file path: {shown!r} (a URL has '://', e.g. "
            "postgresql+psycopg://user@host/kb; for a SQLite file whose name has ':' write ./NAME)"
        )
    path = Path(value).expanduser().resolve()
    if path.is_dir():
        raise CatalogURLError(f"{shown!r} is a folder, not a SQLite file")
    return f"sqlite:///{path}"


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def make_engine(url: str) -> Engine:
    """An engine for `url`. SQLite: the file's folder is created; an existing file
    that belongs to another program is refused before anything is written; a file
    that cannot be written (read-only folder or file) is opened read-only, with
    `is_read_only(engine)` true, so it can still be read."""
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy raises ArgumentError with a terse text
        raise CatalogURLError(f"not a database URL: {mask_password(url)!r} ({exc})") from None
    path = sqlite_path(url)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CatalogError(f"cannot create the folder of the catalog {path}: {exc.strerror or exc}") from None
        _check_sqlite_file(path)
        if not sqlite_writable(path):
            if not path.exists():
                raise CatalogError(f"cannot create the catalog {path}: its folder is read-only")
            return _read_only_sqlite(path)
        engine = create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_S})
        _configure_sqlite(engine)
        return engine
    try:
        return create_engine(parsed, pool_pre_ping=True)
    except Exception as exc:
        raise CatalogError(f"cannot use database {parsed.render_as_string(hide_password=True)}: {exc}") from None


def _read_only_sqlite(path: Path) -> Engine:
    """A read-only engine on `path`. A WAL database needs its -shm file even to be read;
    in a read-only folder it cannot be created, so then the file is opened immutable
    (nobody can be writing it: nobody may)."""
    import sqlite3

    def connect() -> sqlite3.Connection:
        con = sqlite3.connect(_sqlite_uri(path, mode="ro"), uri=True, timeout=BUSY_TIMEOUT_S,
                              check_same_thread=False)
        try:
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return con
        except sqlite3.OperationalError:
            con.close()
        return sqlite3.connect(_sqlite_uri(path, mode="ro", immutable="1"), uri=True, check_same_thread=False)

    engine = create_engine("sqlite://", creator=connect)
    _READ_ONLY.add(engine)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        conn.exec_driver_sql("BEGIN")

    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        immediate = conn.get_execution_options().get("write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextlib.contextmanager
def schema_lock(engine: Engine) -> Iterator[None]:
    """Serialize schema upgrades between processes (file lock / advisory lock)."""
    path = sqlite_path(str(engine.url))
    if path is not None:
        with open(f"{path}.lock", "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
    elif engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(7212024)"))
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(7212024)"))
                conn.commit()
    else:
        yield


def _alembic_config():
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


_REVISION_LINE = re.compile(r"^revision(?:\s*:[^=\n]+)?\s*=\s*['\"]([^'\"]+)['\"]\s*$", re.MULTILINE)
_DOWN_LINE = re.compile(r"^down_revision(?:\s*:[^=\n]+)?\s*=\s*(None|['\"]([^'\"]+)['\"])\s*$", re.MULTILINE)


def quick_head_revision() -> str | None:
    """The head read from the migration files' `revision` / `down_revision` lines, so an
    up-to-date catalog opens without importing Alembic (a few hundred ms on every command).

    None when the files are not one plain chain (a merge, a tuple, an unreadable file):
    then Alembic decides."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        try:
            source = path.read_text(encoding="utf-8")
        except OSError:
            return None
        found = _REVISION_LINE.findall(source)
        if not found:
            continue  # __init__.py and other helpers
        down = _DOWN_LINE.findall(source)
        if len(found) != 1 or len(down) != 1:
            return None
        revisions.add(found[0])
        if down[0][0] != "None":
            parents.add(down[0][1])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and parents <= revisions else None


def _stored_revision(engine: Engine) -> str | None:
    """The catalog's `alembic_version`, read with plain SQL; None when absent or unreadable."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except SQLAlchemyError:
        return None
    return rows[0] if len(rows) == 1 else None


def upgrade(engine: Engine, notify: Callable[[str], None] | None = None) -> None:
    """Bring the schema to the newest revision; a no-op when it is current.

    The common case (current) is decided without Alembic: see `quick_head_revision`."""
    quick = quick_head_revision()
    if quick is not None and _stored_revision(engine) == quick:
        return
    head = head_revision()
    current = current_revision(engine)
    if current == head:
        return
    if current is None:
        _refuse_foreign(set(inspect(engine).get_table_names()), "the database")
    if is_read_only(engine):
        raise CatalogError(
            "the catalog is read-only and "
            + ("holds no catalog yet" if current is None else f"needs a schema upgrade ({current} -> {head})")
        )
    from alembic import command

    with schema_lock(engine):
        current = current_revision(engine)
        if current == head:
            return
        if current is None and "items" in inspect(engine).get_table_names():
            raise CatalogError("database has catalog tables but no schema version; refusing to touch it")
        cfg = _alembic_config()
        if current is not None and not _known_revision(cfg, current):
            raise CatalogError(
                f"database schema version {current} is unknown to this modelkb (newest known: {head}); "
                "it was written by a newer modelkb: upgrade modelkb to use it"
            )
        if notify and current is not None:
            notify(f"upgrading catalog schema {current} -> {head}")
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")


def _known_revision(cfg, revision: str) -> bool:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        return ScriptDirectory.from_config(cfg).get_revision(revision) is not None
    except CommandError:
        return False


def default_sqlite_url(home: Path) -> str:
    return f"sqlite:///{os.fspath(home / 'catalog.db')}"
