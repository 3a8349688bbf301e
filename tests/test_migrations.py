"""Schema versions: a catalog upgrades itself on open, and refuses what it does not own.

Each test runs on SQLite and on PostgreSQL (`db_url` fixture). The upgrade path
is exercised with a test-only second revision written into a copy of the
migrations folder, so the real project needs no dummy migration.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import create_engine, inspect, text

import db.engine
from catalog.records import ItemRecord, ParsedDocument, ParsedItem
from db import Catalog, CatalogError
from db.engine import current_revision, head_revision

RELEASED_MIGRATIONS = db.engine.MIGRATIONS
ROOT = RELEASED_MIGRATIONS.parent.parent
RELEASED_HEAD = head_revision()
NEXT = "9999"  # the test-only revision, on top of the released head


def _alembic_upgrade(url: str, revision: str) -> None:
    """What an older modelkb would have left: the schema at `revision`, via Alembic itself."""
    from alembic import command

    engine = create_engine(url)
    try:
        cfg = db.engine._alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    finally:
        engine.dispose()


def _doc(sha: str = "a" * 64) -> ParsedDocument:
    rec = ItemRecord(key="model:deblur-mimo-unet-realblur", kind="model", name="Deblur-MIMO-UNet-RealBlur",
                     github_url="https://github.com/chosj95/MIMO-UNet", task="Deblur",
                     architecture="MIMO-UNet", variant="RealBlur")
    paper = ItemRecord(key="arxiv:2108.05054", kind="paper", name="Rethinking Coarse-to-Fine Approach",
                       paper_url="http://arxiv.org/pdf/2108.05054v2.pdf", arxiv_id="2108.05054", arxiv_version=2,
                       summary="Coarse-to-fine deblurring.")
    return ParsedDocument(path="x.txt", sha256=sha, format="prompt", question="how to deblur?",
                          items=[ParsedItem(rec, "recommended", 0, 14), ParsedItem(paper, "related", 0, 19)])


@pytest.fixture
def migrations_with_next(tmp_path, monkeypatch):
    """A copy of db/migrations plus a test-only revision after the released head (adds a
    column and an index), made current."""
    folder = tmp_path / "migrations"
    shutil.copytree(db.engine.MIGRATIONS, folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "versions" / f"{NEXT}_test_only.py").write_text(textwrap.dedent(f'''
        """test only: a nullable column and an index"""
        import sqlalchemy as sa
        from alembic import op

        revision = "{NEXT}"
        down_revision = "{RELEASED_HEAD}"
        branch_labels = None
        depends_on = None

        def upgrade():
            with op.batch_alter_table("items") as batch:
                batch.add_column(sa.Column("license", sa.Text, nullable=True))
            op.create_index("ix_documents_path", "documents", ["path"])

        def downgrade():
            op.drop_index("ix_documents_path", "documents")
            with op.batch_alter_table("items") as batch:
                batch.drop_column("license")
    '''))
    monkeypatch.setattr(db.engine, "MIGRATIONS", folder)
    assert head_revision() == NEXT
    return folder


def test_fresh_database_is_created_at_head(db_url):
    cat = Catalog(db_url)
    try:
        assert current_revision(cat.engine) == head_revision()
        assert {"items", "documents", "mentions", "alembic_version"} <= set(inspect(cat.engine).get_table_names())
        assert cat.stats() == {"documents": 0, "items": 0, "models": 0, "papers": 0, "mentions": 0}
    finally:
        cat.close()


def test_database_at_first_revision_opens_at_head(db_url):
    _alembic_upgrade(db_url, "0001")
    cat = Catalog(db_url)
    try:
        assert current_revision(cat.engine) == head_revision()
        assert cat.ingest(_doc()).status == "new"
    finally:
        cat.close()


def test_old_empty_database_upgrades_automatically_on_open(db_url, migrations_with_next):
    _alembic_upgrade(db_url, "0001")
    notes: list[str] = []
    cat = Catalog(db_url, notify=notes.append)
    try:
        assert current_revision(cat.engine) == NEXT
        cols = {c["name"] for c in inspect(cat.engine).get_columns("items")}
        assert "license" in cols
        assert notes == [f"upgrading catalog schema 0001 -> {NEXT}"]
        assert cat.ingest(_doc()).status == "new"
    finally:
        cat.close()
    # opening again is a no-op: no notice, same revision
    notes.clear()
    cat = Catalog(db_url, notify=notes.append)
    cat.close()
    assert notes == []


def test_old_database_keeps_its_data_through_the_upgrade(db_url, migrations_with_next, monkeypatch):
    with monkeypatch.context() as m:  # write data with the released schema
        m.setattr(db.engine, "MIGRATIONS", RELEASED_MIGRATIONS)
        cat = Catalog(db_url)
        assert current_revision(cat.engine) == RELEASED_HEAD
        cat.ingest(_doc())
        before = cat.stats()
        cat.close()
    cat = Catalog(db_url)
    try:
        assert current_revision(cat.engine) == NEXT
        assert cat.stats() == before == {"documents": 1, "items": 2, "models": 1, "papers": 1, "mentions": 2}
        item = cat.item("arxiv:2108.05054")
        assert item.arxiv_version == 2 and item.summary == "Coarse-to-fine deblurring."
    finally:
        cat.close()


def test_tables_without_schema_version_are_refused_untouched(db_url):
    engine = create_engine(db_url)
    with engine.begin() as conn:  # someone else's "items" table, not made by our migrations
        conn.execute(text("CREATE TABLE items (id INTEGER PRIMARY KEY, key VARCHAR(50), note TEXT)"))
        conn.execute(text("INSERT INTO items (id, key, note) VALUES (1, 'theirs', 'keep me')"))
    with pytest.raises(CatalogError, match="no schema version"):
        Catalog(db_url)
    try:
        assert set(inspect(engine).get_table_names()) == {"items"}, "nothing may be created beside it"
        assert [c["name"] for c in inspect(engine).get_columns("items")] == ["id", "key", "note"]
        with engine.connect() as conn:
            assert conn.execute(text("SELECT id, key, note FROM items")).all() == [(1, "theirs", "keep me")]
    finally:
        engine.dispose()


def test_refusal_is_one_clear_cli_error(run_cli, db_url):
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE items (id INTEGER PRIMARY KEY)"))
    engine.dispose()
    result = run_cli("--db", db_url, "stats")
    assert result.exit_code == 5  # the database cannot be used
    assert "Traceback" not in result.output
    assert result.stderr.startswith("Error:") and "no schema version" in result.stderr


def test_database_from_a_newer_modelkb_is_a_clear_error(db_url, migrations_with_next, monkeypatch):
    _alembic_upgrade(db_url, NEXT)  # written by a "future" modelkb ...
    monkeypatch.setattr(db.engine, "MIGRATIONS", RELEASED_MIGRATIONS)  # ... opened by today's
    with pytest.raises(CatalogError, match=NEXT):
        Catalog(db_url)


_OPEN = """
import sys
from db import Catalog
from db.engine import current_revision
cat = Catalog(sys.argv[1])
print(current_revision(cat.engine))
cat.close()
"""


def test_many_processes_opening_a_new_catalog_at_once(db_url):
    procs = [
        subprocess.Popen([sys.executable, "-c", _OPEN, db_url], cwd=ROOT, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
        assert out.strip() == head_revision()


def test_quick_head_agrees_with_alembic(migrations_with_next, monkeypatch):
    assert db.engine.quick_head_revision() == head_revision() == NEXT
    monkeypatch.setattr(db.engine, "MIGRATIONS", RELEASED_MIGRATIONS)
    assert db.engine.quick_head_revision() == head_revision()


def test_quick_head_gives_way_to_alembic_on_a_branch(migrations_with_next):
    (migrations_with_next / "versions" / "8888_branch.py").write_text(
        'revision = "8888"\ndown_revision = "0001"\nbranch_labels = None\n'
    )
    assert db.engine.quick_head_revision() is None  # two heads: not a plain chain


_OPEN_MODULES = """
import sys
from db import Catalog
cat = Catalog(sys.argv[1])
cat.close()
print(sorted(m for m in ('alembic', 'alembic.script', 'alembic.runtime.migration') if m in sys.modules))
"""


def test_opening_a_current_catalog_does_not_import_alembic(db_url):
    Catalog(db_url).close()  # created (Alembic runs)
    out = subprocess.run([sys.executable, "-c", _OPEN_MODULES, db_url], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, check=True).stdout
    assert out.strip() == "[]"


def test_pgvector_tables_are_never_taken_for_another_programs():
    """A second process that looks while the first is migrating sees the pgvector tables:
    they are ours, so it must wait for the lock instead of refusing the catalog."""
    db.engine._refuse_foreign({"items", "alembic_version", "embedding_models", "item_vectors"}, "x")
    with pytest.raises(db.engine.CatalogError, match="other tables: notes"):
        db.engine._refuse_foreign({"items", "notes"}, "x")
