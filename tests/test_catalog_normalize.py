"""Identity helpers: every spelling of one paper/repo maps to one key."""

from __future__ import annotations

import pytest

from catalog.normalize import (
    clean_value,
    is_missing,
    item_key,
    looks_like_url,
    normalize_github,
    normalize_title,
    normalize_url,
    parse_arxiv,
)


@pytest.mark.parametrize(
    "url, expected",
    [
        ("http://arxiv.org/pdf/2308.15462v1.pdf", ("2308.15462", 1)),
        ("https://arxiv.org/abs/2308.15462v2", ("2308.15462", 2)),
        ("arxiv.org/pdf/2308.15462", ("2308.15462", None)),
        ("https://www.arxiv.org/abs/2308.15462", ("2308.15462", None)),
        ("http://export.arxiv.org/abs/2308.15462v3", ("2308.15462", 3)),
        ("https://arxiv.org/abs/2308.15462/", ("2308.15462", None)),
        ("https://arxiv.org/abs/2308.15462v2#section", ("2308.15462", 2)),
        ("  HTTPS://ARXIV.ORG/PDF/2308.15462V1.PDF  ", ("2308.15462", 1)),
        ("http://arxiv.org/abs/hep-th/9901001v1", ("hep-th/9901001", 1)),
        ("https://arxiv.org/pdf/math.AG/0101001", ("math.AG/0101001", None)),
        ("arXiv:2404.14414v2", ("2404.14414", 2)),
        ("https://doi.org/10.48550/arXiv.2404.14414", ("2404.14414", None)),
        ("https://arxiv.org/abs/0704.0001", ("0704.0001", None)),
    ],
)
def test_parse_arxiv(url, expected):
    assert parse_arxiv(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        None,
        "",
        "https://openaccess.thecvf.com/content/ICCV2021/papers/Cho_Rethinking.pdf",
        "https://notarxiv.org/abs/2308.15462",
        "https://arxiv.org/list/cs.CV/recent",
        "Removing Reflections from RAW Photos",
    ],
)
def test_parse_arxiv_rejects_non_arxiv(url):
    assert parse_arxiv(url) is None


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/chosj95/MIMO-UNet",
        "http://github.com/chosj95/MIMO-UNet/",
        "https://www.github.com/chosj95/mimo-unet.git",
        "https://github.com/chosj95/MIMO-UNet/tree/main/models",
        "https://github.com/chosj95/MIMO-UNet/blob/main/README.md#usage",
        "github.com/chosj95/MIMO-UNet?tab=readme",
        "git@github.com:chosj95/MIMO-UNet.git",
        "  https://github.com//chosj95//MIMO-UNet//  ",
    ],
)
def test_normalize_github_variants(url):
    assert normalize_github(url) == "https://github.com/chosj95/mimo-unet"


def test_normalize_github_non_github_and_owner_only():
    assert normalize_github("https://gitlab.com/owner/repo") is None
    assert normalize_github("https://notgithub.com/owner/repo") is None
    assert normalize_github(None) is None
    assert normalize_github("https://github.com/Kameronski") == "https://github.com/kameronski"


def test_normalize_url():
    a = normalize_url("HTTP://OpenAccess.TheCVF.com/content/ICCV2021/papers/X.pdf#page=2")
    b = normalize_url("https://openaccess.thecvf.com/content/ICCV2021/papers/X.pdf/")
    assert a == b == "https://openaccess.thecvf.com/content/ICCV2021/papers/X.pdf"
    assert normalize_url("www.example.org/a/") == "https://example.org/a"
    assert normalize_url("https://example.org:443/a?q=1") == "https://example.org/a?q=1"
    assert normalize_url("https://example.org:8080/a") == "https://example.org:8080/a"
    assert normalize_url("https://example.org:bad/a").startswith("https://")


def test_normalize_title():
    assert normalize_title("  DeblurGS: Gaussian   Splatting, for Camera-Motion Blur! ") == (
        "deblurgs gaussian splatting for camera motion blur"
    )
    assert normalize_title("“Quoted” Title") == normalize_title('"quoted" title')


@pytest.mark.parametrize(
    "value", [None, "", "  ", "None", "none", "N/A", "n/a", "NA", "-", "—", "null", "*None*", "`N/A`", "(none)"]
)
def test_is_missing(value):
    assert is_missing(value)


@pytest.mark.parametrize("value", ["https://github.com/a/b", "0", "Nonesuch", "-x"])
def test_is_not_missing(value):
    assert not is_missing(value)


def test_clean_value():
    assert clean_value("  <https://x.org/a>  ") == "https://x.org/a"
    assert clean_value("[arXiv](http://arxiv.org/pdf/2404.14414v2.pdf)") == "http://arxiv.org/pdf/2404.14414v2.pdf"
    assert clean_value("N/A") is None


def test_looks_like_url():
    assert looks_like_url("http://arxiv.org/pdf/2308.15462v1.pdf")
    assert looks_like_url("www.example.org")
    assert looks_like_url("arxiv.org/abs/2308.15462")
    assert looks_like_url("arXiv:2308.15462")
    assert not looks_like_url("Rethinking Coarse-to-Fine Approach")
    assert not looks_like_url("a.b" * 100_000)  # long junk stays cheap and false


def test_arxiv_versions_share_one_key():
    v1 = item_key("paper", "Removing Reflections from RAW Photos", "http://arxiv.org/pdf/2404.14414v1.pdf")
    v2 = item_key("paper", "Removing reflections from RAW photos", "https://arxiv.org/abs/2404.14414v2")
    assert v1 == v2 == "arxiv:2404.14414"


def test_paper_key_fallbacks():
    assert item_key("paper", "X", "http://OpenAccess.thecvf.com/p.pdf/") == "url:https://openaccess.thecvf.com/p.pdf"
    assert item_key("paper", "A Paper: Without Links!", None) == "title:a paper without links"
    assert item_key("paper", "A Paper", "None") == "title:a paper"


def test_sd_checkpoints_sharing_a_repo_get_three_keys():
    repo = "https://github.com/Kameronski/stable-diffusion-1.5"
    names = [
        "Txt2Img-StableDiffusionV1-CyberRealistic",
        "Txt2Img-StableDiffusionV1-PirsusEpicRealism",
        "Txt2Img-StableDiffusionV1-QGO-PromptingReal",
    ]
    keys = {item_key("model", n, None) for n in names}
    assert len(keys) == 3
    assert item_key("model", "  Txt2Img-StableDiffusionV1-CyberRealistic ", repo) == (
        "model:txt2img-stablediffusionv1-cyberrealistic"
    )
