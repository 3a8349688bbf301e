"""Crash safety and concurrency, with real `modelkb` processes.

- A `modelkb ingest` killed with SIGKILL mid-run leaves every document whole or
  absent, a database that opens, and an index that `doctor` reports as stale;
  the next ingest brings everything in.
- Two `modelkb ingest` processes on overlapping files at once both succeed and
  leave exactly the catalog a sequential ingest gives (SQLite and PostgreSQL).
- The index: concurrent writers, and a writer killed mid-commit.

Subprocesses run `python -m modelkb.cli` (with `--no-index`: no model needed), or
the same CLI with the tests' fake embedder where they index, so that process
start-up is a second, not ten; in-process checks use `run_cli` (fake embedder).
The real model in a subprocess is exercised by test_bad_input_cli's 50 MB test.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
from conftest import SEEDS  # noqa: E402  (one place says where the seeds are)
PAPER_POOL = 12  # arXiv id variants: keeps the distinct items (and embedding time) small

pytestmark = pytest.mark.slow


# -- a corpus of distinct prompt files -------------------------------------------

def make_corpus(folder: Path, n: int, vary_summaries: bool = False) -> list[Path]:
    """`n` distinct prompt files from the seed prompts: each has its own question;
    paper arXiv ids vary over PAPER_POOL variants; with `vary_summaries`, each file
    carries a different-length cut of every summary (so items get enriched)."""
    prompts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))
               if "asked the following question" in p.read_text(encoding="utf-8")]
    assert len(prompts) >= 4, "seed prompts missing"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        t = prompts[i % len(prompts)]
        t = re.sub(r'question:\n"([^"\n]*)"', lambda m: f'question:\n"{m.group(1)} (case {i})"', t, count=1)
        shift = i % PAPER_POOL
        t = re.sub(r"arxiv\.org/pdf/(\d{4})\.(\d{5})",
                   lambda m: f"arxiv.org/pdf/{m.group(1)}.{(int(m.group(2)) + 7 * shift) % 100000:05d}", t)
        if vary_summaries:
            t = re.sub(r"^(Summary: )(.*)$", lambda m: m.group(1) + m.group(2)[: 60 + (i * 37) % 400], t,
                       flags=re.MULTILINE)
        p = folder / f"p{i:04d}.txt"
        p.write_text(t, encoding="utf-8")
        paths.append(p)
    return paths


def expected_mentions(paths: list[Path]) -> dict[str, int]:
    """sha256 -> number of mentions parsing that file gives (one per (item, role))."""
    from catalog import parse_bytes

    out = {}
    for p in paths:
        doc = parse_bytes(p.read_bytes(), str(p))
        out[doc.sha256] = len({(it.item.key, it.role) for it in doc.items})
    return out


# -- helpers ------------------------------------------------------------------------

def cli_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELKB_")}
    env.update(MODELKB_HOME=str(home), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               TOKENIZERS_PARALLELISM="false", OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    return env


# `modelkb` exactly as installed, except that it embeds with the tests' fake embedder
# (no torch: a process starts in a second, not ten). Indexes it writes match `run_cli`'s.
_FAKE_EMBEDDER_CLI = (
    "import sys\n"
    f"sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})\n"
    "import modelkb.app\n"
    "from conftest import FakeEmbedder\n"
    "modelkb.app.make_embedder = lambda model: FakeEmbedder()\n"
    "from modelkb.cli import main\n"
    "sys.argv[0] = 'modelkb'\n"
    "main()\n"
)


def modelkb(home: Path, *args: str, fake_embedder: bool = False) -> subprocess.Popen:
    """`modelkb ARGS` in a subprocess with MODELKB_HOME=home."""
    head = [sys.executable, "-c", _FAKE_EMBEDDER_CLI] if fake_embedder else [sys.executable, "-m", "modelkb.cli"]
    return subprocess.Popen([*head, *args], cwd=ROOT, env=cli_env(home),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen, timeout: float = 180) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def sqlite_documents(db: Path) -> int:
    """Documents committed so far, read like any other reader would; -1 when not readable yet."""
    if not db.exists():
        return -1
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.05)
        try:
            return con.execute("SELECT count(*) FROM documents").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return -1


def dump(url: str) -> dict[str, list]:
    """Every row of the catalog, engine-independent (no ids, no timestamps), sorted."""
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            items = c.execute(text(
                "SELECT key, kind, name, paper_url, github_url, summary, arxiv_id, arxiv_version, task,"
                " architecture, variant FROM items")).all()
            docs = c.execute(text("SELECT sha256, path, format, question FROM documents")).all()
            mentions = c.execute(text(
                "SELECT d.sha256, i.key, m.role, m.position FROM mentions m"
                " JOIN documents d ON d.id = m.document_id JOIN items i ON i.id = m.item_id")).all()
    finally:
        engine.dispose()
    return {"items": sorted(map(tuple, items)), "documents": sorted(map(tuple, docs)),
            "mentions": sorted(map(tuple, mentions))}


def mentions_per_document(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            rows = c.execute(text(
                "SELECT d.sha256, count(m.id) FROM documents d LEFT JOIN mentions m ON m.document_id = d.id"
                " GROUP BY d.sha256")).all()
    finally:
        engine.dispose()
    return dict(rows)


# -- crash safety ----------------------------------------------------------------------

def test_sigkill_mid_ingest_leaves_whole_documents_and_a_stale_index_doctor_names(
        tmp_path, isolated_home, run_cli):
    home = isolated_home  # shared with the in-process `run_cli` checks
    db = home / "catalog.db"
    url = f"sqlite:///{db}"
    corpus = make_corpus(tmp_path / "corpus", 200)
    expected = expected_mentions(corpus)
    assert len(expected) == 200

    # a first ingest with an index, so the kill leaves an index that is stale, not absent
    first = run_cli("ingest", *map(str, corpus[:8]))
    assert first.exit_code == 0, first.output
    assert run_cli("doctor").exit_code == 0

    # the real `modelkb ingest`, killed once some files are committed
    proc = modelkb(home, "-q", "ingest", "--no-index", str(tmp_path / "corpus"))
    seen = -1
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        seen = sqlite_documents(db)
        if seen >= 30:
            break
        time.sleep(0.002)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "ingest ended before it could be killed; make the corpus bigger"
    assert 8 <= seen < 200

    # the database opens, is consistent, and holds only whole documents
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        con.close()
    stored = mentions_per_document(url)
    assert 30 <= len(stored) < 200
    for sha, count in stored.items():
        assert count == expected[sha], f"document {sha[:12]} has {count} of {expected[sha]} mentions"

    # doctor names the stale index
    doctor = run_cli("doctor")
    assert doctor.exit_code == 1, doctor.output
    problems = [ln for ln in doctor.stdout.splitlines() if ln.startswith("problem:")]
    assert problems and "Traceback" not in doctor.output
    assert any(re.search(r"out of date|catalog has", p) for p in problems), problems

    # the next ingest brings everything in; doctor is happy
    again = run_cli("ingest", "--json", str(tmp_path / "corpus"))
    assert again.exit_code == 0, again.output
    summary = json.loads(again.stdout)
    assert summary["files_new"] == 200 - len(stored) and summary["files_failed"] == 0
    assert summary["files_unchanged"] == len(stored)
    assert mentions_per_document(url) == expected
    doctor = run_cli("doctor")
    assert doctor.exit_code == 0, doctor.output
    assert doctor.stdout.startswith("ok:")


def test_index_writer_dying_mid_commit_is_detected_and_repaired(tmp_path, run_cli, monkeypatch):
    """A writer killed between moving the files in and writing the manifest: no index that
    passes the check is left behind, and the next sync rebuilds it."""
    corpus = make_corpus(tmp_path / "corpus", 12)
    assert run_cli("ingest", *map(str, corpus[:6])).exit_code == 0
    assert run_cli("doctor").exit_code == 0

    import indexer.files

    real_replace = os.replace
    moved = []

    class Killed(BaseException):  # not an Exception: nothing may catch and "handle" it
        pass

    def dying_replace(src, dst):
        if Path(dst).name in ("vectors.npy", "manifest.json") and moved:
            raise Killed
        moved.append(dst)
        return real_replace(src, dst)

    monkeypatch.setattr(indexer.files.os, "replace", dying_replace)
    with pytest.raises(Killed):
        run_cli("ingest", *map(str, corpus[6:]))
    monkeypatch.setattr(indexer.files.os, "replace", real_replace)

    doctor = run_cli("doctor")
    assert doctor.exit_code == 1 and "problem:" in doctor.stdout
    search = run_cli("search", "deblur", "--json")
    assert search.exit_code == 0, search.output
    assert run_cli("doctor").exit_code == 0


# -- concurrency ------------------------------------------------------------------------

def _two_at_once(home: Path, first: list[Path], second: list[Path], db_args: list[str], index: bool):
    flags = [] if index else ["--no-index"]
    procs = [modelkb(home, *db_args, "-q", "ingest", "--json", *flags, *map(str, files), fake_embedder=index)
             for files in (first, second)]
    results = [finish(p) for p in procs]
    for rc, out, err in results:
        assert rc == 0, err
        assert "Traceback" not in err
    return [json.loads(out) for _, out, _ in results]


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_two_ingests_at_once_equal_a_sequential_ingest(engine, tmp_path, request, run_cli):
    corpus = make_corpus(tmp_path / "corpus", 160, vary_summaries=True)
    first, second = corpus[:110], corpus[50:]
    home = tmp_path / "concurrent"
    if engine == "sqlite":
        url, ref_url = f"sqlite:///{home / 'catalog.db'}", f"sqlite:///{tmp_path / 'sequential.db'}"
    else:
        pg = request.getfixturevalue("pg_server")
        url, ref_url = pg.create_database(), pg.create_database()
    db_args = ["--db", url]
    # SQLite also races the two index writers (fake embedder); PostgreSQL only the catalog
    summaries = _two_at_once(home, first, second, db_args, index=engine == "sqlite")
    assert summaries[0]["files_failed"] == summaries[1]["files_failed"] == 0
    assert summaries[0]["files_new"] + summaries[1]["files_new"] == len(corpus)

    for files in (first, second):
        result = run_cli("--db", ref_url, "ingest", "--no-index", *map(str, files))
        assert result.exit_code == 0, result.output
    got, want = dump(url), dump(ref_url)
    assert len(got["documents"]) == len(corpus)
    assert len({row[0] for row in got["items"]}) == len(got["items"]), "duplicate item keys"
    assert got["items"] == want["items"]
    assert got == want
    assert mentions_per_document(url) == expected_mentions(corpus)

    if engine == "sqlite":
        # Both index writers read the catalog under the index lock: the last one wins with
        # the newest snapshot, so the index agrees with the catalog right away.
        doctor = run_cli("--db", url, "doctor")
        assert doctor.exit_code == 0, doctor.output


def test_longest_summary_wins_under_concurrent_enrichment(db_url, make_prompt):
    """Writers enrich the same paper at the same moment with summaries of different lengths:
    the catalog must end with the longest, as a sequential ingest would (no lost update).
    Without row locks PostgreSQL (READ COMMITTED) lost the longest in about half the rounds."""
    from catalog import parse_bytes
    from db import Catalog

    base = "Coarse-to-fine strategies have been extensively used for single image deblurring. " * 6
    writers, rounds = 6, 25

    def doc(r: int, k: int):
        paper = {"name": f"Paper {r}", "paper": f"http://arxiv.org/pdf/2108.{r:05d}v1.pdf",
                 "summary": base[: 60 + 70 * k].strip()}
        model = {"name": "Deblur-MIMO-UNet-RealBlur", "paper": None}
        if k == writers - 1:
            model["github"] = f"https://github.com/example/repo{r}"
        return parse_bytes(make_prompt(f"Deblur case {r}/{k}?", [model], [paper]).encode(), f"f{r}-{k}.txt")

    docs = {(r, k): doc(r, k) for r in range(rounds) for k in range(writers)}
    Catalog(db_url).close()  # schema first, then the race
    errors: list[BaseException] = []
    barrier = threading.Barrier(writers)

    def worker(k: int):
        cat = Catalog(db_url)
        try:
            for r in range(rounds):
                barrier.wait(60)
                cat.ingest(docs[r, k])
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
            barrier.abort()
        finally:
            cat.close()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    cat = Catalog(db_url)
    try:
        assert cat.stats() == {"documents": rounds * writers, "items": rounds + 1, "models": 1,
                               "papers": rounds, "mentions": 2 * rounds * writers}
        longest = base[: 60 + 70 * (writers - 1)].strip()
        lost = [r for r in range(rounds) if cat.item(f"arxiv:2108.{r:05d}").summary != longest]
        assert not lost, f"a shorter summary overwrote the longest in rounds {lost}"
        assert cat.item("Deblur-MIMO-UNet-RealBlur").github_url
    finally:
        cat.close()


def test_index_sync_from_an_older_catalog_snapshot_does_not_win(tmp_path, fake_embedder):
    from modelkb.app import App
    from modelkb.config import load_settings
    from modelkb.inputs import expand

    corpus = make_corpus(tmp_path / "corpus", 8)
    settings = load_settings()
    slow, fast = App(settings, embedder=fake_embedder), App(settings, embedder=fake_embedder)
    slow.ingest(expand([str(p) for p in corpus[:4]]))
    slow.sync_index()

    real_entries = slow.index_entries
    other = threading.Thread(target=lambda: (fast.ingest(expand([str(p) for p in corpus[4:]])), fast.sync_index()))

    def entries_then_other_process_runs():
        entries = real_entries()
        other.start()
        other.join(2)  # with the fix, `fast` waits for the index lock instead
        return entries

    slow.index_entries = entries_then_other_process_runs
    slow.sync_index()
    other.join(30)
    slow.index_entries = real_entries
    assert App(settings, embedder=fake_embedder).doctor() == []
