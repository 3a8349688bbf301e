"""Prompt and answer files -> ParsedDocument, on the real seeds and small fixtures."""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

import pytest

import catalog
from catalog import ParsedDocument, ParseError, parse_bytes, parse_file

PARSER = Path(__file__).resolve().parent / "data" / "parser"

S000 = "000_d34a6fb765d0ccc3.txt"
S001 = "001_b5c2937c3f908636.txt"
S002 = "002_f5e658f80bf8bfc2.txt"
S003 = "003_812c1816073d00a4.txt"
S004 = "004_275fda37b4ddce02.txt"

HEAD = 'You are an AI scientist.\n\nA user has asked the following question:\n"Which model?"\n\n'


def names(doc: ParsedDocument) -> list[str]:
    return [p.item.name for p in doc.items]


def by_name(doc: ParsedDocument, name: str):
    return next(p for p in doc.items if p.item.name == name)


def parse_text(body: str, path: str = "mem.txt") -> ParsedDocument:
    return parse_bytes((HEAD + body).encode("utf-8"), path)


# -- seeds ---------------------------------------------------------------------


def test_seed_000_prompt(seeds_dir):
    doc = parse_file(seeds_dir / S000)
    assert doc.format == "prompt"
    assert doc.question.startswith("I made a fake product shot")
    assert doc.question.endswith("without ever seeing the real object?")
    assert doc.sha256 == hashlib.sha256((seeds_dir / S000).read_bytes()).hexdigest()
    assert doc.path == str(seeds_dir / S000)
    assert doc.repairs == []
    assert [p.position for p in doc.items] == [0, 1, 2, 3]
    model = doc.items[0]
    assert (model.role, model.item.kind, model.line) == ("recommended", "model", 15)
    assert model.item.name == "Txt2Img-StableDiffusionV1-CyberRealistic"
    assert model.item.key == "model:txt2img-stablediffusionv1-cyberrealistic"
    assert model.item.paper_url is None
    assert model.item.github_url == "https://github.com/kameronski/stable-diffusion-1.5"
    assert (model.item.task, model.item.architecture, model.item.variant) == (
        "Txt2Img", "StableDiffusionV1", "CyberRealistic"
    )
    paper = doc.items[1]
    assert (paper.role, paper.item.kind, paper.line) == ("related", "paper", 20)
    assert paper.item.paper_url == "http://arxiv.org/pdf/2308.15462v1.pdf"
    assert (paper.item.arxiv_id, paper.item.arxiv_version) == ("2308.15462", 1)
    assert paper.item.key == "arxiv:2308.15462"
    assert paper.item.summary.startswith("Low dynamic range (LDR) cameras")
    assert paper.item.summary.endswith("https://drive.google.com/file/d/1-r12BKImLOYCLUoPzdebnMyNjJ4Rk360/view")
    assert paper.item.task is None and paper.item.github_url is None
    data_link = doc.items[3].item
    assert data_link.name.startswith("Data-Link: High Fidelity")
    assert data_link.kind == "paper"


def test_seed_001_answer_matches_seed_000(seeds_dir):
    prompt = parse_file(seeds_dir / S000)
    answer = parse_file(seeds_dir / S001)
    assert answer.format == "answer"
    assert answer.question == prompt.question
    assert "repaired mojibake" in answer.repairs
    assert answer.text.startswith("🧠 **User Question:**")
    assert "Input → Model → Output" in answer.text
    assert len(answer.items) == 4
    assert names(answer) == names(prompt)
    assert [p.item.key for p in answer.items] == [p.item.key for p in prompt.items]
    model = answer.items[0]
    assert model.item.name == "Txt2Img-StableDiffusionV1-CyberRealistic"
    assert (model.item.kind, model.role) == ("model", "recommended")
    assert all((p.item.kind, p.role) == ("paper", "related") for p in answer.items[1:])
    assert all(p.item.github_url is None for p in answer.items[1:])
    assert answer.items[2].item.arxiv_version == 2


def test_seed_002(seeds_dir):
    doc = parse_file(seeds_dir / S002)
    assert len(doc.items) == 4
    assert doc.items[0].item.variant == "PirsusEpicRealism"
    assert "\\textbf{A}uto" in doc.items[1].item.summary


def test_seed_003_four_items(seeds_dir):
    doc = parse_file(seeds_dir / S003)
    assert len(doc.items) == 4
    model = doc.items[0].item
    assert (model.kind, model.name) == ("model", "Deblur-MIMO-UNet-RealBlur")
    assert (model.task, model.architecture, model.variant) == ("Deblur", "MIMO-UNet", "RealBlur")
    assert model.paper_url.startswith("https://openaccess.thecvf.com/content/ICCV2021/")
    assert model.arxiv_id is None
    assert model.github_url == "https://github.com/chosj95/mimo-unet"
    dreamclear = doc.items[1].item
    assert dreamclear.github_url == "https://github.com/shallowdream204/dreamclear"
    assert dreamclear.summary.endswith("https://github.com/shallowdream204/DreamClear.")
    assert "Which AI model structures are popular today" in doc.question


def test_seed_004(seeds_dir):
    doc = parse_file(seeds_dir / S004)
    assert len(doc.items) == 4
    model = doc.items[0].item
    assert model.variant == "QGO-PromptingReal"
    assert "real‑time upscaling" in doc.question
    featsharp = by_name(doc, "FeatSharp: Your Vision Model Features, Sharper").item
    assert featsharp.summary.startswith("The feature maps of vision encoders are fundamental")
    assert "(e.g. semantic segmentation, object detection, depth perception, etc.)" in featsharp.summary
    assert featsharp.summary.endswith("as a way of providing richer targets for distillation.")
    assert featsharp.key == "arxiv:2502.16025"


def test_three_sd_checkpoints_three_keys_one_repo(seeds_dir):
    models = [parse_file(seeds_dir / s).items[0].item for s in (S000, S002, S004)]
    assert len({m.key for m in models}) == 3
    assert {m.github_url for m in models} == {"https://github.com/kameronski/stable-diffusion-1.5"}


def test_same_paper_same_key_across_seeds(seeds_dir):
    keys = [by_name(parse_file(seeds_dir / s), "Removing Reflections from RAW Photos").item.key for s in (S000, S002)]
    assert keys == ["arxiv:2404.14414"] * 2


# -- fixtures --------------------------------------------------------------------


def _fixture(name: str) -> ParsedDocument:
    return parse_file(PARSER / name)


@pytest.mark.parametrize(
    "name, repair",
    [
        ("crlf.txt", "normalized CRLF line endings"),
        ("cr_only.txt", "normalized CR line endings"),
        ("bom.txt", "stripped UTF-8 BOM"),
    ],
)
def test_line_endings_and_bom(name, repair):
    doc = _fixture(name)
    assert repair in doc.repairs
    assert doc.question == "Which AI model structures are popular today for realistic image deblurring?"
    assert names(doc) == [
        "Deblur-MIMO-UNet-RealBlur",
        "DeblurGS: Gaussian Splatting for Camera Motion Blur",
        "Removing Reflections from RAW Photos",
    ]
    assert [p.line for p in doc.items] == [15, 20, 24]
    assert "\r" not in doc.text and not doc.text.startswith("\ufeff")
    assert doc.items[1].item.summary.endswith("from motion-blurred images.")


def test_cp1252_file():
    doc = _fixture("cp1252.txt")
    assert any("cp1252" in r for r in doc.repairs)
    assert doc.question == "Why does my café photo look “too sharp” after deblurring — is that normal?"
    assert "naïve-looking but “robust” système" in doc.items[2].item.summary


def test_case_insensitive_fields():
    doc = _fixture("case_fields.txt")
    model, paper = doc.items
    assert (model.role, model.item.kind) == ("recommended", "model")
    assert model.item.name == "SR-Real-ESRGAN-x4"
    assert model.item.architecture == "Real-ESRGAN"
    assert model.item.paper_url is None
    assert model.item.github_url == "https://github.com/xinntao/real-esrgan"
    assert (paper.role, paper.item.kind) == ("related", "paper")
    assert paper.item.arxiv_id == "2502.16025"
    assert paper.item.summary.startswith("We introduce a novel method")  # "Abstract:" is a summary


def test_markdown_bullets_and_bold():
    doc = _fixture("markdown.txt")
    model, paper = doc.items
    assert model.item.name == "Txt2Img-StableDiffusionV1-CyberRealistic"
    assert model.item.paper_url is None
    assert model.item.github_url == "https://github.com/kameronski/stable-diffusion-1.5"
    assert paper.role == "related"  # from a bold "**Related Papers:**" header
    assert paper.item.paper_url == "http://arxiv.org/pdf/2404.14414v2.pdf"
    assert paper.item.summary == "We describe a system to remove real-world reflections from images."


def test_missing_links():
    doc = _fixture("missing_links.txt")
    assert len(doc.items) == 3
    for p in doc.items:
        assert p.item.paper_url is None and p.item.github_url is None
    last = doc.items[2].item
    assert last.summary is None
    assert last.key == "title:a paper without any link"


def test_extra_fields_kept():
    doc = _fixture("extra_fields.txt")
    model, paper = doc.items
    assert model.item.extra == {"dataset": "RealBlur-J", "license": "MIT", "year": "2021"}
    assert model.item.github_url == "https://github.com/chosj95/mimo-unet"
    assert paper.item.extra == {"venue": "arXiv preprint"}
    assert paper.item.summary == "We propose DeblurGS."


def test_multiline_question_name_and_summary():
    doc = _fixture("multiline.txt")
    assert doc.question == (
        "When using an AI-powered image restoration app, I noticed it handled severely blurred "
        "real-life photos exceptionally well. Which AI model structures are popular today for "
        "realistic image deblurring?"
    )
    model, dreamclear, deblurgs = doc.items
    assert model.item.summary == (
        "A multi-input multi-output U-Net that restores sharp images coarse-to-fine in a single network."
    )
    assert dreamclear.item.name == (
        "DreamClear: High-Capacity Real-World Image Restoration with Privacy-Safe Dataset Curation"
    )
    assert dreamclear.item.summary == (
        "Image restoration (IR) in real-world scenarios presents significant challenges. "
        "We present GenIR and DreamClear.\n\n"
        "Code and pre-trained models are available at: https://github.com/shallowdream204/DreamClear."
    )
    assert dreamclear.item.extra == {}
    assert deblurgs.item.summary.endswith("3D Gaussian Splatting from motion-blurred images.")
    assert [p.line for p in doc.items] == [9, 17, 26]


def test_answer_format_skips_prose_labels():
    doc = _fixture("answer_simple.txt")
    assert doc.format == "answer"
    assert doc.question == "How does AI deblur real photos?"
    # "- **Model**: Deblur-... restores ..." and "- **Model**: The listed models ..." are prose
    assert names(doc) == ["Deblur-MIMO-UNet-RealBlur", "DeblurGS: Gaussian Splatting for Camera Motion Blur"]
    model, paper = doc.items
    assert (model.item.kind, model.role, model.position, model.line) == ("model", "recommended", 0, 17)
    assert (paper.item.kind, paper.role, paper.position) == ("paper", "related", 1)
    assert paper.item.github_url is None


def test_recommended_non_zoo_is_paper_and_related_is_always_paper():
    doc = _fixture("recommended_paper.txt")
    gfpgan, codeformer, related = doc.items
    assert (gfpgan.item.kind, gfpgan.role) == ("paper", "recommended")
    assert gfpgan.item.key == "arxiv:2101.04061"
    assert (codeformer.item.kind, codeformer.role) == ("model", "recommended")
    assert codeformer.item.architecture == "CodeFormer"
    assert (related.item.kind, related.role) == ("paper", "related")
    assert related.item.task is None


def test_items_without_sections_use_the_name():
    doc = _fixture("no_sections.txt")
    assert [(p.item.kind, p.role) for p in doc.items] == [("model", "recommended"), ("paper", "related")]


# -- inline edge cases --------------------------------------------------------------


def test_question_on_marker_line_and_curly_quotes():
    data = "A user has asked the following question: “How does it “see” depth?”\n\nModel: Depth-MiDaS-v3\n"
    doc = parse_bytes(data.encode("utf-8"), "q.txt")
    assert doc.question == "How does it “see” depth?"
    assert doc.items[0].item.architecture == "MiDaS"


def test_unquoted_question():
    data = "A user has asked the following question:\nHow does it see depth?\nReally?\n\nModel: Depth-MiDaS-v3\n"
    assert parse_bytes(data.encode(), "q.txt").question == "How does it see depth? Really?"


def test_answer_question_inline():
    data = '**User Question:** "What is SR?"\n\n- **Model**: SR-SwinIR-x4\n  - Paper: None\n'
    doc = parse_bytes(data.encode(), "a.txt")
    assert (doc.format, doc.question, names(doc)) == ("answer", "What is SR?", ["SR-SwinIR-x4"])


def test_text_after_answer_marker_is_ignored():
    doc = parse_text("Model: SR-SwinIR-x4\n\nAnswer:\nModel: Not-An-Item-Here\nPaper: x\n")
    assert names(doc) == ["SR-SwinIR-x4"]


def test_link_note_and_title_in_paper_field():
    doc = parse_text(
        "### Related Papers:\n"
        "Model: A\nPaper: https://arxiv.org/abs/2101.04061 (CVPR 2021)\n\n"
        "Model: B\nPaper: Rethinking Coarse-to-Fine Approach\n"
    )
    a, b = (p.item for p in doc.items)
    assert a.paper_url == "https://arxiv.org/abs/2101.04061" and a.extra == {"paper": "(CVPR 2021)"}
    assert b.paper_url is None and b.extra == {"paper": "Rethinking Coarse-to-Fine Approach"}
    assert b.key == "title:b"


def test_wrapped_url_is_rejoined():
    doc = parse_text("### Related Papers:\nModel: A\nPaper: http://arxiv.org/pdf/\n2308.15462v1.pdf\n")
    assert doc.items[0].item.paper_url == "http://arxiv.org/pdf/2308.15462v1.pdf"


def test_extra_field_repeated_and_prose_colon_stays_text():
    doc = parse_text(
        "### Related Papers:\nModel: A\nTag: one\nTag: two\n"
        "Summary: first line\nresults: we show more\n"
    )
    item = doc.items[0].item
    assert item.extra == {"tag": "one", "tag 2": "two"}
    assert item.summary == "first line results: we show more"


@pytest.mark.parametrize(
    "body, message, line",
    [
        (
            "### Related Papers:\nPaper: http://arxiv.org/pdf/2404.11358v2.pdf\n",
            "'Paper:' field without a preceding 'Model:'",
            7,
        ),
        ("### Related Papers:\ngithub: https://github.com/a/b\n", "'github:' field without", 7),
        ("Model: A\nSummary: s\n\nSummary: t\n", "second 'Summary:'", 9),
        ("Model:\nPaper: None\n", "no name", 6),
        ("Model: None\nGitHub: https://github.com/a/b\n", "no name", 6),
        ("### Recommended AI Models:\n\n### Related Papers:\n", "no models or papers found", None),
    ],
)
def test_structural_errors(body, message, line):
    with pytest.raises(ParseError, match=message) as exc:
        parse_text(body, "some dir/broken.txt")
    assert exc.value.line == line
    assert "some dir/broken.txt" in str(exc.value)


@pytest.mark.parametrize(
    "data, message",
    [
        ("Model: A\nPaper: None\n", "no question found"),
        ("A user has asked the following question:\n\n\n", "no question text"),
        ("A user has asked the following question:\n### Recommended AI Models:\nModel: A\n", "no question text"),
        ('A user has asked the following question:\n""\n\nModel: A\n', "question is empty"),
    ],
)
def test_question_errors(data, message):
    with pytest.raises(ParseError, match=message):
        parse_bytes(data.encode(), "q.txt")


def test_parse_file_errors(tmp_path):
    with pytest.raises(ParseError, match="cannot read file") as exc:
        parse_file(tmp_path / "missing.txt")
    assert "missing.txt" in str(exc.value)
    with pytest.raises(ParseError, match="directory"):
        parse_file(tmp_path)


def test_public_api():
    for name in ("parse_bytes", "parse_file", "ParseError", "ItemRecord", "ParsedItem", "ParsedDocument"):
        assert hasattr(catalog, name)


def test_catalog_imports_nothing_of_ours_and_no_ml():
    ours = {"db", "indexer", "answerer", "modelkb"}
    forbidden = ours | {"torch", "numpy", "sentence_transformers", "faiss", "sqlalchemy"}
    root = Path(catalog.__file__).parent
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                mods = [node.module or ""]
            else:
                continue
            for mod in mods:
                assert mod.split(".")[0] not in forbidden, f"{path.name} imports {mod}"


def test_unquoted_question_stops_at_instructions():
    data = (
        "A user has asked the following question:\nHow does it see depth?\n"
        "Based on the following recommended models, explain:\n\nModel: Depth-MiDaS-v3\n"
    )
    assert parse_bytes(data.encode(), "q.txt").question == "How does it see depth?"


def test_format_prompt_round_trips_through_the_parser():
    from catalog import parse_bytes
    from catalog.prompt_format import format_prompt

    text = format_prompt(
        "How does x4 upscaling recover a face?",
        [{"name": "SR-Real-ESRGAN-x4plus", "paper": "http://arxiv.org/pdf/2107.10833v2.pdf",
          "github": "https://github.com/xinntao/Real-ESRGAN"}],
        [{"name": "SwinIR: Image Restoration Using Swin Transformer", "paper": None,
          "summary": "A transformer for restoration.\nIt has residual Swin blocks."}],
    )
    doc = parse_bytes(text.encode(), "generated.txt")
    assert doc.question == "How does x4 upscaling recover a face?"
    model, paper = (p.item for p in doc.items)
    assert (model.kind, model.task, model.arxiv_version) == ("model", "SR", 2)
    assert doc.items[0].links["github"] == "https://github.com/xinntao/Real-ESRGAN"
    assert paper.kind == "paper" and paper.paper_url is None
    assert paper.summary.split() == "A transformer for restoration. It has residual Swin blocks.".split()
