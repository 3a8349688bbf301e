"""Issue 12: the cases a red-team pass found, each driven through the CLI.

1. index files damaged at the same size, or swapped in from another catalog;
2. `answer -o` with clashing output names and unwritable outputs;
3. `--db` values that are neither a URL nor a path;
4. huge, endless and special input files;
5. HTML and dangerous links in rendered Markdown;
6. file names that are not UTF-8 or hold a newline;
7. foreign and read-only databases, a full disk, huge summaries, a held index lock.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest


# -- a small corpus ------------------------------------------------------------

def _models(tag: str) -> list[dict]:
    return [
        {"name": f"Deblur-MIMO-UNet-{tag}", "paper": "https://arxiv.org/abs/2108.05054",
         "github": "https://github.com/chosj95/MIMO-UNet",
         "summary": f"A multi-input multi-output U-Net that removes motion blur from photos ({tag})."},
        {"name": f"SR-RealESRGAN-x4-{tag}", "paper": "https://arxiv.org/abs/2107.10833",
         "github": "https://github.com/xinntao/Real-ESRGAN",
         "summary": f"Upscales low resolution images four times with a GAN trained on synthetic degradations ({tag})."},
    ]


def _papers(tag: str) -> list[dict]:
    return [
        {"name": f"Colorizing old black and white photographs {tag}", "paper": "https://arxiv.org/abs/2209.00001",
         "github": None, "summary": "Colorization of grayscale historical photographs with a diffusion prior."},
        {"name": f"Low-light enhancement with retinex {tag}", "paper": "https://arxiv.org/abs/2303.00002",
         "github": None, "summary": "Brightens dark night images using a retinex decomposition network."},
    ]


def write_corpus(folder: Path, make_prompt, tag: str = "a") -> Path:
    """Two prompt files (four distinct items) in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "one.txt").write_text(
        make_prompt(f"How do I sharpen a blurry photo? {tag}", _models(tag)[:1], _papers(tag)[:1]), encoding="utf-8")
    (folder / "two.txt").write_text(
        make_prompt(f"How do I upscale a small image? {tag}", _models(tag)[1:], _papers(tag)[1:]), encoding="utf-8")
    return folder


def _search(run_cli, query: str, *extra: str) -> list[dict]:
    result = run_cli("search", query, "--json", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# -- 1. index checksums ------------------------------------------------------------

@pytest.fixture
def indexed(run_cli, make_prompt, tmp_path, isolated_home):
    """A catalog with its index; returns the index folder."""
    result = run_cli("ingest", str(write_corpus(tmp_path / "corpus", make_prompt)))
    assert result.exit_code == 0, result.output
    assert run_cli("doctor").exit_code == 0
    return isolated_home / "catalog.db.index"


def _other_index(run_cli, make_prompt, tmp_path) -> Path:
    """The index folder of another catalog with as many items as `indexed`."""
    db = tmp_path / "other" / "catalog.db"
    result = run_cli("--db", str(db), "ingest", str(write_corpus(tmp_path / "corpus-b", make_prompt, tag="zzz")))
    assert result.exit_code == 0, result.output
    return db.with_name("catalog.db.index")


def _assert_detected_then_repaired(run_cli, victim: str, baseline: dict[str, list[dict]]) -> None:
    doctor = run_cli("doctor")
    assert doctor.exit_code == 1, doctor.output
    assert any(victim in line for line in doctor.stdout.splitlines() if line.startswith("problem:")), doctor.stdout
    for mode, before in baseline.items():
        after = _search(run_cli, "sharpen a blurry photo", "--mode", mode)
        assert after == before, f"{mode} results changed after {victim} was damaged"
        assert all(r["dense"] is None or -1.0001 <= r["dense"] <= 1.0001 for r in after)
    assert run_cli("doctor").exit_code == 0


def _baseline(run_cli) -> dict[str, list[dict]]:
    return {mode: _search(run_cli, "sharpen a blurry photo", "--mode", mode) for mode in ("dense", "lexical", "hybrid")}


@pytest.mark.parametrize("victim", ["vectors.npy", "faiss.index", "bm25"])
def test_same_size_corruption_of_an_index_file_is_found_and_repaired(run_cli, indexed, victim):
    baseline = _baseline(run_cli)
    if victim == "bm25":
        path = max((p for p in (indexed / "bm25").iterdir() if p.suffix == ".npy"), key=lambda p: p.stat().st_size)
    else:
        path = indexed / victim
    data = bytearray(path.read_bytes())
    if victim == "vectors.npy":  # huge floats where the vectors are: dense scores of 1e38
        data[-256:] = b"\x7f\x7e\x7e\x7e" * 64
    else:  # flip bytes in the middle of the payload, keep the header (the file still loads)
        mid = len(data) // 2
        for i in range(mid - 32, mid + 32):
            data[i] ^= 0x5A
    path.write_bytes(bytes(data))
    _assert_detected_then_repaired(run_cli, victim, baseline)


@pytest.mark.parametrize("victim", ["bm25", "vectors.npy"])
def test_a_file_swapped_in_from_another_catalog_is_found_and_repaired(run_cli, indexed, make_prompt, tmp_path, victim):
    import shutil

    other = _other_index(run_cli, make_prompt, tmp_path)
    baseline = _baseline(run_cli)
    if victim == "bm25":
        shutil.rmtree(indexed / "bm25")
        shutil.copytree(other / "bm25", indexed / "bm25")
    else:
        assert np.load(other / victim).shape == np.load(indexed / victim).shape
        shutil.copyfile(other / victim, indexed / victim)
    _assert_detected_then_repaired(run_cli, victim, baseline)


def test_manifest_records_a_checksum_of_every_index_file(run_cli, indexed):
    import hashlib

    manifest = json.loads((indexed / "manifest.json").read_text())
    files = sorted(p.relative_to(indexed).as_posix() for p in indexed.rglob("*")
                   if p.is_file() and p.name not in ("manifest.json", ".lock"))
    assert sorted(manifest["sha256"]) == files
    assert any(f.startswith("bm25/") for f in files)
    for name, digest in manifest["sha256"].items():
        assert hashlib.sha256((indexed / name).read_bytes()).hexdigest() == digest


def test_search_rebuilds_a_damaged_index_and_says_so(run_cli, indexed):
    vectors = indexed / "vectors.npy"
    data = bytearray(vectors.read_bytes())
    data[-4:] = b"\x00\x00\x80\x7f"
    vectors.write_bytes(bytes(data))
    result = run_cli("search", "blurry photo")
    assert result.exit_code == 0, result.output
    assert "search index rebuilt" in result.stderr and "vectors.npy" in result.stderr


# -- 2. answer -o -------------------------------------------------------------------

def test_answer_o_keeps_every_answer_when_inputs_share_a_name(run_cli, make_prompt, tmp_path):
    a = write_corpus(tmp_path / "a", make_prompt, tag="a") / "one.txt"
    b = write_corpus(tmp_path / "b", make_prompt, tag="b") / "one.txt"
    out = tmp_path / "answers"
    result = run_cli("answer", str(a), str(b), "-o", str(out))
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in out.iterdir())
    assert written == ["one-2.md", "one.md"]
    assert "sharpen a blurry photo? a" in (out / "one.md").read_text()
    assert "sharpen a blurry photo? b" in (out / "one-2.md").read_text()
    assert "one-2.md" in result.stderr  # the user is told where the second one went


def test_answer_o_write_error_is_reported_and_the_rest_are_written(run_cli, make_prompt, tmp_path):
    corpus = write_corpus(tmp_path / "c", make_prompt)
    out = tmp_path / "answers"
    (out / "one.md").mkdir(parents=True)  # cannot be written as a file
    result = run_cli("answer", str(corpus / "one.txt"), str(corpus / "two.txt"), "-o", str(out))
    assert result.exit_code == 1
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "one.md" in errors[0] and "one.txt" in errors[0], result.stderr
    assert "Traceback" not in result.output
    assert "upscale a small image" in (out / "two.md").read_text()


# -- 3. --db values ------------------------------------------------------------------

@pytest.mark.parametrize("value, says", [
    ("postgresql:/u:s3cret@host/kb", "not a database URL or a file path"),
    (":::", "not a database URL or a file path"),
    ("mysql:u:s3cret@db/kb", "not a database URL or a file path"),
    ("sqlite:////", "not a SQLite file"),
    ("postgresql://u:s3cret@host:abc/kb", "port is not a number"),
])
def test_db_value_that_is_neither_url_nor_path_is_one_clear_error(run_cli, tmp_path, monkeypatch, value, says):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    for args in (["--db", value, "stats"], ["stats"]):
        if args == ["stats"]:
            monkeypatch.setenv("MODELKB_DB", value)
        result = run_cli(*args)
        assert result.exit_code == 3  # bad input
        assert "Traceback" not in result.output and "ValueError" not in result.output
        assert result.stderr.startswith("Error:") and says in result.stderr, result.stderr
        assert "s3cret" not in result.output, "the password must never be echoed"
    assert list(cwd.rglob("*")) == [], "no catalog file may be created"


def test_db_bare_paths_still_work(run_cli, make_prompt, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    corpus = write_corpus(tmp_path / "c", make_prompt)
    for value in ("plain.db", "./with:colon.db", str(tmp_path / "abs.db")):
        result = run_cli("--db", value, "ingest", "--no-index", str(corpus))
        assert result.exit_code == 0, result.output
        name = value.split("/")[-1]
        assert (tmp_path / name).is_file()


# -- 4. huge, endless and special input files ------------------------------------------

def _modelkb_limited(tmp_path: Path, *args: str, stdin=None, env: dict | None = None,
                     address_space_mb: int = 1500) -> tuple:
    """`modelkb ARGS` in a subprocess whose address space is capped (a runaway read ends
    in MemoryError instead of eating the machine); returns (result, peak RSS in MB)."""
    import os
    import resource
    import subprocess
    import sys

    from test_bad_input_cli import _RSS_WRAPPER

    rss = tmp_path / "rss.txt"
    full_env = {k: v for k, v in os.environ.items() if k != "MODELKB_DB"}
    full_env.update(RSS_FILE=str(rss), HF_HUB_OFFLINE="1", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
                    **(env or {}))

    def cap() -> None:
        limit = address_space_mb << 20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    proc = subprocess.run([sys.executable, "-c", _RSS_WRAPPER, *args], env=full_env, stdin=stdin,
                          capture_output=True, text=True, timeout=300, preexec_fn=cap)
    return proc, int(rss.read_text()) // 1024 if rss.exists() else -1


def test_a_3gb_file_is_refused_from_its_size_without_reading_it(tmp_path):
    big = tmp_path / "huge.txt"
    with open(big, "wb") as fh:  # sparse: costs no disk
        fh.truncate(3 * 1024**3)
    proc, peak_mb = _modelkb_limited(tmp_path, "ingest", "--no-index", str(big))
    assert proc.returncode == 1, proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "huge.txt" in errors[0] and "too large: 3221225472 bytes" in errors[0], proc.stderr
    assert 0 < peak_mb < 400, f"peak RSS {peak_mb} MB for refusing a 3 GB file"


@pytest.mark.parametrize("source", ["/dev/zero", "stdin", "fifo"])
def test_an_endless_input_is_refused_at_the_cap(tmp_path, source):
    import os
    import threading

    stdin = None
    if source == "/dev/zero":
        args = ["/dev/zero"]
    elif source == "stdin":
        stdin = open("/dev/zero", "rb")
        args = ["-"]
    else:
        fifo = tmp_path / "endless.txt"
        os.mkfifo(fifo)

        def feed() -> None:
            try:
                with open(fifo, "wb") as fh:
                    while True:
                        fh.write(b"Model: x\n" * 100_000)
            except (BrokenPipeError, OSError):
                pass

        threading.Thread(target=feed, daemon=True).start()
        args = [str(fifo)]
    try:
        proc, peak_mb = _modelkb_limited(tmp_path, "ingest", "--no-index", *args,
                                         stdin=stdin, env={"MODELKB_MAX_FILE_BYTES": str(8 << 20)})
    finally:
        if stdin is not None:
            stdin.close()
    assert proc.returncode == 1, proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and f"file too large: more than {8 << 20} bytes" in errors[0], proc.stderr
    assert "MemoryError" not in proc.stderr
    assert 0 < peak_mb < 400, f"peak RSS {peak_mb} MB"


# -- 5. rendered Markdown ----------------------------------------------------------------

HOSTILE_LINKS = {
    "models": [{"name": "Deblur-<img src=x onerror=alert(1)>-Net", "paper": "javascript:alert(1)",
                "github": "https://github.com/a/b>c<script>alert(4)</script>",
                "summary": "Removes motion blur <script>alert(2)</script> from photos. It uses a "
                           "[click](javascript:alert(3)) U-Net trained on blurred and sharp pairs."}],
    "papers": [{"name": "Deblurring paper [x](vbscript:msgbox(1))", "paper": "file:///etc/passwd",
                "github": "https://github.com/x/y z)", "summary":
                "A deblurring paper with <b>bold</b> &amp; ![pixel](https://track.example/p.gif) text."},
               {"name": "Motion deblurring with <iframe src=javascript:alert(5)>", "paper": "vbscript:msgbox(2)",
                "github": "https://github.com/ok/repo?a=1&b=2", "summary": "Deblurring of photos."}],
}


def _html_of(markdown: str) -> str:
    """The Markdown as a CommonMark renderer with raw HTML allowed (the worst case) shows it."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)


def test_answer_markdown_has_no_live_html_and_only_web_links(run_cli, make_prompt, tmp_path):
    import re

    prompt = tmp_path / "hostile.txt"
    prompt.write_text(make_prompt("How do I deblur <script>alert(0)</script> photos?", HOSTILE_LINKS["models"],
                                  HOSTILE_LINKS["papers"]), encoding="utf-8")
    result = run_cli("answer", "--no-ingest", str(prompt))
    assert result.exit_code == 0, result.output
    html = _html_of(result.stdout)
    for tag in ("<script", "<img", "<iframe", "<b>"):
        assert tag not in html, f"{tag} became live HTML"
    hrefs = re.findall(r'(?:href|src)="([^"]*)"', html)
    assert hrefs and all(h.startswith(("http://", "https://")) for h in hrefs), hrefs
    # the `>` in the GitHub URL stayed inside its link; the text still shows what the file said
    assert "https://github.com/a/b%3Ec%3Cscript%3Ealert(4)%3C/script" in hrefs
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "javascript:alert(1)" not in hrefs
    assert "file:///etc/passwd (not a web link)" in html


def test_answer_json_keeps_links_as_written_and_stays_grounded(run_cli, make_prompt, tmp_path):
    from answerer.grounding import check_grounding, extract_urls
    from answerer.render import to_markdown
    from catalog import parse_file

    prompt = tmp_path / "hostile.txt"
    text = make_prompt("How do I deblur photos?", HOSTILE_LINKS["models"], HOSTILE_LINKS["papers"])
    prompt.write_text(text, encoding="utf-8")
    result = run_cli("answer", "--no-ingest", "--format", "json", str(prompt))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    doc = parse_file(prompt)
    as_written = {p.item.name: p.cited() for p in doc.items}
    for r in data["ranking"]:
        assert r["github_url"] == as_written[r["name"]].github_url  # not escaped, not encoded
        assert r["paper_url"] == as_written[r["name"]].paper_url
        if r["github_url"]:
            assert r["github_url"] in text
    assert "https://github.com/ok/repo?a=1&b=2" in {r["github_url"] for r in data["ranking"]}
    # every link of the Markdown is in the file (a percent-encoded `>` counts as itself)
    from answerer.compose import compose
    from conftest import FakeEmbedder

    ans = compose(doc.question, doc.items, FakeEmbedder(), source=doc.text)
    assert check_grounding(ans, doc) == []
    assert "https://github.com/ok/repo?a=1&b=2" in extract_urls(to_markdown(ans))
    # and an invented link is still caught
    ans.references[0].github_url = "https://evil.example/x"
    assert any("link not in the prompt file: https://evil.example/x" in p for p in check_grounding(ans, doc))


# -- 6. file names ----------------------------------------------------------------------

def test_non_utf8_and_newline_file_names(run_cli, make_prompt, tmp_path):
    import os

    folder = tmp_path / "names"
    write_corpus(folder, make_prompt)
    raw = os.fsencode(folder) + b"/caf\xe9 \xff.txt"  # Latin-1 bytes: not UTF-8
    os.rename(folder / "one.txt", raw)
    newline = folder / "two\nlines.txt"
    os.rename(folder / "two.txt", newline)
    result = run_cli("ingest", "--no-index", os.fsdecode(raw), str(newline), str(folder / "gone\nfile.txt"))
    assert result.exit_code == 1, result.output  # only the missing file fails
    assert "2 new" in result.stdout, result.output
    errors = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert errors == [f"error: {folder}/gone\\nfile.txt: no such file or directory"], result.stderr
    sources = set()
    for item in json.loads(run_cli("list", "--json").stdout):
        sources |= {s["path"] for s in json.loads(run_cli("show", item["key"], "--json").stdout)["sources"]}
    assert sources == {f"{folder}/caf\\xe9 \\xff.txt", f"{folder}/two\\nlines.txt"}
    answered = run_cli("answer", "--no-ingest", os.fsdecode(raw), "-o", str(tmp_path / "out"))
    assert answered.exit_code == 0, answered.output
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["caf\\xe9 \\xff.md"]


# -- 7. foreign and read-only databases, a full disk, huge summaries, a held lock -------

def _sqlite_tables(path: Path) -> set[str]:
    import sqlite3

    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        con.close()


def test_another_programs_sqlite_database_is_refused_untouched(run_cli, make_prompt, tmp_path):
    import hashlib
    import sqlite3

    theirs = tmp_path / "their_app.db"
    con = sqlite3.connect(theirs)
    con.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    con.execute("INSERT INTO customers (name) VALUES ('Ada')")
    con.commit()
    con.close()
    before = hashlib.sha256(theirs.read_bytes()).hexdigest()
    corpus = write_corpus(tmp_path / "c", make_prompt)
    for args in (["stats"], ["list"], ["ingest", str(corpus)], ["search", "blur"]):
        result = run_cli("--db", str(theirs), *args)
        assert result.exit_code == 5, (args, result.output)  # the database cannot be used
        assert "not a modelkb catalog" in result.stderr and "customers" in result.stderr, result.stderr
        assert "Traceback" not in result.output
    assert hashlib.sha256(theirs.read_bytes()).hexdigest() == before, "their database was changed"
    assert _sqlite_tables(theirs) == {"customers"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c", "modelkb-home", "their_app.db"]


def test_a_file_that_is_not_a_database_is_refused_untouched(run_cli, tmp_path):
    notes = tmp_path / "notes.db"
    notes.write_text("my notes, not a database\n" * 100)
    before = notes.read_bytes()
    result = run_cli("--db", str(notes), "stats")
    assert result.exit_code == 5 and "not a SQLite database" in result.stderr, result.output
    assert notes.read_bytes() == before


def _read_only_runner(folder: Path) -> list[str] | None:
    """A command prefix under which `folder` is read-only for the child, or None if this
    machine cannot do that. Not root: file modes do it (made read-only by the caller).
    Root ignores file modes, so there the child gets a private read-only bind mount."""
    import os
    import shutil
    import subprocess

    if os.geteuid() != 0:
        return []
    if not shutil.which("unshare") or subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode:
        return None
    script = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'
    return ["unshare", "-m", "--propagation", "private", "sh", "-c", script, str(folder)]


@pytest.mark.slow
def test_a_read_only_catalog_can_be_read_and_refuses_writes_clearly(run_cli, make_prompt, tmp_path):
    import os
    import subprocess
    import sys

    from test_reliability import _FAKE_EMBEDDER_CLI

    home = tmp_path / "home"
    corpus = write_corpus(tmp_path / "corpus", make_prompt)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELKB_")}
    env.update(MODELKB_HOME=str(home), HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1")
    prefix = _read_only_runner(home)
    if prefix is None:
        pytest.skip("cannot make a folder read-only for root here (no unshare / mount)")

    def modelkb(*args: str, read_only: bool = True) -> subprocess.CompletedProcess:
        cmd = [sys.executable, "-c", _FAKE_EMBEDDER_CLI, *args]
        return subprocess.run([*(prefix if read_only else []), *cmd], env=env, capture_output=True, text=True,
                              timeout=180)

    first = modelkb("ingest", str(corpus / "one.txt"), read_only=False)
    assert first.returncode == 0, first.stderr
    expected = json.loads(modelkb("stats", "--json", read_only=False).stdout)
    hits = json.loads(modelkb("search", "blurry photo", "--json", read_only=False).stdout)
    assert not list(home.glob("*-wal")), "a cleanly closed catalog leaves no WAL file"
    modes = {p: p.stat().st_mode for p in [home, *home.rglob("*")]}
    for p in modes:
        p.chmod(0o555 if p.is_dir() else 0o444)
    try:
        stats = modelkb("stats", "--json")
        assert stats.returncode == 0, stats.stderr
        assert json.loads(stats.stdout) == expected
        assert modelkb("list").returncode == 0
        shown = modelkb("show", "Deblur-MIMO-UNet-a", "--json")
        assert shown.returncode == 0 and json.loads(shown.stdout)["name"] == "Deblur-MIMO-UNet-a", shown.stderr
        search = modelkb("search", "blurry photo", "--json")
        assert search.returncode == 0, search.stderr
        assert json.loads(search.stdout) == hits
        assert modelkb("doctor").returncode == 0

        write = modelkb("ingest", str(corpus / "one.txt"), str(corpus / "two.txt"))
        assert write.returncode == 1
        errors = [ln for ln in write.stderr.splitlines() if ln.startswith("error:")]
        assert len(errors) == 1 and "read-only" in errors[0], write.stderr
        assert "Traceback" not in write.stderr
        assert "2 file(s): 0 new, 0 unchanged, 1 failed, 1 not tried" in write.stdout
    finally:
        for p, mode in modes.items():
            p.chmod(mode)


def test_a_full_disk_stops_the_batch_with_one_message_and_a_summary(run_cli, make_prompt, tmp_path, isolated_home):
    """SQLite's own SQLITE_FULL ("database or disk is full"), made real by capping the
    database's page count: the first file that needs a new page cannot be stored."""
    import sqlite3

    from sqlalchemy import event
    from sqlalchemy.pool import Pool

    corpus = tmp_path / "many"
    corpus.mkdir()
    for i in range(12):
        models = [dict(m, name=f"{m['name']}-{i}", summary=m["summary"] * 40) for m in _models(str(i))]
        (corpus / f"p{i:02d}.txt").write_text(make_prompt(f"How do I sharpen photo {i}?", models, _papers(str(i))))
    first = run_cli("ingest", "--no-index", str(corpus / "p00.txt"))
    assert first.exit_code == 0, first.output
    db = isolated_home / "catalog.db"
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = con.execute("PRAGMA page_count").fetchone()[0]
    con.close()

    def cap_pages(dbapi_conn, _record) -> None:
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages + 2}")

    event.listen(Pool, "connect", cap_pages)
    try:
        result = run_cli("ingest", str(corpus))
    finally:
        event.remove(Pool, "connect", cap_pages)
    assert result.exit_code == 1
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert "disk is full" in errors[0] and "not tried" in errors[0], errors[0]
    assert "Traceback" not in result.output
    summary = result.stdout.strip().splitlines()[-1]
    assert summary.startswith("12 file(s): ") and "1 failed" in summary and "not tried" in summary, summary
    stored = json.loads(run_cli("stats", "--json").stdout)["documents"]
    assert 1 <= stored < 12


def test_no_space_for_the_index_still_prints_the_summary(run_cli, make_prompt, tmp_path, monkeypatch):
    import errno

    import indexer.store_write

    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(indexer.store_write, "save_npy", full)
    result = run_cli("ingest", str(write_corpus(tmp_path / "c", make_prompt)))
    assert result.exit_code == 1
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "No space left on device" in errors[0], result.stderr
    assert result.stdout.startswith("2 file(s): 2 new"), result.stdout
    assert json.loads(run_cli("stats", "--json").stdout)["documents"] == 2


def test_a_10mb_summary_gives_a_bounded_answer(run_cli, make_prompt, tmp_path):
    giant = ("deblurring network restores sharp detail from motion blur using multi scale features " * 120_000)
    many = "The network removes motion blur from photos. " * 220_000
    prompt = tmp_path / "huge.txt"
    prompt.write_text(make_prompt(
        "How do I deblur a photo?", [{"name": "Deblur-MIMO-UNet-RealBlur", "paper": None}],
        [{"name": "A paper with a giant sentence", "paper": "http://arxiv.org/pdf/2108.05054v1.pdf",
          "summary": giant[:10_000_000]},
         {"name": "A paper with many sentences", "paper": "http://arxiv.org/pdf/2108.05055v1.pdf",
          "summary": many[:10_000_000]}]), encoding="utf-8")
    assert prompt.stat().st_size > 19_000_000
    md = run_cli("answer", "--no-ingest", str(prompt))
    assert md.exit_code == 0, md.output[-2000:]
    js = run_cli("answer", "--no-ingest", "--format", "json", str(prompt))
    assert js.exit_code == 0, js.output[-2000:]
    assert len(md.stdout) < 100_000 and len(js.stdout) < 200_000, (len(md.stdout), len(js.stdout))
    data = json.loads(js.stdout)
    quotes = [e for r in data["ranking"] for e in r["evidence"]]
    assert quotes and max(len(q) for q in quotes) <= 401
    assert any(q.endswith("\u2026") for q in quotes)  # the cut is shown


def test_doctor_says_it_is_waiting_for_another_writer(run_cli, indexed):
    import fcntl
    import threading
    import time

    results = {}
    with open(indexed / ".lock", "a+b") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)  # another process embedding, as far as doctor can tell
        worker = threading.Thread(target=lambda: results.setdefault("doctor", run_cli("doctor")))
        worker.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not _someone_waits_on(indexed / ".lock"):
            time.sleep(0.05)
        fcntl.flock(held.fileno(), fcntl.LOCK_UN)
    worker.join(120)
    result = results["doctor"]
    assert result.exit_code == 0, result.output
    assert "waiting for another modelkb process" in result.stderr
    assert result.stdout.startswith("ok:")


def _someone_waits_on(path: Path) -> bool:
    """Whether a process is blocked on a lock of `path` (/proc/locks lists waiters with '->')."""
    import os

    ino = os.stat(path).st_ino
    try:
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return True  # cannot tell: release after the first poll
    return any("->" in ln and ln.split()[-3].endswith(f":{ino}") for ln in lines)
