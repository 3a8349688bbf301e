"""Zoo names split into task / architecture / variant, with hyphens anywhere."""

from __future__ import annotations

import pytest

from catalog.zoo import is_zoo_name, known_architectures, known_task_prefixes, split_zoo_name


@pytest.mark.parametrize(
    "name, expected",
    [
        ("Txt2Img-StableDiffusionV1-CyberRealistic", ("Txt2Img", "StableDiffusionV1", "CyberRealistic")),
        ("Deblur-MIMO-UNet-RealBlur", ("Deblur", "MIMO-UNet", "RealBlur")),
        ("Txt2Img-StableDiffusionV1-QGO-PromptingReal", ("Txt2Img", "StableDiffusionV1", "QGO-PromptingReal")),
        ("SR-Real-ESRGAN-x4", ("SR", "Real-ESRGAN", "x4")),
        ("SR-ESRGAN-x4", ("SR", "ESRGAN", "x4")),
        ("Deblur-DeblurGAN-v2-GoPro", ("Deblur", "DeblurGAN-v2", "GoPro")),
        ("deblur-mimo-unet-realblur", ("deblur", "mimo-unet", "realblur")),
        ("Deblur-MIMO-UNet", ("Deblur", "MIMO-UNet", None)),
        # unknown architecture: task / next token / rest
        ("Denoise-FooNet-Big-v2", ("Denoise", "FooNet", "Big-v2")),
        ("Foo-Bar", ("Foo", "Bar", None)),
    ],
)
def test_split_zoo_name(name, expected):
    assert split_zoo_name(name) == expected


@pytest.mark.parametrize(
    "name",
    ["Removing Reflections from RAW Photos", "DeblurGS", "Data-Link: High Fidelity", "", "-x", "a--b", "Real-ESRGAN"],
)
def test_split_zoo_name_rejects(name):
    assert split_zoo_name(name) is None


@pytest.mark.parametrize(
    "name",
    [
        "Txt2Img-StableDiffusionV1-CyberRealistic",
        "Deblur-MIMO-UNet-RealBlur",
        "SR-Real-ESRGAN-x4",
        "Denoise-FooNet-Big",  # known task prefix, unknown architecture
        "Custom-SwinIR-x2",  # unknown task, known architecture after the first token
    ],
)
def test_is_zoo_name(name):
    assert is_zoo_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "Removing Reflections from RAW Photos",
        "DeblurGS: Gaussian Splatting for Camera Motion Blur",
        "Data-Link",
        "Auto Cherry-Picker",
        "Real-ESRGAN",
        "Real-ESRGAN-x4",  # starts with an architecture: no task token
        "FeatSharp",
    ],
)
def test_is_not_zoo_name(name):
    assert not is_zoo_name(name)


def test_data_files_have_the_expected_entries():
    archs = known_architectures()
    assert len(archs) >= 40
    for arch in ("stablediffusionv1", "mimo-unet", "real-esrgan", "swinir", "zero-dce", "mask-rcnn"):
        assert arch in archs
    tasks = known_task_prefixes()
    for task in ("txt2img", "deblur", "sr", "inpaint", "lowlight", "img2txt"):
        assert task in tasks


def test_user_architectures_file(tmp_path, monkeypatch):
    assert split_zoo_name("Deblur-My-Net-Big") == ("Deblur", "My", "Net-Big")
    user = tmp_path / "archs.txt"
    user.write_text("# mine\nMy-Net  # with a comment\n", encoding="utf-8")
    monkeypatch.setenv("MODELKB_ARCHITECTURES", str(user))
    assert split_zoo_name("Deblur-My-Net-Big") == ("Deblur", "My-Net", "Big")
    assert is_zoo_name("Whatever-My-Net-Big")


def test_user_task_prefixes_file(tmp_path, monkeypatch):
    assert not is_zoo_name("Sketch2Img-FooNet-v1")
    user = tmp_path / "tasks.txt"
    user.write_text("Sketch2Img\n", encoding="utf-8")
    monkeypatch.setenv("MODELKB_TASK_PREFIXES", str(user))
    assert is_zoo_name("Sketch2Img-FooNet-v1")


def test_missing_user_file_warns_but_works(tmp_path, monkeypatch):
    monkeypatch.setenv("MODELKB_ARCHITECTURES", str(tmp_path / "nope.txt"))
    with pytest.warns(RuntimeWarning, match="MODELKB_ARCHITECTURES"):
        assert split_zoo_name("Deblur-MIMO-UNet-RealBlur") == ("Deblur", "MIMO-UNet", "RealBlur")
