"""Item text: zoo names spelled out in words, summaries or questions appended."""

from __future__ import annotations

import pytest

from catalog.zoo import known_task_prefixes, task_prefix
from indexer.text import content_hash, expand_task, item_text, split_words


@pytest.mark.parametrize(
    "prefix,words",
    [
        ("Txt2Img", "text-to-image generation"),
        ("Img2Img", "image-to-image translation"),
        ("Deblur", "image deblurring"),
        ("SR", "super-resolution upscaling"),
        ("LowLight", "low-light enhancement"),
        ("Seg", "segmentation"),
        ("Det", "object detection"),
        ("Flow", "optical flow"),
        ("Img2Txt", "image captioning"),
        ("txt2img", "text-to-image generation"),  # case-insensitive
        ("Low-Light", "low-light enhancement"),
    ],
)
def test_known_task_prefixes(prefix: str, words: str) -> None:
    assert expand_task(prefix) == words


def test_table_covers_the_brief() -> None:
    for key in ["Denoise", "Inpaint", "Dehaze", "Derain", "FaceRestore", "Colorize", "Depth", "Pose",
                "Matting", "Txt2Vid", "Img2Vid", "Txt2Speech", "Txt2Music", "ASR", "Track", "Forecast"]:
        assert key.casefold() in known_task_prefixes()
        assert task_prefix(key).words and task_prefix(key).tasks, key


def test_unknown_prefix_split_into_words() -> None:
    assert expand_task("Sketch2Img") == "sketch to image"
    assert expand_task("FooBar") == "foo bar"
    assert expand_task("ActSeg") == "action segmentation"  # "Act" is action, not the verb
    assert expand_task("ImgCls") == "image classification"


def test_a_compound_prefix_reads_its_head_in_the_words_before_it() -> None:
    # "Detect" alone is object detection and "Caption" image captioning; after a modifier they are not
    assert expand_task("ShotDetect") == "shot detection"
    assert expand_task("AudioCaption") == "audio captioning"
    assert expand_task("PointTrack") == "point tracking"
    # words after the head say how, and keep the head's full meaning
    assert expand_task("DeblurGAN") == "image deblurring GAN"
    assert expand_task("") == "" and expand_task(None) == ""


def test_split_words() -> None:
    assert split_words("StableDiffusionV1") == ["Stable", "Diffusion", "V1"]
    assert split_words("MIMO-UNet") == ["MIMO", "UNet"]
    assert split_words("CyberRealistic") == ["Cyber", "Realistic"]
    assert split_words("DeblurGS") == ["Deblur", "GS"]
    assert split_words("QGO-PromptingReal") == ["QGO", "Prompting", "Real"]


def test_model_text_with_split_name() -> None:
    text = item_text("Deblur-MIMO-UNet-RealBlur", "model", None, "Deblur", "MIMO-UNet", "RealBlur")
    assert text == "image deblurring: MIMO UNet Real Blur. Deblur-MIMO-UNet-RealBlur"


def test_model_without_split_guesses_known_prefix() -> None:
    text = item_text("Txt2Img-StableDiffusionV1-CyberRealistic", "model", None)
    assert text.startswith("text-to-image generation: Stable Diffusion V1 Cyber Realistic.")
    assert "Txt2Img-StableDiffusionV1-CyberRealistic" in text


def test_questions_stand_in_for_missing_summary_deterministically() -> None:
    a = item_text("SR-Foo-Bar", "model", None, "SR", "Foo", "Bar", questions=["Why B?", "how a", "Why B?"])
    b = item_text("SR-Foo-Bar", "model", None, "SR", "Foo", "Bar", questions=["how a", "Why B?"])
    assert a == b
    assert "how a." in a and a.count("Why B?") == 1
    with_summary = item_text("SR-Foo-Bar", "model", "It upscales.", "SR", "Foo", "Bar", questions=["how a"])
    assert "It upscales." in with_summary and "how a" not in with_summary


def test_paper_text() -> None:
    assert item_text("Removing Reflections from RAW Photos", "paper", "We  remove\nreflections.") == (
        "Removing Reflections from RAW Photos. We remove reflections."
    )
    assert item_text("A Title.", "paper", None) == "A Title."


def test_content_hash() -> None:
    assert content_hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert content_hash("abc") != content_hash("abd")
