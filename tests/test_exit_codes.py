"""Each kind of failure has its own exit status (listed in `modelkb --help`), with one
`Error: ...` line on stderr and no traceback. The Forbidden case (6) needs a server
with a token: tests/test_cli_server.py."""

from __future__ import annotations

import pytest


def one_error_line(result) -> str:
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


def test_help_lists_the_exit_codes(run_cli):
    text = run_cli("--help").stdout
    for code, words in ((0, "success"), (1, "unexpected error"), (2, "usage"), (3, "bad input"), (4, "not found"),
                        (5, "unavailable"), (6, "forbidden")):
        assert any(line.strip().startswith(f"{code}  ") and words in line for line in text.splitlines()), (code, text)


def test_bad_input_exits_3(run_cli, tmp_path):
    folder = tmp_path / "a-folder"
    folder.mkdir()
    result = run_cli("--db", str(folder), "stats")
    assert result.exit_code == 3
    assert "is a folder, not a SQLite file" in one_error_line(result)


def test_a_prompt_file_that_cannot_be_answered_exits_3(run_cli, tmp_path):
    broken = tmp_path / "broken.txt"
    broken.write_text("You are an AI scientist.\n\nNo question here, no models.\n")
    result = run_cli("answer", str(broken))
    assert result.exit_code == 3
    assert "broken.txt" in result.stderr and "Traceback" not in result.output


def test_not_found_exits_4(run_cli):
    result = run_cli("show", "no-such-model")
    assert result.exit_code == 4
    assert "no item matches 'no-such-model'" in one_error_line(result)
    empty = run_cli("ask", "how do I deblur a photo?")
    assert empty.exit_code == 4 and "catalog is empty" in one_error_line(empty)


def test_unavailable_exits_5(run_cli, tmp_path):
    notes = tmp_path / "notes.db"
    notes.write_text("my notes, not a database\n" * 20)
    result = run_cli("--db", str(notes), "stats")
    assert result.exit_code == 5
    assert "not a SQLite database" in one_error_line(result)


def test_an_unexpected_error_exits_1_with_a_hint(run_cli, monkeypatch):
    import modelkb.api

    def broken(self):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(modelkb.api.LocalApi, "stats", broken)
    result = run_cli("stats")
    assert result.exit_code == 1
    assert "ZeroDivisionError: division by zero (run with -v for the traceback)" in one_error_line(result)


def test_usage_errors_keep_clicks_2(run_cli):
    assert run_cli("search").exit_code == 2
    assert run_cli("--no-such-flag").exit_code == 2


@pytest.mark.slow
def test_a_real_process_exits_with_the_code_and_one_line(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ, PYTHONPATH=str(root), MODELKB_NO_SERVER="1")
    proc = subprocess.run([sys.executable, "-m", "modelkb.cli", "show", "no-such-model"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 4
    assert proc.stderr.strip().splitlines() == ["Error: no item matches 'no-such-model'; see `modelkb list`"]
