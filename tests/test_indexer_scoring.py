"""In-memory scoring used by the answerer: dense, BM25 and the two fusions."""

from __future__ import annotations

import numpy as np
import pytest

from indexer.scoring import bm25_scores, dense_scores, fuse, fuse_rrf, fuse_weighted, fuse_zscore, hybrid_scores

TEXTS = [
    "image deblurring: MIMO UNet Real Blur. Deblur-MIMO-UNet-RealBlur",
    "text-to-image generation: Stable Diffusion V1. Txt2Img-StableDiffusionV1-CyberRealistic",
    "Removing Reflections from RAW Photos. We remove reflections from RAW photos.",
]


def test_dense_scores_are_cosines(fake_embedder) -> None:
    scores = dense_scores(fake_embedder, "image deblurring blur", TEXTS)
    assert scores.shape == (3,) and scores.dtype == np.float32
    assert int(np.argmax(scores)) == 0
    assert np.all(scores <= 1.0 + 1e-6)
    assert dense_scores(fake_embedder, "q", []).shape == (0,)


def test_bm25_scores_rank_names_and_inflections() -> None:
    assert int(np.argmax(bm25_scores("MIMO-UNet", TEXTS))) == 0
    assert int(np.argmax(bm25_scores("reflection in a raw photo", TEXTS))) == 2
    assert int(np.argmax(bm25_scores("StableDiffusion", TEXTS))) == 1


def test_bm25_no_overlap_is_all_zero_and_tiny_corpora_work() -> None:
    assert np.all(bm25_scores("zebra giraffe", TEXTS) == 0)
    assert np.all(bm25_scores("", TEXTS) == 0)
    assert bm25_scores("x", []).shape == (0,)
    one = bm25_scores("reflections", TEXTS[2:])
    assert one.shape == (1,) and one[0] > 0
    assert np.all(bm25_scores("blur", ["", "the of"]) == 0)


def test_fuse_rrf() -> None:
    a = np.array([3.0, 2.0, 1.0])
    b = np.array([0.0, 0.0, 9.0])
    fused = fuse_rrf([a, b], k=60)
    assert fused[0] == pytest.approx(1 / 61 + 1 / 62)  # tied zeros share rank 2
    assert fused[2] == pytest.approx(1 / 63 + 1 / 61)
    # a constant array carries no preference
    only_a = fuse_rrf([a, np.zeros(3)])
    assert list(np.argsort(-only_a)) == [0, 1, 2]
    with pytest.raises(ValueError):
        fuse_rrf([a, np.zeros(2)])


def test_fuse_weighted() -> None:
    fused = fuse_weighted([np.array([1.0, 3.0, 2.0]), np.array([5.0, 5.0, 5.0])], [0.5, 0.5])
    assert np.allclose(fused, [0.0, 0.5, 0.25])
    with pytest.raises(ValueError):
        fuse_weighted([np.zeros(2)], [0.5, 0.5])


def test_fuse_zscore_standardizes_each_side() -> None:
    fused = fuse_zscore([np.array([1.0, 3.0, 2.0]), np.array([5.0, 5.0, 5.0])], [0.5, 0.5])
    assert np.allclose(fused, 0.5 * np.array([-1.0, 1.0, 0.0]) * np.sqrt(1.5))
    # among 50 candidates, one decisive lexical match (an exact model name) outweighs a small dense lead
    rng = np.random.default_rng(0)
    dense, lexical = rng.normal(0.40, 0.05, 50), rng.uniform(0.0, 1.0, 50)
    dense[0], dense[1], lexical[1] = 0.60, 0.57, 9.0
    assert int(np.argmax(fuse_zscore([dense, lexical], [0.7, 0.3]))) == 1
    assert int(np.argmax(fuse_zscore([dense, lexical], [1.0, 0.0]))) == 0
    with pytest.raises(ValueError):
        fuse_zscore([np.zeros(2)], [0.5, 0.5])


def test_fuse_and_hybrid(fake_embedder) -> None:
    with pytest.raises(ValueError):
        fuse(np.zeros(2), np.zeros(2), fusion="max")  # type: ignore[arg-type]
    for fusion in ("rrf", "weighted", "zscore"):
        scores = hybrid_scores(fake_embedder, "Deblur-MIMO-UNet blurry photo", TEXTS, fusion=fusion)
        assert int(np.argmax(scores)) == 0
    assert hybrid_scores(fake_embedder, "q", []).shape == (0,)
