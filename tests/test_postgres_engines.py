"""The catalog behaves the same on every backend: SQLite, PostgreSQL, PostgreSQL + pgvector.

Every test takes `db_url` (conftest), so it runs on a SQLite file (FAISS index
files), on a fresh database of the session's private PostgreSQL server without
pgvector (FAISS index files too) and on one with pgvector (the index in the
database; tests/pg.py). The CLI is driven in-process (`run_cli`, fake embedder)
with `--db URL`.
"""

from __future__ import annotations

import json
from pathlib import Path

SEED_STATS = {"documents": 5, "items": 13, "models": 4, "papers": 9, "mentions": 20}


def _json(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_url_is_the_engine_asked_for(db_url):
    from db import Catalog

    cat = Catalog(db_url)
    try:
        expected = "postgresql" if db_url.startswith("postgresql") else "sqlite"
        assert cat.engine.dialect.name == expected
    finally:
        cat.close()


def test_ingest_seeds_counts_and_reingest_is_a_no_op(run_cli, db_url, seeds_dir):
    first = _json(run_cli("--db", db_url, "ingest", str(seeds_dir), "--json"))
    assert first["files_new"] == 5 and first["files_failed"] == 0
    assert _json(run_cli("--db", db_url, "stats", "--json")) == SEED_STATS
    keys = sorted(i["key"] for i in _json(run_cli("--db", db_url, "list", "--json")))

    again = _json(run_cli("--db", db_url, "ingest", str(seeds_dir), "--json"))
    assert again["files_unchanged"] == 5 and again["files_new"] == 0
    assert again["items_new"] == 0 and again["items_enriched"] == 0
    assert again["embedded"] == 0
    assert _json(run_cli("--db", db_url, "stats", "--json")) == SEED_STATS
    assert sorted(i["key"] for i in _json(run_cli("--db", db_url, "list", "--json"))) == keys


def test_enrichment_v1_to_v2_never_loses_information(run_cli, db_url, tmp_path, make_prompt):
    model = {"name": "Deblur-MIMO-UNet-RealBlur", "paper": None, "github": None}
    v1 = {"name": "Rethinking Coarse-to-Fine Approach in Single Image Deblurring",
          "paper": "http://arxiv.org/pdf/2108.05054v1.pdf"}
    v2 = {"name": "Rethinking Coarse-to-Fine Approach in Single Image Deblurring",
          "paper": "https://arxiv.org/abs/2108.05054v2", "github": "https://github.com/chosj95/MIMO-UNet",
          "summary": "Coarse-to-fine strategies have been extensively used for single image deblurring."}
    model_gh = dict(model, github="https://github.com/chosj95/MIMO-UNet")
    files = {
        "a.txt": make_prompt("How do I sharpen a shaky photo?", [model], [v1]),
        "b.txt": make_prompt("Which deblurring network is fast?", [model_gh], [v2]),
        "c.txt": make_prompt("Deblur a night street photo?", [model], [v1]),  # older, poorer again
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")

    _json(run_cli("--db", db_url, "ingest", str(tmp_path / "a.txt"), "--json"))
    paper = _json(run_cli("--db", db_url, "show", "arxiv:2108.05054", "--json"))
    assert paper["arxiv_version"] == 1 and not paper["summary"] and not paper["github_url"]

    second = _json(run_cli("--db", db_url, "ingest", str(tmp_path / "b.txt"), "--json"))
    assert second["items_new"] == 0 and second["items_enriched"] == 2
    third = _json(run_cli("--db", db_url, "ingest", str(tmp_path / "c.txt"), "--json"))
    assert third["items_new"] == 0 and third["items_enriched"] == 0

    paper = _json(run_cli("--db", db_url, "show", "arxiv:2108.05054", "--json"))
    assert paper["arxiv_version"] == 2 and "v2" in paper["paper_url"]
    assert paper["summary"] == v2["summary"]
    assert paper["github_url"] and "chosj95/mimo-unet" in paper["github_url"].lower()
    assert {Path(s["path"]).name for s in paper["sources"]} == {"a.txt", "b.txt", "c.txt"}
    mimo = _json(run_cli("--db", db_url, "show", "Deblur-MIMO-UNet-RealBlur", "--json"))
    assert mimo["github_url"] and (mimo["task"], mimo["architecture"], mimo["variant"]) == ("Deblur", "MIMO-UNet", "RealBlur")
    assert _json(run_cli("--db", db_url, "stats", "--json")) == {
        "documents": 3, "items": 2, "models": 1, "papers": 1, "mentions": 6}


def test_show_gives_provenance_for_every_item(run_cli, db_url, seeds_dir):
    _json(run_cli("--db", db_url, "ingest", str(seeds_dir), "--json"))
    shown = _json(run_cli("--db", db_url, "show", "arxiv:2308.15462", "--json"))
    assert {Path(s["path"]).name[:3] for s in shown["sources"]} == {"000", "001", "003", "004"}
    assert all(s["question"] for s in shown["sources"])
    roles = {(Path(s["path"]).name[:3], s["role"]) for s in shown["sources"]}
    assert ("000", "related") in roles
    for item in _json(run_cli("--db", db_url, "list", "--json")):
        detail = _json(run_cli("--db", db_url, "show", item["key"], "--json"))
        assert detail["sources"], f"{item['key']} has no provenance"
    # lookups by name and by a unique prefix work on every engine (ILIKE vs LIKE, escapes)
    assert _json(run_cli("--db", db_url, "show", "deblur-mimo-unet-realblur", "--json"))["kind"] == "model"
    assert _json(run_cli("--db", db_url, "show", "Deblur-MIMO", "--json"))["name"] == "Deblur-MIMO-UNet-RealBlur"
    ambiguous = run_cli("--db", db_url, "show", "Txt2Img-StableDiffusionV1-")
    assert ambiguous.exit_code == 4 and "matches" in ambiguous.stderr and "Traceback" not in ambiguous.output
    wildcard = run_cli("--db", db_url, "show", "%")
    assert wildcard.exit_code == 4, "a LIKE wildcard in the name must not match everything"


def test_search_via_cli(run_cli, db_url, seeds_dir):
    _json(run_cli("--db", db_url, "ingest", str(seeds_dir), "--json"))
    hits = _json(run_cli("--db", db_url, "search", "MIMO-UNet RealBlur deblur", "--mode", "lexical", "--json"))
    assert hits and hits[0]["name"] == "Deblur-MIMO-UNet-RealBlur"
    models = _json(run_cli("--db", db_url, "search", "photorealistic product shot", "--kind", "model", "-k", "3", "--json"))
    assert models and all(h["kind"] == "model" for h in models) and len(models) <= 3
    txt2img = _json(run_cli("--db", db_url, "search", "realistic image", "--task", "Txt2Img", "--json"))
    assert {h["name"] for h in txt2img} == {
        "Txt2Img-StableDiffusionV1-CyberRealistic",
        "Txt2Img-StableDiffusionV1-PirsusEpicRealism",
        "Txt2Img-StableDiffusionV1-QGO-PromptingReal",
    }
    doctor = run_cli("--db", db_url, "doctor")
    assert doctor.exit_code == 0, doctor.output


def test_answer_via_cli(run_cli, db_url, seeds_dir):
    seed = seeds_dir / "004_275fda37b4ddce02.txt"
    result = run_cli("--db", db_url, "answer", str(seed), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert Path(data["source"]).name == seed.name
    text = seed.read_text(encoding="utf-8")
    for url in _urls(json.dumps(data)):  # links are cited exactly as the file wrote them
        assert url in text, f"answer cites {url}, which is not in the prompt file"
    stats = _json(run_cli("--db", db_url, "stats", "--json"))
    assert stats["documents"] == 1 and stats["items"] == 4
    md = run_cli("--db", db_url, "answer", str(seed), "--no-ingest")
    assert md.exit_code == 0 and md.stdout.strip()


def test_ask_via_cli(run_cli, db_url, seeds_dir):
    empty = run_cli("--db", db_url, "ask", "how do I deblur a photo?")
    assert empty.exit_code == 4 and "catalog is empty" in empty.stderr
    _json(run_cli("--db", db_url, "ingest", str(seeds_dir), "--json"))
    result = run_cli("--db", db_url, "ask", "how do I deblur a photo?", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    names = {i["name"] for i in _json(run_cli("--db", db_url, "list", "--json"))}
    assert data["ranking"] and {r["name"] for r in data["ranking"]} <= names


def test_doctor_finds_an_unindexed_catalog_and_reindex_fixes_it(run_cli, db_url, seeds_dir):
    _json(run_cli("--db", db_url, "ingest", str(seeds_dir), "--no-index", "--json"))
    stale = run_cli("--db", db_url, "doctor")
    assert stale.exit_code == 1 and "problem:" in stale.stdout and "Traceback" not in stale.output
    assert run_cli("--db", db_url, "reindex").exit_code == 0
    healthy = _json(run_cli("--db", db_url, "doctor", "--json"))
    assert healthy["ok"] and healthy["stats"]["items"] == SEED_STATS["items"]
    hits = _json(run_cli("--db", db_url, "search", "MIMO-UNet RealBlur deblur", "--json"))
    assert hits[0]["name"] == "Deblur-MIMO-UNet-RealBlur"


def _urls(text: str) -> set[str]:
    import re

    return {u.rstrip(").,;\"'\\") for u in re.findall(r"https?://[^\s\"'<>)\]]+", text)}
