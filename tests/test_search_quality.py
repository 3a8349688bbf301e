"""`modelkb search` with the real model: each seed question finds its own file's items."""

from __future__ import annotations


import pytest

from catalog import parse_file
from modelkb.app import App
from modelkb.config import load_settings
from modelkb.inputs import expand

pytestmark = pytest.mark.real_model

PROMPT_SEEDS = ("000", "002", "003", "004")
from conftest import SEEDS  # noqa: E402  (one place says where the seeds are)


@pytest.fixture(scope="module")
def seeded_app(real_embedder, tmp_path_factory) -> App:
    home = tmp_path_factory.mktemp("search-home")
    settings = load_settings(db=f"sqlite:///{home / 'catalog.db'}")
    app = App(settings, embedder=real_embedder)
    seeds_dir = SEEDS
    if not seeds_dir.is_dir():
        pytest.skip(f"seeds not found at {seeds_dir}")
    summary = app.ingest(expand([str(seeds_dir)]))
    assert summary.files_failed == 0
    app.sync_index()
    return app


@pytest.mark.parametrize("seed", PROMPT_SEEDS)
@pytest.mark.parametrize("mode", ["hybrid", "dense"])
def test_seed_question_finds_its_own_items(seeded_app, seeds_dir, seed, mode):
    doc = parse_file(next(seeds_dir.glob(f"{seed}_*.txt")))
    own = {p.item.key for p in doc.items}
    recommended = next(p.item.key for p in doc.items if p.role == "recommended")
    results = seeded_app.search(doc.question, k=6, mode=mode)
    keys = [r.key for r in results]
    assert keys[0] == recommended
    assert len(own & set(keys)) >= 3, f"only {own & set(keys)} of {own} in the top 6"


def test_lexical_mode_finds_model_by_name(seeded_app):
    top = seeded_app.search("MIMO-UNet RealBlur", k=3, mode="lexical")
    assert top[0].name == "Deblur-MIMO-UNet-RealBlur"


def test_kind_model_answers_which_model_fits(seeded_app):
    blur = seeded_app.search("remove camera shake blur from a photo", k=4, kind="model")
    assert {r.kind for r in blur} == {"model"}
    assert blur[0].name == "Deblur-MIMO-UNet-RealBlur"
    render = seeded_app.search("generate a photorealistic product shot from a text prompt", k=4, kind="model")
    assert render[0].name.startswith("Txt2Img-StableDiffusionV1")


def test_task_filter_keeps_only_that_task(seeded_app):
    results = seeded_app.search("realistic image", k=10, task="txt2img")
    assert results and all(r.task == "Txt2Img" for r in results)
