"""Bad input at the command line: one clear line, exit 1, and a catalog left exactly as it was.

Drives `modelkb ingest` (in-process, fake embedder) over the bad-input corpus in
tests/data/bad/ (EXPECTED.json: file -> ok | reject), a 50 MB file of each kind,
paths with spaces and non-ASCII, and untrusted text (SQL, shell, path traversal,
Markdown table breakers) that must be stored verbatim as data.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
BAD = Path(__file__).resolve().parent / "data" / "bad"
EXPECTED_FILE = BAD / "EXPECTED.json"
EXPECTED: dict = json.loads(EXPECTED_FILE.read_text(encoding="utf-8")) if EXPECTED_FILE.is_file() else {}
FIFTY_MB = 50_000_000


def _catalog_state(run_cli, db: Path) -> dict:
    """What a user can see (list + stats) plus every row, ids and timestamps included."""
    listed = run_cli("list", "--json")
    stats = run_cli("stats", "--json")
    assert listed.exit_code == 0 and stats.exit_code == 0
    engine = create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as c:
            rows = {t: [tuple(r) for r in c.execute(text(f"SELECT * FROM {t} ORDER BY id"))]
                    for t in ("items", "documents", "mentions")}
    finally:
        engine.dispose()
    return {"list": json.loads(listed.stdout), "stats": json.loads(stats.stdout), "rows": rows}


@pytest.fixture
def seeded(run_cli, seeds_dir, isolated_home):
    """A catalog holding the seeds; returns a function giving its full state."""
    result = run_cli("ingest", "--no-index", str(seeds_dir))
    assert result.exit_code == 0, result.output
    db = isolated_home / "catalog.db"
    return lambda: _catalog_state(run_cli, db)


def _error_lines(result) -> list[str]:
    return [ln for ln in result.stderr.splitlines() if ln.startswith("error:")]


def test_bad_corpus_is_present():
    if not EXPECTED:
        pytest.skip("tests/data/bad/EXPECTED.json not written yet")
    for name in EXPECTED:
        assert (BAD / name).is_file(), f"EXPECTED.json lists {name}, which is missing"


@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if e["expect"] == "reject"))
def test_rejected_file_is_one_error_line_and_changes_nothing(run_cli, seeded, name):
    before = seeded()
    path = BAD / name
    result = run_cli("ingest", str(path))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    errors = _error_lines(result)
    assert len(errors) == 1, result.stderr
    assert str(path) in errors[0], f"the error line must name the file: {errors[0]}"
    assert EXPECTED[name]["message"].lower() in errors[0].lower(), errors[0]
    assert len(errors[0]) < 500, "one short line, not a dump"
    assert seeded() == before


@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if e["expect"] == "ok"))
def test_accepted_file_goes_in_and_loses_nothing(run_cli, seeded, name):
    before = seeded()
    result = run_cli("ingest", "--json", str(BAD / name))
    assert result.exit_code == 0, result.output
    assert _error_lines(result) == [] and "Traceback" not in result.output
    summary = json.loads(result.stdout)
    assert summary["files_new"] == 1
    after = seeded()
    assert after["stats"]["documents"] == before["stats"]["documents"] + 1
    new_keys = {i["key"] for i in after["list"]} - {i["key"] for i in before["list"]}
    assert len(new_keys) <= EXPECTED[name]["unique_keys"]
    after_by_key = {i["key"]: i for i in after["list"]}
    for old in before["list"]:  # enrichment may add, never remove
        new = after_by_key[old["key"]]
        for field, value in old.items():
            if value:
                assert new[field], f"{old['key']}.{field} was lost"
    again = run_cli("ingest", "--json", str(BAD / name))
    assert json.loads(again.stdout)["files_unchanged"] == 1


def test_whole_bad_corpus_at_once_reports_each_rejected_file_once(run_cli, seeded):
    if not EXPECTED:
        pytest.skip("tests/data/bad/EXPECTED.json not written yet")
    before = seeded()
    result = run_cli("ingest", "--json", *[str(BAD / n) for n in sorted(EXPECTED)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    rejected = [n for n, e in EXPECTED.items() if e["expect"] == "reject"]
    errors = _error_lines(result)
    assert len(errors) == len(rejected), result.stderr
    for n in rejected:
        assert sum(str(BAD / n) in e for e in errors) == 1, n
    summary = json.loads(result.stdout)
    ok = len(EXPECTED) - len(rejected)
    assert summary["files_failed"] == len(rejected)
    assert summary["files_new"] + summary["files_unchanged"] == ok
    assert seeded()["stats"]["documents"] == before["stats"]["documents"] + summary["files_new"]


# -- 50 MB ------------------------------------------------------------------------------

def _huge_prompt(make_prompt, size: int = FIFTY_MB) -> str:
    words = "deblurring network restores sharp detail from motion blur using multi scale features "
    summary = (words * (size // len(words) + 1))[:size]
    return make_prompt("How do I deblur a huge photo?",
                       [{"name": "Deblur-MIMO-UNet-RealBlur", "paper": None}],
                       [{"name": "A Paper With A Very Long Summary",
                         "paper": "http://arxiv.org/pdf/2108.05054v1.pdf", "summary": summary}])


# Peak RSS of the modelkb process itself: VmHWM belongs to the new address space, while
# getrusage's ru_maxrss survives exec and would report the (large) pytest worker that forked it.
_RSS_WRAPPER = (
    "import atexit, os, re, sys\n"
    "def _peak():\n"
    "    status = open('/proc/self/status').read()\n"
    "    open(os.environ['RSS_FILE'], 'w').write(re.search(r'VmHWM:\\s+(\\d+)', status).group(1))\n"
    "atexit.register(_peak)\n"
    "from modelkb.cli import main\n"
    "sys.argv[0] = 'modelkb'\n"
    "main()\n"
)


def _modelkb_measured(tmp_path: Path, *args: str, timeout: float = 120) -> tuple[subprocess.CompletedProcess, int]:
    """Run modelkb in a subprocess; returns the result and its peak RSS in MB."""
    rss = tmp_path / "rss.txt"
    env = {k: v for k, v in os.environ.items() if k != "MODELKB_DB"}
    env.update(RSS_FILE=str(rss), HF_HUB_OFFLINE="1")
    proc = subprocess.run([sys.executable, "-c", _RSS_WRAPPER, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
    return proc, int(rss.read_text()) // 1024


@pytest.mark.slow
def test_50mb_of_garbage_is_rejected_cheaply(tmp_path, seeded):
    before = seeded()
    big = tmp_path / "garbage.txt"
    big.write_bytes(random.Random(5).randbytes(FIFTY_MB))
    proc, peak_mb = _modelkb_measured(tmp_path, "ingest", "--no-index", str(big))
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and str(big) in errors[0]
    assert peak_mb < 800, f"peak RSS {peak_mb} MB for rejecting a 50 MB file"
    assert seeded() == before


@pytest.mark.slow
@pytest.mark.real_model
def test_50mb_prompt_with_a_huge_summary_is_stored_whole_and_indexed_cheaply(tmp_path, run_cli, seeded, make_prompt):
    """The real `modelkb ingest`, real model: the summary is stored whole, and indexing
    it costs bounded time and memory (the indexer caps the text it embeds per item)."""
    before = seeded()
    big = tmp_path / "huge summary.txt"
    big.write_text(_huge_prompt(make_prompt), encoding="utf-8")
    assert big.stat().st_size > FIFTY_MB
    proc, peak_mb = _modelkb_measured(tmp_path, "-q", "ingest", "--json", str(big), timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = json.loads(proc.stdout)
    assert summary["files_new"] == 1 and summary["embedded"] >= 2
    assert peak_mb < 2000, f"peak RSS {peak_mb} MB for a 50 MB prompt"
    paper = json.loads(run_cli("show", "arxiv:2108.05054", "--json").stdout)
    assert len(paper["summary"]) == FIFTY_MB
    assert seeded()["stats"]["documents"] == before["stats"]["documents"] + 1


# -- paths ----------------------------------------------------------------------------

def test_paths_with_spaces_and_non_ascii(run_cli, tmp_path, seeds_dir):
    folder = tmp_path / "my prompts – ünïcode 日本"
    folder.mkdir()
    target = folder / "naïve café prompt (1).txt"
    target.write_bytes((seeds_dir / "003_812c1816073d00a4.txt").read_bytes())
    result = run_cli("ingest", "--no-index", str(target))
    assert result.exit_code == 0, result.output
    other = folder / "second – copy.txt"
    other.write_bytes((seeds_dir / "004_275fda37b4ddce02.txt").read_bytes())
    result = run_cli("ingest", "--no-index", "--json", str(folder))  # folder walk, one new file
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["files_new"] == 1 and json.loads(result.stdout)["files_unchanged"] == 1
    mimo = json.loads(run_cli("show", "Deblur-MIMO-UNet-RealBlur", "--json").stdout)
    assert {s["path"] for s in mimo["sources"]} == {str(target)}
    missing = run_cli("ingest", str(folder / "nö such file.txt"))
    assert missing.exit_code == 1 and str(folder / "nö such file.txt") in missing.stderr


def test_path_in_the_bad_corpus_with_spaces_and_non_ascii(run_cli):
    name = "dir with spaces/café prompt.txt"
    if name not in EXPECTED:
        pytest.skip(f"{name} not in the bad corpus")
    result = run_cli("ingest", "--no-index", str(BAD / "dir with spaces"))
    assert result.exit_code == 0, result.output
    assert json.loads(run_cli("stats", "--json").stdout)["documents"] == 1


# -- untrusted text ---------------------------------------------------------------------

HOSTILE_NAME = "Evil | Model'); DROP TABLE items; --"
HOSTILE_PAPER_NAME = 'Pipes | in | title `$(touch pwned)` ; rm -rf / && echo "x" > pwned2 | end'
HOSTILE_QUESTION = "Robert'); DROP TABLE items; -- | what | breaks $(touch pwned3) `id` ?"
TRAVERSAL = "../../etc/passwd"


def _hostile_prompt(make_prompt) -> str:
    return make_prompt(
        HOSTILE_QUESTION,
        [{"name": HOSTILE_NAME, "paper": TRAVERSAL, "github": TRAVERSAL}],
        [{"name": HOSTILE_PAPER_NAME, "paper": "http://arxiv.org/pdf/2501.00666v1.pdf",
          "github": "https://github.com/x/y;rm -rf ~", "summary": "A | B | C\\n%s %d {0} <script>alert(1)</script> ' OR 1=1 --"},
         {"name": "Newline\\nbreaker | --- | ---", "paper": TRAVERSAL, "summary": "| col | col |"}],
    )


def test_untrusted_text_is_stored_verbatim_and_nothing_else_happens(run_cli, seeded, tmp_path, make_prompt,
                                                                     monkeypatch):
    before = seeded()
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    prompt = work / "hostile.txt"
    prompt.write_text(_hostile_prompt(make_prompt), encoding="utf-8")
    result = run_cli("ingest", "--json", str(prompt))
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output

    # no file appears from the contents (pwned*, passwd, ...), anywhere we look
    assert sorted(p.name for p in work.iterdir()) == ["hostile.txt"]
    for where in (tmp_path, ROOT):
        assert not list(where.glob("pwned*")), where
    # the catalog is intact: old rows untouched, the tables all still there
    after = seeded()
    assert after["rows"]["items"][: len(before["rows"]["items"])] == before["rows"]["items"]
    assert after["rows"]["documents"][: len(before["rows"]["documents"])] == before["rows"]["documents"]
    assert after["stats"]["documents"] == before["stats"]["documents"] + 1

    listed = {i["name"]: i for i in after["list"]}
    assert HOSTILE_NAME in listed, sorted(listed)
    assert HOSTILE_PAPER_NAME in listed, sorted(listed)
    evil = json.loads(run_cli("show", HOSTILE_NAME, "--json").stdout)
    assert evil["sources"][0]["question"] == HOSTILE_QUESTION
    # a path-like "link" is never kept as a local file reference: links are web URLs or nothing
    for item in after["list"]:
        for field in ("paper_url", "github_url"):
            value = item[field]
            assert value is None or value.startswith(("http://", "https://")), (item["name"], field, value)
            assert "etc/passwd" not in (value or "")
    # the LIKE-based lookups treat the hostile text literally
    assert json.loads(run_cli("show", "Evil | Model'", "--json").stdout)["name"] == HOSTILE_NAME
    assert run_cli("show", "%'; --").exit_code == 4  # not found
    # search copes with the operators and quotes in a query
    hits = run_cli("search", HOSTILE_QUESTION, "--json")
    assert hits.exit_code == 0, hits.output


def test_answer_markdown_survives_table_breakers(run_cli, tmp_path, make_prompt):
    prompt = tmp_path / "hostile.txt"
    prompt.write_text(_hostile_prompt(make_prompt), encoding="utf-8")
    result = run_cli("answer", str(prompt))
    assert result.exit_code == 0, result.output
    md = result.stdout
    rows = [ln for ln in md.splitlines() if ln.lstrip().startswith("|")]
    if rows:
        # every table row has as many cells as the header: a `|` in a name is escaped
        def cells(line: str) -> int:
            return len([c for c in _split_row(line)])

        header = cells(rows[0])
        for ln in rows:
            assert cells(ln) == header, f"table row broken by a name: {ln!r}"
    assert "DROP TABLE" in md or HOSTILE_NAME.split("|")[0].strip() in md


def _split_row(line: str) -> list[str]:
    """Cells of a Markdown table row, honouring `\\|` escapes."""
    out, cur, esc = [], "", False
    for ch in line.strip().strip("|"):
        if esc:
            cur += ch
            esc = False
        elif ch == "\\":
            cur += ch
            esc = True
        elif ch == "|":
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return out


@pytest.mark.parametrize("command", ["ask", "search"])
@pytest.mark.parametrize("question", ["", "   \n"])
def test_an_empty_question_is_bad_input_not_an_answer(run_cli, seeded, command, question):
    # before: every item "matched" and `ask` made up a heading from whichever came first
    result = run_cli(command, question)
    assert result.exit_code == 3, result.output
    assert "the question is empty" in result.stderr and "Traceback" not in result.output
    assert not result.stdout.strip()
