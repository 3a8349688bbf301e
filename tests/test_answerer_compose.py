"""Composed answers: workflow, sub-questions, rendering, and grounding in the prompt file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from answerer.compose import compose, input_phrase
from answerer.grounding import GroundingError, check_grounding, extract_urls
from answerer.render import to_dict, to_markdown
from catalog import parse_bytes, parse_file

DATA = Path(__file__).resolve().parent / "data"
LABELED = DATA / "labeled"
from conftest import SEEDS  # noqa: E402  (one place says where the seeds are)

PROMPT = """You are an AI scientist.

A user has asked the following question:
"{question}"

Based on the following recommended models, explain:

1. What task the user is trying to perform.
2. How the model(s) would work in a CNAPS AI-like workflow (input → model → output).
3. List relevant papers and tools (with GitHub or ArXiv links) that support your answer.

Use **only the provided models and papers**. Do not refer to outside sources.

### Recommended AI Models:
{models}

### Related Papers:
{papers}

Answer:
"""


def _seed(prefix: str):
    if not SEEDS.is_dir():
        pytest.skip("seeds not found")
    return parse_file(next(SEEDS.glob(f"{prefix}_*.txt")))


def _prompt_files() -> list[Path]:
    files = sorted(LABELED.glob("*.txt"))
    if SEEDS.is_dir():
        files += [p for p in sorted(SEEDS.glob("*.txt")) if parse_file(p).format == "prompt"]
    return files


@pytest.fixture(scope="module")
def real_answers(real_embedder):
    return {prefix: compose(_seed(prefix), embedder=real_embedder) for prefix in ("002", "003", "004")}


# -- what a user reads, with the real model -------------------------------------------


@pytest.mark.real_model
def test_cctv_answer_names_the_task_and_sets_the_wrong_model_aside(real_answers):
    answer = real_answers["004"]
    md = to_markdown(answer)
    assert answer.task.name == "single-image super-resolution (real-time face upscaling)"
    assert "## 1. Task" in md and "face upscaling" in md.split("## 2.")[0]
    assert answer.leading == ["FeatSharp: Your Vision Model Features, Sharper"]
    assert any("Txt2Img-StableDiffusionV1-QGO-PromptingReal" in n and "does not perform" in n
               for n in answer.notes)
    workflow = md.split("## 2. Workflow")[1].split("## ")[0]
    assert "Set aside" in workflow and "Txt2Img-StableDiffusionV1-QGO-PromptingReal" in workflow
    # the input step uses the user's own words
    assert "a blurry CCTV still" in answer.workflow.steps[0].text
    # no provided item is a real super-resolution network: the answer says so
    assert answer.workflow.notes == [] or "closest" in answer.workflow.notes[0]


@pytest.mark.real_model
def test_two_part_question_gets_evidence_for_each_part(real_answers):
    answer = real_answers["003"]
    assert answer.intent == "multi"
    assert answer.ranking[0].name == "Deblur-MIMO-UNet-RealBlur"
    assert len(answer.subquestions) == 2
    data_q, arch_q = answer.subquestions
    assert data_q.intent == "training_data" and arch_q.intent == "architecture"
    summaries = {p.item.name: p.item.summary or "" for p in _seed("003").items}
    for sub in answer.subquestions:
        assert sub.evidence, sub.question
        for e in sub.evidence:
            assert e.sentence in summaries[e.item]
    assert any("dataset" in e.sentence.lower() for e in data_q.evidence)
    # the zoo model has no summary: what it is comes from the architecture glossary
    assert any("MIMO-UNet" in n for n in arch_q.notes)
    assert any("RealBlur" in n for n in data_q.notes)
    md = to_markdown(answer)
    assert "### Q1. What kind of training data" in md and "### Q2. Which AI model structures" in md


@pytest.mark.real_model
def test_sub_question_evidence_answers_rather_than_echoes(real_answers):
    """Seed 003: the data part leads with DreamClear's dataset, not its problem statement;
    the architecture part leads with a sentence that names an architecture."""
    data_q, arch_q = real_answers["003"].subquestions
    first = data_q.evidence[0]
    assert first.item.startswith("DreamClear")
    assert "one million" in first.sentence or "data curation pipeline" in first.sentence
    assert not any("presents significant challenges" in e.sentence for e in data_q.evidence)
    arch_words = ("U-Net", "transformer", "Transformer", "DiT", "diffusion", "GAN", "multi-scale", "encoder")
    assert any(w in arch_q.evidence[0].sentence for w in arch_words), arch_q.evidence[0].sentence
    # each part gets its own evidence
    assert not {e.sentence for e in data_q.evidence} & {e.sentence for e in arch_q.evidence}


@pytest.mark.real_model
def test_text_to_image_workflow_is_concrete(real_answers):
    answer = real_answers["002"]
    assert answer.task.base_name == "text-to-image generation"
    steps = {s.stage: s for s in answer.workflow.steps}
    assert "the prompt would describe a shiny car image with realistic chrome and lighting" in steps["input"].text
    assert steps["model"].item == "Txt2Img-StableDiffusionV1-PirsusEpicRealism"
    assert "latent diffusion" in steps["model"].text
    assert "PirsusEpicRealism" in steps["model"].text
    assert "image" in steps["output"].text


# -- grounding ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", _prompt_files(), ids=lambda p: p.name)
def test_every_prompt_file_gives_a_grounded_answer(path, fake_embedder):
    doc = parse_file(path)
    answer = compose(doc, embedder=fake_embedder)  # raises GroundingError if not grounded
    assert check_grounding(answer, doc.text, items=doc.items) == []
    md = to_markdown(answer)
    # every link in the answer is written in the file, byte for byte
    for url in extract_urls(md):
        assert url in doc.text, url
    assert len(answer.references) == len(doc.items)
    # every provided link is shown, exactly as given
    for p in doc.items:
        for url in p.links.values():
            assert f"<{url}>" in md


def test_grounding_catches_invented_links_and_items(fake_embedder):
    doc = _seed("000")
    answer = compose(doc, embedder=fake_embedder)
    answer.ranking[0].github_url = "https://github.com/somebody/else"
    answer.references[0].github_url = "https://github.com/somebody/else"
    answer.ranking[1].evidence = ["A sentence nobody wrote."]
    answer.references.append(type(answer.references[0])(
        rank=9, name="GPT-7", kind="model", role="related", score=0.1, fit="poor",
        paper_url=None, github_url=None))
    problems = check_grounding(answer, doc.text, items=doc.items)
    text = "\n".join(problems)
    assert "https://github.com/somebody/else" in text
    assert "GPT-7" in text
    assert "nobody wrote" in text


def test_a_link_in_the_question_is_the_users_own_not_an_ungrounded_one(fake_embedder):
    # `modelkb ask` has no prompt file: the question it quotes back is the only place the link is
    doc = _seed("000")
    question = "What does the model at https://github.com/facebookresearch/audiocraft do?"
    answer = compose(question, list(doc.items), embedder=fake_embedder)  # raised GroundingError before
    md = to_markdown(answer)
    assert "\u201cWhat does the model at https://github.com/facebookresearch/audiocraft do?\u201d" in md
    # the closing curly quote is not part of the link
    assert extract_urls("\u201chttps://arxiv.org/abs/2306.05284\u201d") == ["https://arxiv.org/abs/2306.05284"]
    # a link the question does not hold is still caught
    answer.ranking[0].github_url = answer.references[0].github_url = "https://github.com/somebody/else"
    assert any("somebody/else" in p for p in check_grounding(answer, None, items=doc.items))


def test_a_prompt_file_whose_question_ends_in_a_link_is_answered(fake_embedder, make_prompt):
    # the answer quotes the question in curly quotes; the closing one once became part of the link
    text = make_prompt("How does the model at https://github.com/cszn/BSRGAN",
                       [{"name": "SR-BSRGAN-x4", "paper": "https://arxiv.org/abs/2103.14006"}], [])
    doc = parse_bytes(text.encode(), "q.txt")
    md = to_markdown(compose(doc, embedder=fake_embedder))
    assert "https://github.com/cszn/BSRGAN\u201d" in md


def test_compose_refuses_an_ungrounded_answer(fake_embedder, monkeypatch):
    doc = _seed("004")
    import answerer.workflow as workflow_mod

    original = workflow_mod._model_text
    monkeypatch.setattr(workflow_mod, "_model_text",
                        lambda *a: original(*a) + " See https://example.com/not-in-the-file.")
    with pytest.raises(GroundingError, match="example.com"):
        compose(doc, embedder=fake_embedder)


# -- rendering ------------------------------------------------------------------------------


def _hostile_doc():
    text = PROMPT.format(
        question="How do I upscale a pixelated | CCTV frame 4x?",
        models="Model: SR-Real-ESRGAN-x4plus\nPaper: None\nGitHub: None",
        papers=(
            "Model: Pipes | and\\ backslashes | in a title\n"
            "Paper: http://arxiv.org/pdf/2107.10833v2.pdf\n"
            "Summary: Upscales real photos 4x with a GAN | trained on synthetic degradations.\n\n"
            "Model: A paper without any links\n"
            "Summary: Super-resolution of faces.\n"
        ),
    )
    return parse_bytes(text.encode(), "hostile.txt")


def test_table_cells_are_escaped_and_missing_links_say_not_provided(fake_embedder):
    doc = _hostile_doc()
    md = to_markdown(compose(doc, embedder=fake_embedder))
    table = md.split("## 3. Papers and tools")[1]
    rows = [line for line in table.splitlines() if line.startswith("| ") and line[2:3].isdigit()]
    assert len(rows) == 3
    header_cells = table.splitlines()[2].count(" | ")
    for row in rows:
        unescaped = row.replace("\\\\", "").replace("\\|", "")
        assert unescaped.count(" | ") == header_cells  # no cell spilled into the next column
    assert "Pipes \\| and\\\\ backslashes \\| in a title" in table
    assert "not provided" in rows[0] or "not provided" in rows[1]
    no_links = next(r for r in rows if "A paper without any links" in r)
    assert no_links.count("not provided") == 2
    assert "None" not in table


def test_markdown_structure_and_json_shape(fake_embedder):
    answer = compose(_seed("003"), embedder=fake_embedder)
    md = to_markdown(answer)
    headings = [line for line in md.splitlines() if line.startswith("## ")]
    assert headings == ["## 1. Task", "## 2. Workflow (input \u2192 model \u2192 output)",
                        "## Answers to the sub-questions", "## 3. Papers and tools"]
    data = to_dict(answer)
    json.dumps(data)  # serializable
    for key in ("question", "task", "intent", "ranking", "subquestions", "references", "markdown"):
        assert key in data
    assert data["markdown"] == md
    first = data["ranking"][0]
    for key in ("name", "kind", "role", "score", "fit", "paper_url", "github_url", "evidence"):
        assert key in first
    assert [r["score"] for r in data["ranking"]] == sorted((r["score"] for r in data["ranking"]), reverse=True)
    assert data["task"]["name"].startswith("image deblurring")


def test_the_task_section_says_how_sure_the_heading_is(fake_embedder):
    from dataclasses import replace

    answer = compose(_seed("003"), embedder=fake_embedder)
    with_confidence = lambda c, source="glossary": to_markdown(
        replace(answer, task=replace(answer.task, confidence=c, source=source)))
    assert "- **How sure:** 0.72 (likely)" in with_confidence(0.72)
    assert "- **How sure:** 0.41 (tentative" in with_confidence(0.41)  # a guess does not read like a fact
    assert "How sure" not in with_confidence(0.1, source="none")  # an abstention says so in its heading


def test_newlines_in_untrusted_text_cannot_start_markdown_blocks(fake_embedder):
    from catalog.records import ItemRecord, ParsedItem

    evil = ItemRecord(key="title:x", kind="paper", name="Title\n## Injected heading\n| a | b |",
                      summary="Deblurring photos.\n\n# Another heading")
    answer = compose("How do I deblur a photo?", [ParsedItem(evil, "related", 0, 1)], fake_embedder)
    md = to_markdown(answer)
    assert "\n## Injected" not in md and "\n# Another" not in md


@pytest.mark.parametrize("question, phrase", [
    ("I doubled the size of a blurry CCTV still and the face became clear—how?", "a blurry CCTV still"),
    ("I created a shiny car image with realistic chrome and lighting—it looked real.",
     "a shiny car image with realistic chrome and lighting"),
    ("I made a fake product shot and even the light reflections looked real.", "a fake product shot"),
    ("Why is the sky blue?", None),
    # what the user says they do not have is not what they fed in
    ("I want to brighten dark snapshots, but I don't have pairs of dark and well-lit photos to train on.", None),
    ("We don\u2019t have labels, but we have a scanned service manual.", "a scanned service manual"),
    # a number is not cut at its separator, and what the user lacks ends the phrase
    ("I have 20,000 open-ended survey answers and no labels at all.", "20,000 open-ended survey answers"),
    ("I uploaded a 2.5 GB microscopy scan, then it crashed.", "a 2.5 GB microscopy scan"),
    # a comma between adjectives does not; what the user wants next does
    ("I scanned a tiny, blurry photo of my mum and her face is mush.", "a tiny, blurry photo of my mum"),
    ("We have 2,000 finished runs and want something faster.", "2,000 finished runs"),
    # a participle or a noun is no verb with an object: no input named
    ("Can a model read a scanned form directly into a database?", None),
    ("Pages are shot at an angle and curled.", None),
    ("My drone shot of the cathedral has a tourist in it.", None),
    ("Which customers would have bought anyway?", None),
    ("I want every scan turned into clean black writing.", None),
])
def test_input_phrase_comes_from_the_question(question, phrase):
    assert input_phrase(question) == phrase


@pytest.mark.parametrize("text, short", [
    ("A brighter, well-exposed version with visible detail, natural color and suppressed noise.",
     "A brighter, well-exposed version"),
    ("A handful (typically 3\u201320) of photos of one subject \u2014 a person, pet or object.",
     "A handful of photos of one subject"),
    ("The same image at 2\u00d7\u20134\u00d7 the width and height (more pixels).", "The same image at 2\u00d7\u20134\u00d7 the width and height"),
])
def test_the_one_line_flow_never_cuts_a_phrase_to_a_stub(text, short):
    from answerer.workflow import _short

    assert _short(text) == short


@pytest.mark.real_model
def test_a_question_that_names_no_task_is_not_given_one(real_embedder, tmp_path):
    path = tmp_path / "vague.txt"
    path.write_text(
        'A user has asked the following question:\n"Which model?"\n\n'
        "### Recommended AI Models:\nModel: Foo-Bar-Baz\nPaper: N/A\nGitHub: -\n"
    )
    answer = compose(parse_file(path), embedder=real_embedder)
    md = to_markdown(answer)
    assert answer.task.id == "unspecified"
    assert "does not name" in md and "does not perform" not in md


def test_what_the_ai_produced_is_not_quoted_as_the_users_input():
    from answerer.workflow import input_phrase

    assert input_phrase("I typed 'a corgi surfing' and it made a little clip of exactly that. How?") is None
    assert input_phrase("The app generated a full song from my humming. How?") is None
    assert input_phrase("I made a pencil sketch of a castle. How can AI color it?") == "a pencil sketch of a castle"
