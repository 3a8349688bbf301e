"""A bulk import killed part-way resumes: what was embedded before the kill is not embedded again.

- In process: a sync whose embedder dies after some chunks leaves those chunks in
  `journal/`; the next sync embeds exactly the rest, and the index equals one built
  in a single go.
- A real `modelkb ingest --jsonl` process (fake, slowed embedder that logs every text
  it embeds) is SIGKILLed mid-embedding; the rerun embeds only the texts whose vectors
  were not saved, and the catalog and index end complete and consistent.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from indexer.journal import JOURNAL_DIR, Journal
from indexer.store import IndexEntry, SearchIndex

ROOT = Path(__file__).resolve().parent.parent


def entries(n: int) -> list[IndexEntry]:
    return [IndexEntry.of(i + 1, f"paper {i} about topic {i % 17} and method {i % 5} " + "x" * (i % 40)) for i in range(n)]


class Dies(BaseException):
    """Stands for a kill: nothing may catch it."""


class DyingEmbedder:
    """The fake embedder that raises after `after` texts (counting whole calls)."""

    def __init__(self, base, after: int) -> None:
        self.base, self.after, self.calls = base, after, 0
        self.name, self.dimension = base.name, base.dimension

    def encode(self, texts, batch_size: int = 32, show_progress: bool = False):
        texts = list(texts)
        if self.calls + len(texts) > self.after:
            raise Dies()
        self.calls += len(texts)
        return self.base.encode(texts, batch_size=batch_size)


def test_killed_sync_resumes_from_the_journal(tmp_path, fake_embedder) -> None:
    items = entries(230)
    dying = DyingEmbedder(fake_embedder, after=120)
    index = SearchIndex(tmp_path / "index", dying, journal_every=50, batch_size=8)
    with pytest.raises(Dies):
        index.sync(items)
    assert not (tmp_path / "index" / "manifest.json").exists()  # no half index passes for complete
    journaled = Journal(tmp_path / "index" / JOURNAL_DIR, fake_embedder.name, fake_embedder.dimension).load()
    assert len(journaled) == 100  # two whole chunks of 50; the third died in flight

    fake_embedder.calls = 0
    starts: list[int] = []
    resumed = SearchIndex(tmp_path / "index", fake_embedder, journal_every=50, batch_size=8)
    report = resumed.sync(items, on_start=starts.append)
    assert (report.embedded, report.resumed, report.total) == (130, 100, 230)
    assert fake_embedder.calls == 130 and starts == [130]
    assert not (tmp_path / "index" / JOURNAL_DIR).exists()  # committed: journal gone
    assert resumed.check(items) == []

    clean = SearchIndex(tmp_path / "clean", fake_embedder, journal_every=50)
    clean.sync(items)
    for q in ("topic 3 method 2", "paper 77"):
        assert [h.id for h in resumed.search(q, k=10)] == [h.id for h in clean.search(q, k=10)]
    np.testing.assert_array_equal(np.load(tmp_path / "index" / "vectors.npy"), np.load(tmp_path / "clean" / "vectors.npy"))


def test_journal_of_another_model_or_a_forced_rebuild_is_not_used(tmp_path, fake_embedder) -> None:
    items = entries(120)
    folder = tmp_path / "index"
    Journal(folder / JOURNAL_DIR, "another-model", fake_embedder.dimension).append(
        [e.hash for e in items[:60]], np.ones((60, fake_embedder.dimension), dtype=np.float32))
    report = SearchIndex(folder, fake_embedder, journal_every=50).sync(items)
    assert (report.embedded, report.resumed) == (120, 0)
    Journal(folder / JOURNAL_DIR, fake_embedder.name, fake_embedder.dimension).append(
        [e.hash for e in items[:60]], np.ones((60, fake_embedder.dimension), dtype=np.float32))
    report = SearchIndex(folder, fake_embedder, journal_every=50).rebuild(items)
    assert (report.embedded, report.resumed) == (120, 0)
    assert not (folder / JOURNAL_DIR).exists()


def test_small_syncs_write_no_journal(tmp_path, fake_embedder, monkeypatch) -> None:
    appended = []
    monkeypatch.setattr(Journal, "append", lambda self, h, v: appended.append(len(h)))
    SearchIndex(tmp_path / "index", fake_embedder, journal_every=50).sync(entries(50))
    assert appended == []


# -- a real process, killed ----------------------------------------------------------

# `modelkb` with the tests' fake embedder, slowed down, logging the hash of every text it
# embedded (after the call returns) to $EMBED_LOG, one per line.
_SLOW_FAKE_CLI = (
    "import hashlib, os, sys, time\n"
    f"sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})\n"
    "import modelkb.app\n"
    "from conftest import FakeEmbedder\n"
    "class Slow(FakeEmbedder):\n"
    "    def encode(self, texts, batch_size=32, show_progress=False):\n"
    "        texts = list(texts)\n"
    "        time.sleep(0.0005 * len(texts))\n"
    "        out = super().encode(texts)\n"
    "        with open(os.environ['EMBED_LOG'], 'a') as fh:\n"
    "            fh.write(''.join(hashlib.sha256(t.encode()).hexdigest() + '\\n' for t in texts))\n"
    "        return out\n"
    "modelkb.app.make_embedder = lambda model: Slow()\n"
    "from modelkb.cli import main\n"
    "sys.argv[0] = 'modelkb'\n"
    "main()\n"
)


def run_modelkb(home: Path, log: Path, *args: str) -> subprocess.Popen:
    """`modelkb ARGS` in a subprocess with the slow fake embedder, MODELKB_HOME=home."""
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELKB_")}
    env.update(MODELKB_HOME=str(home), EMBED_LOG=str(log), PYTHONUNBUFFERED="1", OMP_NUM_THREADS="1")
    return subprocess.Popen([sys.executable, "-c", _SLOW_FAKE_CLI, *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _lines(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def write_corpus(path: Path, n: int) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"_id": f"d{i}", "title": f"Paper {i} on topic {i % 97}",
                                 "text": f"We study problem {i % 31} with method {i % 13}; sample {i}."}) + "\n")


def kill_and_resume(home: Path, work: Path, n: int, chunks_before_kill: int = 2) -> dict:
    """Import an n-record JSONL file, SIGKILL it once `chunks_before_kill` journal chunks
    are saved, rerun it to the end; what each run embedded, and the final state."""
    corpus = work / "corpus.jsonl"
    write_corpus(corpus, n)
    log1, log2 = work / "embedded-1.log", work / "embedded-2.log"
    journal = home / "catalog.db.index" / JOURNAL_DIR

    t0 = time.monotonic()
    proc = run_modelkb(home, log1, "ingest", "--jsonl", str(corpus))
    deadline = time.monotonic() + 1800
    while time.monotonic() < deadline and proc.poll() is None:
        if len(list(journal.glob("*.npz"))) >= chunks_before_kill:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    killed_after = time.monotonic() - t0
    saved = set(Journal(journal, "fake-hash-embedder", 64).load())

    t0 = time.monotonic()
    rerun = run_modelkb(home, log2, "ingest", "--json", "--jsonl", str(corpus))
    out, err = rerun.communicate(timeout=3600)
    rerun_s = time.monotonic() - t0
    stats = run_modelkb(home, log2, "stats", "--json")
    stats_out, _ = stats.communicate(timeout=300)
    doctor = run_modelkb(home, log2, "doctor")
    doctor_out, doctor_err = doctor.communicate(timeout=300)
    return {
        "records": n, "killed_returncode": proc.returncode, "killed_after_s": round(killed_after, 1),
        "first_run_embedded": _lines(log1), "saved_before_kill": saved, "rerun_returncode": rerun.returncode,
        "rerun_stderr": err, "rerun_summary": json.loads(out) if rerun.returncode == 0 else None,
        "rerun_s": round(rerun_s, 1), "second_run_embedded": _lines(log2),
        "stats": json.loads(stats_out) if stats.returncode == 0 else None,
        "doctor_returncode": doctor.returncode, "doctor_output": doctor_out + doctor_err,
        "journal_left": journal.exists(),
    }


@pytest.mark.slow
def test_sigkilled_jsonl_import_resumes_without_re_embedding(tmp_path, isolated_home) -> None:
    n = 6000
    r = kill_and_resume(isolated_home, tmp_path, n)
    assert r["killed_returncode"] == -signal.SIGKILL, "import finished before the kill; make the corpus bigger"
    saved, first, second = r["saved_before_kill"], r["first_run_embedded"], r["second_run_embedded"]
    assert 0 < len(saved) < n and saved <= set(first)
    assert r["rerun_returncode"] == 0, r["rerun_stderr"]
    assert r["rerun_summary"]["embedded"] == len(second) == n - len(saved)  # only what was not stored before
    assert not set(second) & saved  # nothing stored was embedded again
    assert len(set(second) | saved) == n  # nothing lost
    assert r["stats"]["items"] == n and r["stats"]["documents"] == 1
    assert r["doctor_returncode"] == 0, r["doctor_output"]
    assert not r["journal_left"]


# -- the catalog side: batches ---------------------------------------------------------

def _jsonl_doc(n: int, path: str = "bulk.jsonl"):
    from catalog.jsonl import parse_jsonl_bytes

    rows = [{"_id": f"d{i}", "title": f"Paper {i}", "text": f"Abstract {i}."} for i in range(n - 1)]
    link = "https://arxiv.org/abs/2308.15462"  # the first and the last row are one item
    rows.insert(0, {"_id": "x1", "title": "Linked", "text": "Short.", "paper_url": link})
    rows.append({"_id": "x2", "title": "Linked", "text": "A longer abstract that enriches the item.", "paper_url": link})
    return parse_jsonl_bytes("".join(json.dumps(r) + "\n" for r in rows).encode(), path)


def test_bulk_import_in_batches_equals_one_transaction(tmp_path) -> None:
    from db import Catalog

    doc = _jsonl_doc(23)
    one = Catalog(f"sqlite:///{tmp_path / 'one.db'}")
    batched = Catalog(f"sqlite:///{tmp_path / 'batched.db'}")
    a, b = one.ingest(doc), batched.ingest_bulk(doc, batch=5)
    assert (a.status, a.items_new, a.items_enriched, a.mentions) == (b.status, b.items_new, b.items_enriched, b.mentions) == ("new", 23, 0, 23)
    assert one.stats() == batched.stats()
    assert [(i.key, i.summary) for i in one.items()] == [(i.key, i.summary) for i in batched.items()]
    assert one.item("arxiv:2308.15462").summary.startswith("A longer abstract")
    assert batched.ingest_bulk(doc, batch=5).status == "unchanged"
    one.close(), batched.close()


def test_bulk_import_killed_between_batches_resumes(tmp_path, monkeypatch) -> None:
    from db import Catalog

    doc = _jsonl_doc(23)
    catalog = Catalog(f"sqlite:///{tmp_path / 'c.db'}")
    real_upsert, calls = Catalog._upsert, []

    def dying_upsert(self, session, parts, result, seen):
        if len(calls) == 2:
            raise Dies()
        calls.append(len(parts))
        return real_upsert(self, session, parts, result, seen)

    monkeypatch.setattr(Catalog, "_upsert", dying_upsert)
    with pytest.raises(Dies):
        catalog.ingest_bulk(doc, batch=5)
    assert catalog.stats() == {"documents": 0, "items": 10, "models": 0, "papers": 10, "mentions": 0}
    monkeypatch.setattr(Catalog, "_upsert", real_upsert)
    done = catalog.ingest_bulk(doc, batch=5)
    assert (done.status, done.items_new, done.mentions) == ("new", 13, 23)  # the first 10 were already in
    assert catalog.stats() == {"documents": 1, "items": 23, "models": 0, "papers": 23, "mentions": 23}
    catalog.close()
