"""BM25 tokenization: names, acronyms and their parts survive; English is stemmed."""

from __future__ import annotations

import pytest

from indexer.tokenize import STOP_WORDS, tokenize


def test_hyphenated_name_kept_whole_and_split() -> None:
    tokens = tokenize("MIMO-UNet")
    assert tokens[:3] == ["mimo-unet", "mimo", "unet"]


def test_zoo_name_yields_task_camel_parts() -> None:
    tokens = tokenize("Txt2Img-StableDiffusionV1-CyberRealistic")
    for t in ["txt2img", "txt", "img", "stablediffusionv1", "v1", "cyber"]:
        assert t in tokens
    # stemmed camel parts match a plain-English query
    assert set(tokenize("stable diffusion")) <= set(tokens)
    assert set(tokenize("realistic")) <= set(tokens)


@pytest.mark.parametrize("text,expected", [("4x", "4x"), ("x4", "x4"), ("SR", "sr"), ("HDR", "hdr"), ("RAW", "raw")])
def test_short_acronyms_and_scales_survive(text: str, expected: str) -> None:
    assert expected in tokenize(f"the {text} model")


@pytest.mark.parametrize(
    "a,b", [("upscaling", "upscale"), ("reflections", "reflection"), ("deblurring", "deblur"), ("photos", "photo")]
)
def test_light_stemming_matches_inflections(a: str, b: str) -> None:
    assert tokenize(a) == tokenize(b)


def test_stop_words_dropped_and_lowercased() -> None:
    assert tokenize("How does the AI do THIS?") == ["ai"]
    assert "the" in STOP_WORDS and "ai" not in STOP_WORDS


def test_unicode_dashes_are_hyphens() -> None:
    assert tokenize("real\u2011time")[:3] == ["real-time", "real", "time"]


def test_plural_acronyms_and_versions() -> None:
    assert "dnn" in tokenize("DNNs")
    assert "1.5" in tokenize("stable-diffusion-1.5")


def test_empty_and_deterministic() -> None:
    assert tokenize("") == [] and tokenize("   ") == []
    text = "Deblur-MIMO-UNet-RealBlur removes blur from RealBlur photos"
    assert tokenize(text) == tokenize(text)
    assert tokenize(text).count("realblur") == 2  # term frequency is kept
