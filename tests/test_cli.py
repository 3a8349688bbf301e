"""The command line as a user meets it: help, ingest summary, stats, show, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from modelkb.cli import cli

ROOT = Path(__file__).resolve().parent.parent


def all_commands():
    return sorted(cli.commands)


@pytest.mark.parametrize("name", all_commands())
def test_every_command_has_help_text(run_cli, name):
    command = cli.commands[name]
    assert command.help and len(command.help.strip()) > 20, f"{name} lacks help text"
    result = run_cli(name, "--help")
    assert result.exit_code == 0
    assert "Usage:" in result.output


def test_help_does_not_import_torch_or_sqlalchemy():
    code = (
        "import sys; from modelkb.cli import cli\n"
        "try:\n    cli(['--help'], prog_name='modelkb')\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('torch', 'sentence_transformers', 'faiss', 'sqlalchemy') if m in sys.modules]\n"
        "print('HEAVY', heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert "HEAVY []" in out


def test_ingest_seeds_gives_expected_counts_and_is_idempotent(run_cli, seeds_dir):
    first = run_cli("ingest", str(seeds_dir))
    assert first.exit_code == 0, first.output
    assert "5 new" in first.stdout
    stats = json.loads(run_cli("stats", "--json").stdout)
    assert stats == {"documents": 5, "items": 13, "models": 4, "papers": 9, "mentions": 20}

    again = run_cli("ingest", str(seeds_dir), "--json")
    assert again.exit_code == 0
    summary = json.loads(again.stdout)
    assert summary["files_unchanged"] == 5 and summary["files_new"] == 0
    assert summary["embedded"] == 0, "unchanged files must not be re-embedded"
    assert json.loads(run_cli("stats", "--json").stdout) == stats


def test_show_lists_every_file_an_item_came_from(run_cli, seeds_dir):
    run_cli("ingest", str(seeds_dir))
    shown = json.loads(run_cli("show", "arxiv:2308.15462", "--json").stdout)
    paths = {Path(s["path"]).name[:3] for s in shown["sources"]}
    # the overexposure paper appears in seeds 000, 001 (answer file), 003 and 004
    assert paths == {"000", "001", "003", "004"}
    assert shown["kind"] == "paper" and shown["summary"]

    every = json.loads(run_cli("list", "--json").stdout)
    for item in every:
        detail = json.loads(run_cli("show", item["key"], "--json").stdout)
        assert detail["sources"], f"{item['key']} has no provenance"


def test_three_sd_checkpoints_sharing_a_repo_stay_three_models(run_cli, seeds_dir):
    run_cli("ingest", str(seeds_dir))
    models = json.loads(run_cli("list", "--kind", "model", "--json").stdout)
    names = sorted(m["name"] for m in models)
    assert names == [
        "Deblur-MIMO-UNet-RealBlur",
        "Txt2Img-StableDiffusionV1-CyberRealistic",
        "Txt2Img-StableDiffusionV1-PirsusEpicRealism",
        "Txt2Img-StableDiffusionV1-QGO-PromptingReal",
    ]
    mimo = next(m for m in models if m["name"].startswith("Deblur"))
    assert (mimo["task"], mimo["architecture"], mimo["variant"]) == ("Deblur", "MIMO-UNet", "RealBlur")


def test_bad_file_is_reported_and_the_rest_goes_in(run_cli, seeds_dir, tmp_path):
    bad = tmp_path / "broken.txt"
    bad.write_bytes(b"")
    result = run_cli("ingest", str(seeds_dir / "000_d34a6fb765d0ccc3.txt"), str(bad), str(tmp_path / "missing.txt"))
    assert result.exit_code == 1
    assert "broken.txt" in result.stderr and "missing.txt" in result.stderr
    assert "Traceback" not in result.output
    assert json.loads(run_cli("stats", "--json").stdout)["documents"] == 1


def test_ingest_from_stdin(run_cli, seeds_dir):
    data = (seeds_dir / "003_812c1816073d00a4.txt").read_bytes()
    result = run_cli("ingest", "-", input=data)
    assert result.exit_code == 0, result.output
    assert json.loads(run_cli("stats", "--json").stdout)["items"] == 4


def test_show_finds_an_item_by_its_paper_or_code_link(run_cli, seeds_dir):
    run_cli("ingest", str(seeds_dir))
    for link in ("https://arxiv.org/abs/2308.15462", "arxiv.org/pdf/2308.15462v3.pdf"):  # any spelling
        assert json.loads(run_cli("show", link, "--json").stdout)["key"] == "arxiv:2308.15462"
    # three checkpoints share one repository: the answer names them instead of guessing
    shared = run_cli("show", "https://github.com/Kameronski/stable-diffusion-1.5/")
    assert shared.exit_code == 4 and "matches 3 items" in shared.stderr
    missing = run_cli("show", "https://github.com/nobody/nothing")
    assert missing.exit_code == 4 and "no item matches" in missing.stderr


def test_show_unknown_item_is_one_clear_error(run_cli):
    result = run_cli("show", "arxiv:0000.00000")
    assert result.exit_code == 4  # not found
    assert "no item matches" in result.stderr


def test_bad_db_url_is_a_clear_error(run_cli):
    result = run_cli("--db", "nosuchdialect://x", "stats")
    assert result.exit_code == 5  # no such database driver: unavailable
    assert "Traceback" not in result.output
    assert result.stderr.startswith("Error:")


def test_db_flag_and_env_choose_the_catalog(run_cli, seeds_dir, tmp_path, monkeypatch):
    db = tmp_path / "elsewhere.db"
    run_cli("--db", str(db), "ingest", str(seeds_dir / "003_812c1816073d00a4.txt"))
    assert db.exists()
    monkeypatch.setenv("MODELKB_DB", f"sqlite:///{db}")
    assert json.loads(run_cli("stats", "--json").stdout)["documents"] == 1
    monkeypatch.delenv("MODELKB_DB")
    assert json.loads(run_cli("stats", "--json").stdout)["documents"] == 0


def test_folder_ingest_skips_documentation_files(run_cli, seeds_dir, tmp_path):
    folder = tmp_path / "prompts"
    (folder / "nested").mkdir(parents=True)
    (folder / "README.md").write_text("# my prompt collection\n")
    (folder / ".hidden.txt").write_text("not me")
    (folder / "nested" / "a.txt").write_bytes((seeds_dir / "003_812c1816073d00a4.txt").read_bytes())
    result = run_cli("ingest", str(folder))
    assert result.exit_code == 0, result.output
    assert "1 file(s): 1 new" in result.stdout
