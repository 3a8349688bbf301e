"""Ranking the provided items of a prompt file, and the labeled-set quality bar."""

from __future__ import annotations

from pathlib import Path

import pytest

from answerer.evaluate import calibration, evaluate_labeled, ndcg_at_k
from answerer.rank import rank_items, split_sentences
from catalog import parse_file
from catalog.records import ItemRecord

DATA = Path(__file__).resolve().parent / "data"
LABELED = DATA / "labeled"
from conftest import SEEDS  # noqa: E402  (one place says where the seeds are)


def _seed(seeds_dir: Path, prefix: str):
    return parse_file(next(seeds_dir.glob(f"{prefix}_*.txt")))


@pytest.fixture(scope="module")
def seed_rankings(real_embedder):
    if not SEEDS.is_dir():
        pytest.skip("seeds not found")
    out = {}
    for prefix in ("000", "002", "003", "004"):
        doc = _seed(SEEDS, prefix)
        out[prefix] = (doc, rank_items(doc.question, doc.items, real_embedder))
    return out


# -- the seeds, with the real model ----------------------------------------------


@pytest.mark.real_model
def test_text_to_image_model_recommended_for_upscaling_is_demoted_and_flagged(seed_rankings):
    doc, ranked = seed_rankings["004"]
    sd = next(r for r in ranked if r.name.startswith("Txt2Img-"))
    assert ranked[0] is not sd
    assert ranked[0].name.startswith("FeatSharp")
    assert sd.role == "recommended"
    assert sd.fit == "poor"
    assert "text-to-image" in sd.fit_reason and "super-resolution" in sd.fit_reason
    assert sd.score < ranked[0].score


@pytest.mark.real_model
def test_deblurring_model_leads_the_deblurring_question(seed_rankings):
    _doc, ranked = seed_rankings["003"]
    assert ranked[0].name == "Deblur-MIMO-UNet-RealBlur"
    assert ranked[0].fit == "strong"
    assert ranked[-1].name.startswith("Online Overexposed Pixels")  # the HDR video paper is off-topic


@pytest.mark.real_model
@pytest.mark.parametrize("prefix", ["000", "002"])
def test_matching_recommended_checkpoint_leads(seed_rankings, prefix):
    _doc, ranked = seed_rankings[prefix]
    assert ranked[0].name.startswith("Txt2Img-StableDiffusionV1-")
    assert ranked[0].fit == "strong"
    assert ranked[0].task_match == 1.0


@pytest.mark.real_model
def test_every_item_is_scored_with_grounded_evidence(seed_rankings):
    for doc, ranked in seed_rankings.values():
        assert sorted(r.name for r in ranked) == sorted(p.item.name for p in doc.items)
        assert [r.score for r in ranked] == sorted((r.score for r in ranked), reverse=True)
        summaries = {p.item.name: p.item.summary or "" for p in doc.items}
        for r in ranked:
            assert 0.0 <= r.score <= 1.0
            assert set(r.components) == {"dense", "lexical", "task"}
            assert r.fit in ("strong", "partial", "poor") and r.fit_reason
            assert 1 <= len(r.evidence) <= 2 if summaries[r.name] else r.evidence == []
            for sentence in r.evidence:
                assert sentence in summaries[r.name]  # copied, never written


# -- the quality bar on the labeled set ------------------------------------------------


@pytest.mark.real_model
def test_labeled_set_quality(real_embedder):
    result = evaluate_labeled(LABELED, LABELED / "labels.json", real_embedder)
    overall = result["overall"]
    assert overall["n"] >= 20 and not result["missing"]
    assert overall["top1"] >= 0.9, overall
    assert overall["ndcg@3"] >= 0.9, overall
    # recommended models that do not fit the question are never ranked first
    for name, f in result["files"].items():
        first = f["ranking"][0]
        assert not (first["role"] == "recommended" and first["fit"] == "poor"), name


# -- no model needed --------------------------------------------------------------------


def test_calibration_compares_stated_confidence_with_accuracy():
    files = {"a": {"task_confidence": 0.9, "task_ok": True}, "b": {"task_confidence": 0.85, "task_ok": False},
             "c": {"task_confidence": 0.1, "task_ok": False}, "d": {"task_confidence": 0.0, "task_ok": False},
             "e": {"task_confidence": 0.5, "task_ok": None}}  # unlabeled task: not counted
    cal = calibration(files)
    assert [(b["from"], b["n"], b["accuracy"]) for b in cal["bins"]] == [(0.0, 2, 0.0), (0.8, 2, 0.5)]
    assert cal["bins"][1]["confidence"] == pytest.approx(0.875)
    # |0.05 - 0| * 2 + |0.875 - 0.5| * 2, over 4 files
    assert cal["error"] == pytest.approx((0.1 + 0.75) / 4, abs=1e-4)
    assert calibration({})["error"] is None


def test_ndcg():
    assert ndcg_at_k([3, 2, 0], [0, 2, 3], 3) == pytest.approx(1.0)
    assert ndcg_at_k([0, 0, 0], [0, 0, 0], 3) == 1.0
    worst = ndcg_at_k([0, 2, 3], [0, 2, 3], 3)
    assert 0 < worst < ndcg_at_k([2, 3, 0], [0, 2, 3], 3) < 1
    assert ndcg_at_k([1, 3], [3, 1, 3], 1) == pytest.approx(1 / 7)
    with pytest.raises(ValueError):
        ndcg_at_k([1], [1], 0)


def test_sentences_are_verbatim_and_keep_abbreviations():
    text = ("Vision backbones (e.g. CLIP) run at 224x224px. The system runs in 4.5-6.5s on a phone! "
            "Et al. style? No: Smith et al. show it. Done.")
    parts = split_sentences(text)
    assert all(p in text for p in parts)
    assert parts[0] == "Vision backbones (e.g. CLIP) run at 224x224px."
    assert "The system runs in 4.5-6.5s on a phone!" in parts


def test_plain_records_with_roles_are_accepted(fake_embedder):
    items = [
        (ItemRecord(key="model:a", kind="model", name="SR-SwinIR-x4", task="SR", architecture="SwinIR",
                    variant="x4"), "recommended"),
        ItemRecord(key="title:b", kind="paper", name="A paper about cats", summary="Cats sleep a lot."),
    ]
    ranked = rank_items("How do I upscale a pixelated photo 4x?", items, fake_embedder)
    assert [r.name for r in ranked][0] == "SR-SwinIR-x4"
    assert ranked[0].role == "recommended" and ranked[1].role == "related"
    assert rank_items("anything?", [], fake_embedder) == []
