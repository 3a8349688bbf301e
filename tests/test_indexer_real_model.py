"""The bundled all-MiniLM-L6-v2 through SentenceTransformerEmbedder (slow: loads torch)."""

from __future__ import annotations

import numpy as np
import pytest

from indexer.embedder import EmbedderError, SentenceTransformerEmbedder, default_model_path
from indexer.scoring import dense_scores
from test_indexer_seeds import evaluate_modes, seed_index

pytestmark = pytest.mark.real_model


def test_bundled_model_vectors(real_embedder) -> None:
    assert real_embedder.name == "all-MiniLM-L6-v2"
    assert real_embedder.dimension == 384
    vectors = real_embedder.encode(["sharpen a blurry photo", "a cat", "text-to-image generation"])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert real_embedder.encode([]).shape == (0, 384)


def test_deblurring_is_closer_than_text_to_image(real_embedder) -> None:
    deblur = "image deblurring: MIMO UNet Real Blur. Deblur-MIMO-UNet-RealBlur"
    txt2img = "text-to-image generation: Stable Diffusion V1 Cyber Realistic. Txt2Img-StableDiffusionV1-CyberRealistic"
    scores = dense_scores(real_embedder, "sharpen a blurry photo", [deblur, txt2img])
    assert scores[0] > scores[1]


def test_bundled_path_has_the_stable_name() -> None:
    assert SentenceTransformerEmbedder(default_model_path()).name == "all-MiniLM-L6-v2"


def test_missing_model_is_a_clear_error(tmp_path) -> None:
    emb = SentenceTransformerEmbedder(str(tmp_path / "nope"))
    with pytest.raises(EmbedderError) as info:
        emb.encode(["x"])
    assert str(tmp_path / "nope") in str(info.value) and "MODELKB_MODEL" in str(info.value)


def test_seed_questions_find_their_items(tmp_path, real_embedder, seeds_dir) -> None:
    index, ids, queries = seed_index(tmp_path, real_embedder, seeds_dir, with_questions=False)
    for mode in ("dense", "hybrid"):
        scores = evaluate_modes(index, ids, queries, mode)
        assert scores["mrr"] >= 0.75, (mode, scores)
        assert scores["recall@5"] >= 0.6, (mode, scores)
