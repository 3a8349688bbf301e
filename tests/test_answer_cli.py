"""`modelkb answer` / `ask` as a user runs them: batch, formats, errors, ingest."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

PROMPTS = ("000", "002", "003", "004")
URL = re.compile(r"https?://[^\s<>|)\"]+")


@pytest.fixture
def prompt_seeds(seeds_dir) -> list[Path]:
    return [next(seeds_dir.glob(f"{s}_*.txt")) for s in PROMPTS]


def test_json_answer_has_the_documented_fields(run_cli, prompt_seeds):
    result = run_cli("answer", str(prompt_seeds[2]), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for field in ("question", "task", "ranking", "markdown"):
        assert field in data
    assert len(data["ranking"]) == 4
    for item in data["ranking"]:
        assert {"name", "kind", "role", "score", "paper_url", "github_url", "evidence"} <= set(item)
    scores = [r["score"] for r in data["ranking"]]
    assert scores == sorted(scores, reverse=True)


def test_json_flag_is_the_same_as_format_json_as_in_every_other_command(run_cli, prompt_seeds):
    as_flag = run_cli("answer", str(prompt_seeds[2]), "--json", "--no-ingest")
    assert as_flag.exit_code == 0, as_flag.output
    as_format = run_cli("answer", str(prompt_seeds[2]), "--format", "json", "--no-ingest")
    assert json.loads(as_flag.stdout)["ranking"] == json.loads(as_format.stdout)["ranking"]
    assert run_cli("answer", str(prompt_seeds[2]), "--no-ingest").stdout.startswith("# ")


def test_batch_with_a_broken_file_answers_the_rest(run_cli, prompt_seeds, tmp_path):
    broken = tmp_path / "broken.txt"
    broken.write_text("You are an AI scientist.\n\nNo question here, no models.\n")
    out = tmp_path / "answers"
    result = run_cli("answer", str(prompt_seeds[0]), str(broken), str(prompt_seeds[3]), "-o", str(out))
    assert result.exit_code == 3  # the one failure is bad input
    assert "broken.txt" in result.stderr and "Traceback" not in result.output
    written = sorted(p.name for p in out.iterdir())
    assert written == [prompt_seeds[0].stem + ".md", prompt_seeds[3].stem + ".md"]
    md = (out / written[1]).read_text()
    prompt = prompt_seeds[3].read_text()
    for url in URL.findall(md):
        assert url in prompt, f"{url} is not in the prompt file"


def test_several_files_as_json_print_one_object_per_line(run_cli, prompt_seeds):
    result = run_cli("answer", *map(str, prompt_seeds), "--format", "json")
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 4
    assert [Path(json.loads(line)["source"]).name for line in lines] == [p.name for p in prompt_seeds]


def test_answer_ingests_unless_told_not_to(run_cli, prompt_seeds):
    run_cli("answer", str(prompt_seeds[1]), "--no-ingest")
    assert json.loads(run_cli("stats", "--json").stdout)["documents"] == 0
    run_cli("answer", str(prompt_seeds[1]))
    assert json.loads(run_cli("stats", "--json").stdout)["documents"] == 1


def test_ask_answers_from_the_catalog(run_cli, seeds_dir):
    empty = run_cli("ask", "how do I deblur a photo?")
    assert empty.exit_code == 4 and "catalog is empty" in empty.stderr
    run_cli("ingest", str(seeds_dir))
    result = run_cli("ask", "how do I deblur a photo?", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    catalog_keys = {i["name"] for i in json.loads(run_cli("list", "--json").stdout)}
    assert data["ranking"] and {r["name"] for r in data["ranking"]} <= catalog_keys


def test_doctor_names_a_corrupted_index_and_reindex_fixes_it(run_cli, seeds_dir, isolated_home):
    run_cli("ingest", str(seeds_dir))
    assert run_cli("doctor").exit_code == 0
    index = isolated_home / "catalog.db.index" / "faiss.index"
    index.write_bytes(b"not a faiss index")
    broken = run_cli("doctor")
    assert broken.exit_code == 1 and "problem:" in broken.stdout
    assert run_cli("reindex").exit_code == 0
    assert run_cli("doctor").exit_code == 0
