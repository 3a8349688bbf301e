"""The application API (`modelkb.app.App`): plain dataclasses out, one error family, cheap index checks."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from catalog.errors import BadInput, ModelkbError, NotFound, Unavailable
from modelkb.app import App
from modelkb.config import load_settings
from modelkb.inputs import InputFile
from sample_prompts import BLUR

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def app(fake_embedder, make_prompt) -> App:
    a = App(load_settings(), embedder=fake_embedder)
    a.ingest([InputFile.of_bytes("blur.txt", make_prompt(**BLUR).encode())], index=True)
    yield a
    a.close()


def _assert_plain(value, path="result"):
    """Only dataclasses, containers and scalars: no ORM row (or anything else) escapes."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return
    if isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _assert_plain(v, f"{path}[{i}]")
        return
    if isinstance(value, dict):
        for k, v in value.items():
            _assert_plain(k, path)
            _assert_plain(v, f"{path}[{k!r}]")
        return
    assert dataclasses.is_dataclass(value), f"{path} is a {type(value).__module__}.{type(value).__name__}"
    assert not type(value).__module__.startswith(("db.models", "sqlalchemy")), path
    assert not hasattr(value, "_sa_instance_state"), f"{path} is an ORM object"
    for f in dataclasses.fields(value):
        _assert_plain(getattr(value, f.name), f"{path}.{f.name}")


def test_no_orm_object_crosses_the_app_api(app, make_prompt):
    results = {
        "stats": app.stats(),
        "items": app.items(),
        "items_filtered": app.items(kind="model"),
        "item": app.item("Deblur-MIMO-UNet-RealBlur"),
        "search": app.search("motion blur", k=5),
        "search_filtered": app.search("motion blur", kind="paper"),
        "answer": app.answer_text(make_prompt(**BLUR), name="p.txt"),
        "ask": app.ask("remove motion blur"),
        "ingest": app.ingest([InputFile.of_bytes("again.txt", make_prompt(**BLUR).encode())]),
    }
    for name, value in results.items():
        _assert_plain(value, name)
    assert results["item"].sources and results["item"].sources[0].path == "blur.txt"
    assert results["search"][0].snippet == "It removes motion blur from real photos."


def test_item_not_found_and_ambiguous_are_not_found_errors(app):
    with pytest.raises(NotFound, match="no item matches"):
        app.item("nothing-like-this")
    with pytest.raises(NotFound, match="matches 2 items"):
        app.item("blur")  # inside both names: ambiguous


def test_ask_on_an_empty_catalog_says_so(fake_embedder):
    with pytest.raises(NotFound, match="catalog is empty"):
        App(load_settings(), embedder=fake_embedder).ask("anything")


def test_every_package_error_is_a_modelkb_error():
    from answerer.grounding import GroundingError
    from catalog import ParseError
    from db import CatalogError
    from indexer.embedder import EmbedderError
    from indexer.records import IndexStateError
    from modelkb.evaluate import EvalError

    assert issubclass(ParseError, BadInput) and issubclass(EvalError, BadInput)
    assert issubclass(CatalogError, Unavailable) and issubclass(EmbedderError, Unavailable)
    assert issubclass(IndexStateError, Unavailable) and issubclass(GroundingError, ModelkbError)
    import modelkb

    assert modelkb.ModelkbError is ModelkbError


def test_cli_imports_nothing_from_db_or_the_orm():
    sources = [ROOT / "modelkb" / "cli.py", *sorted((ROOT / "modelkb" / "commands").glob("*.py"))]
    assert len(sources) > 3, "the commands live in modelkb/commands/"
    for source in sources:
        imported = set()
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                imported |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                imported.add(node.module or "")
        assert not {m for m in imported if m == "db" or m.startswith(("db.", "sqlalchemy"))}, (source.name, imported)


def test_search_checks_the_index_by_stamp_not_by_rereading(app, make_prompt, monkeypatch):
    calls = []
    original = app.index_entries
    monkeypatch.setattr(app, "index_entries", lambda: calls.append(1) or original())
    app.search("motion blur")
    app.search("coarse to fine")
    assert calls == [], "an unchanged catalog and index must not be re-read per search"

    # another process (another App on the same catalog) ingests: the next search sees it
    other = App(load_settings(), embedder=app.embedder)
    other.ingest([InputFile.of_bytes("new.txt", make_prompt(
        "Which model colorizes old photos?",
        models=[{"name": "Colorize-DeOldify", "github": "https://github.com/jantic/DeOldify",
                 "summary": "Colorizes black and white photographs."}]).encode())], index=False)
    other.close()
    top = app.search("colorize black and white photographs", k=1)
    assert top[0].name == "Colorize-DeOldify"
    assert calls == [1]


def test_the_json_shapes_keep_their_fields_and_order(app):
    """What `--json` prints and HTTP returns, field by field: scripts and saved outputs rely on it."""
    from modelkb.api import LocalApi

    api = LocalApi(app)
    hit = api.search("motion blur", k=1)[0]
    assert list(hit) == ["key", "kind", "name", "score", "paper_url", "github_url", "task", "dense", "lexical", "snippet"]
    assert hit["name"] == "Deblur-MIMO-UNet-RealBlur" and hit["snippet"] == "It removes motion blur from real photos."
    result = app.search("motion blur", k=1)[0]
    assert (result.key, result.name, result.task) == (result.item.key, "Deblur-MIMO-UNet-RealBlur", "Deblur")
    item = api.item("Deblur-MIMO-UNet-RealBlur")
    assert list(item) == ["key", "kind", "name", "paper_url", "github_url", "arxiv_id", "arxiv_version", "task",
                          "architecture", "variant", "summary", "sources"]
    assert item["sources"] == [{"path": "blur.txt", "role": "recommended", "position": 0,
                                "question": "Which model removes motion blur from a photo?"}]
    assert list(api.stats()) == ["documents", "items", "models", "papers", "mentions"]
    summary = api.ingest([InputFile.of_bytes("bad.txt", b"")], index=False)
    assert list(summary) == ["files_new", "files_unchanged", "files_failed", "files_skipped", "items_new",
                             "items_enriched", "embedded", "errors", "index_error"]
    assert summary["files_failed"] == 1 and summary["errors"] == ["bad.txt: empty file"]


def test_a_pasted_link_finds_its_items_first_then_what_is_like_them(app, make_prompt):
    music = dict(question="Which model writes music from a text prompt?",
                 models=[{"name": "Txt2Music-MusicGen-Small", "paper": "https://arxiv.org/abs/2306.05284",
                          "github": "https://github.com/facebookresearch/audiocraft",
                          "summary": "Generates music from a text description."}],
                 papers=[{"name": "Simple and Controllable Music Generation",
                          "paper": "http://arxiv.org/pdf/2306.05284v1.pdf",
                          "summary": "A single-stage language model over audio tokens."}])
    app.ingest([InputFile.of_bytes("music.txt", make_prompt(**music).encode())], index=True)

    by_code = app.search("https://github.com/chosj95/MIMO-UNet/", k=3)
    assert by_code[0].name == "Deblur-MIMO-UNet-RealBlur" and len(by_code) == 3
    # one paper, two spellings of its link, a model and a paper that cite it: both lead
    by_paper = app.search("https://arxiv.org/abs/2306.05284v1", k=2)
    assert {r.name for r in by_paper} == {"Txt2Music-MusicGen-Small", "Simple and Controllable Music Generation"}
    assert app.search("arXiv:2306.05284", k=1, kind="paper")[0].name == "Simple and Controllable Music Generation"
    with pytest.raises(NotFound, match="no stored item has the link"):
        app.search("https://example.com/not-stored")
