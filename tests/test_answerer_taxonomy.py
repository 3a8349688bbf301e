"""Task taxonomy, glossary, task/intent detection and sub-question splitting (no model needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from answerer.taxonomy import (
    FAMILIES,
    detect_intent,
    detect_task,
    item_task_scores,
    load_taxonomy,
    split_subquestions,
    stems,
)
from catalog import parse_file
from catalog.records import ItemRecord

DATA = Path(__file__).resolve().parent / "data"
LABELED = DATA / "labeled"


def _seed(seeds_dir: Path, prefix: str):
    return parse_file(next(seeds_dir.glob(f"{prefix}_*.txt")))


# -- knowledge files -----------------------------------------------------------


def test_task_taxonomy_is_rich_and_complete():
    tax = load_taxonomy()
    assert len(tax.tasks) >= 100
    for task in tax.tasks.values():
        assert task.name and task.description and task.input and task.output, task.id
        assert task.family in FAMILIES, task.id
        assert task.aliases, f"{task.id} has no aliases: it could never be detected"
    assert {t.family for t in tax.tasks.values()} == set(FAMILIES)  # every family is covered
    sr = tax.task("super-resolution")
    assert sr.name == "single-image super-resolution"
    assert tax.tasks_for_prefix("SR") == ["super-resolution"]  # from catalog's one vocabulary
    for word in ("upscale", "upscaling", "enlarge", "doubled the size"):
        assert word in sr.aliases
    for cue in ("4x", "low-resolution", "pixelated", "cctv"):
        assert cue in sr.cues


def test_glossary_covers_the_common_architectures():
    tax = load_taxonomy()
    assert len(tax.glossary) >= 30
    for name in ("StableDiffusionV1", "StableDiffusionXL", "MIMO-UNet", "Real-ESRGAN", "SwinIR",
                 "Restormer", "NAFNet", "GFPGAN", "CodeFormer", "LaMa", "MiDaS", "SAM", "YOLOv8",
                 "ControlNet", "Zero-DCE", "DehazeFormer", "RAFT", "MODNet", "DeOldify", "MPRNet", "HAT"):
        entry = tax.lookup(name)
        assert entry is not None and entry.summary, name
    # spelled the way zoo names and papers spell them
    assert tax.lookup("mimo unet").name == "MIMO-UNet"
    assert tax.lookup("SDXL").name == "StableDiffusionXL"
    assert tax.lookup("RealBlur").kind == "dataset"


def test_user_files_extend_and_override_the_bundled_knowledge(tmp_path, monkeypatch):
    tasks = tmp_path / "tasks.json"
    tasks.write_text(json.dumps({"tasks": [
        {"id": "sonar-denoising", "name": "sonar image denoising", "aliases": ["sonar"],
         "zoo_prefixes": ["SonarDN"], "input": "a sonar scan", "output": "a clean scan",
         "description": "Cleaning speckle from sonar scans."},
        {"id": "super-resolution", "name": "image upscaling (custom name)"},
    ]}))
    glossary = tmp_path / "glossary.json"
    glossary.write_text(json.dumps([{"name": "SonarNet", "summary": "A sonar network.", "tasks": ["sonar-denoising"]}]))
    monkeypatch.setenv("MODELKB_TASKS", str(tasks))
    monkeypatch.setenv("MODELKB_GLOSSARY", str(glossary))
    tax = load_taxonomy()
    assert tax.task("sonar-denoising").name == "sonar image denoising"
    assert tax.task("super-resolution").name == "image upscaling (custom name)"
    assert tax.task("super-resolution").family == "image"  # fields not given are kept
    assert tax.tasks_for_prefix("SR") == ["super-resolution"]
    assert tax.lookup("SonarNet").summary == "A sonar network."
    assert tax.tasks_for_prefix("SonarDN") == ["sonar-denoising"]
    assert detect_task("my sonar pictures are full of speckle").id == "sonar-denoising"
    monkeypatch.delenv("MODELKB_TASKS")
    assert "sonar-denoising" not in load_taxonomy().tasks


def test_a_broken_user_file_is_ignored_with_a_warning(tmp_path, monkeypatch):
    bad = tmp_path / "tasks.json"
    bad.write_text("{not json")
    monkeypatch.setenv("MODELKB_TASKS", str(bad))
    with pytest.warns(RuntimeWarning, match="MODELKB_TASKS"):
        tax = load_taxonomy()
    assert "super-resolution" in tax.tasks


# -- task detection -------------------------------------------------------------


def test_inflections_match_but_derivations_do_not():
    assert stems("upscaled")[0] == stems("upscaling")[0] == stems("upscale")[0]
    assert stems("blurred") == stems("blur")
    assert stems("colorization") != stems("color")
    assert stems("coded") == stems("coding") == stems("code") and stems("mapping") == stems("map")


def test_a_short_word_is_not_stemmed_into_an_acronym_or_a_negation():
    # "same" is not SAM (segment anything), "note" is not "not"
    assert stems("same") != stems("SAM") and stems("notes") != stems("not")
    tax = load_taxonomy()
    assert "instance-segmentation" not in tax.keyword_matches("two photos of the same street")
    assert "ocr" in tax.keyword_matches("I took a note of which ocr model reads receipts", skip_negated=True)


def test_a_model_name_in_capitals_counts_only_when_written_so():
    tax = load_taxonomy()
    assert "zero-shot-image-classification" in tax.keyword_matches("Can CLIP sort my photos by any label?")
    assert "zero-shot-image-classification" not in tax.keyword_matches("I want a five-second clip of a boat")
    assert "optical-flow" not in tax.keyword_matches("a raft drifting down the river")
    assert tax.tasks_for_prefix("CLIP") == ["zero-shot-image-classification"]  # zoo prefixes unaffected


def test_cctv_question_is_face_super_resolution_not_text_to_image(seeds_dir):
    doc = _seed(seeds_dir, "004")
    match = detect_task(doc.question, doc.items)
    assert match.id == "super-resolution"
    assert match.name.startswith("single-image super-resolution (")
    assert "face upscaling" in match.name
    assert match.id != "text-to-image"  # the recommended Txt2Img model does not decide the task


def test_image_qualifiers_do_not_qualify_tasks_of_other_families():
    # "car" and "live" say something about a photo, nothing about a click or a policy
    ctr = detect_task("We sell used cars online: which model predicts whether a visitor clicks an ad, "
                      "i.e. click-through rate prediction?")
    assert ctr.id == "ctr-prediction" and ctr.name == ctr.task.name
    assert "car" not in ctr.name
    photo = detect_task("my photos of my car are blurred by camera shake: which deblurring model fixes them?")
    assert photo.id == "deblurring" and "car" in photo.name


def test_a_qualified_name_that_is_a_glossary_task_is_that_task():
    # "video" qualifying image inpainting names the glossary's video inpainting, of the video family
    match = detect_task("Can I erase the tourist from my drone footage?")
    assert match.id == "video-inpainting" and match.task.family == "video"
    assert match.name == "video inpainting and object removal"
    assert detect_task("which inpainting model fills the hole in my photo?").id == "inpainting"


@pytest.mark.parametrize("prefix", ["000", "002"])
def test_photoreal_render_questions_are_text_to_image(seeds_dir, prefix):
    doc = _seed(seeds_dir, prefix)
    match = detect_task(doc.question, doc.items)
    assert match.id == "text-to-image"
    assert match.name.startswith("text-to-image generation")
    assert "photorealistic" in match.name


def test_blurred_photos_question_is_deblurring(seeds_dir):
    doc = _seed(seeds_dir, "003")
    match = detect_task(doc.question, doc.items)
    assert match.task.name == "image deblurring"
    assert "general (all-in-one) image restoration" in [t.name for t in match.secondary]


def test_zoo_models_get_their_task_from_prefix_and_architecture():
    tax = load_taxonomy()
    scores, source = item_task_scores(
        ItemRecord(key="m", kind="model", name="Img2Img-ControlNet-OpenPose", task="Img2Img",
                   architecture="ControlNet", variant="OpenPose"), tax)
    assert source == "zoo" and scores["controllable-generation"] == 1.0
    # an unknown-to-the-catalog prefix, filed as a paper because it had an arXiv link
    scores, source = item_task_scores(ItemRecord(key="p", kind="paper", name="Style-AdaIN-VGG19"), tax)
    assert source == "zoo" and scores["style-transfer"] == 1.0


# -- sub-questions and intent ----------------------------------------------------------


def test_seed_003_has_two_subquestions(seeds_dir):
    subs = split_subquestions(_seed(seeds_dir, "003").question)
    assert len(subs) == 2
    assert subs[0].startswith("What kind of training data")
    assert subs[1].startswith("Which AI model structures")
    assert detect_intent(_seed(seeds_dir, "003").question) == "multi"


def test_question_after_a_dash_is_extracted(seeds_dir):
    subs = split_subquestions(_seed(seeds_dir, "004").question)
    assert len(subs) == 1 and subs[0].startswith("How does real")
    assert subs[0].endswith("upscaling achieve that?")


def test_two_questions_joined_by_and_are_split():
    q = "How does it tell noise from fine detail, and is it trained on real noisy photos or on fake noise?"
    assert len(split_subquestions(q)) == 2
    assert split_subquestions("no question here, just a statement") == ["no question here, just a statement"]


@pytest.mark.parametrize("question, intent", [
    ("How does AI pull off that kind of photorealism?", "explain"),
    ("Which upscaling model should I use for old scans?", "choose"),
    ("What training data do deblurring networks need?", "training_data"),
    ("Is that a NeRF or Gaussian splatting, and why is one real-time while the other is slow?", "compare"),
    ("Which model does that, and why is it so robust to noise?", "choose"),
    ("How does rain removal work, and which network architectures are used for it?", "multi"),
    # asking for a way to do it, in the words people use
    ("Our library wants 50,000 abstracts tagged with key terms automatically. Which model?", "choose"),
    ("I have two satellite images of one suburb and want a map of where new houses appeared.", "choose"),
    ("I want to understand why my photos come out noisy at night.", "explain"),
    ("A tourist walks through my drone shot. Can I erase him from the whole clip?", "choose"),
    ("Can a model trace the road network from aerial images as a connected graph?", "choose"),
    ("Which of these gives me the positions of elbows and knees?", "choose"),
    ("What model compares two signatures and says genuine or forged?", "choose"),
    ("Is there an open model that covers Amharic and Somali well?", "choose"),
    ("Could something read each email and send it to billing or sales automatically?", "choose"),
    ("Is there any principled way to check whether a text was written by an AI?", "explain"),
])
def test_intent(question, intent):
    assert detect_intent(question) == intent


def test_intent_agrees_with_the_labeled_files():
    labels = json.loads((LABELED / "labels.json").read_text())
    seed_labels = json.loads((DATA / "seed_labels.json").read_text())
    hits = total = 0
    for name, entry in labels.items():
        doc = parse_file(LABELED / name)
        total += 1
        hits += detect_intent(doc.question) == entry["intent"]
    assert hits / total >= 0.9
    for name, entry in seed_labels.items():
        from conftest import SEEDS

        seed = SEEDS / name
        if seed.is_file():
            assert detect_intent(parse_file(seed).question) == entry["intent"], name


def test_asking_for_a_thing_that_does_the_job_is_choosing_a_model():
    for q in ("Our clips are shaky. What can smooth them out after the fact?",
              "I need every invoice total in a spreadsheet. What would do that automatically?",
              "Ships appear at every angle in these images. What detector draws tilted boxes?",
              "Is there something that writes a three-line gist of each article?"):
        assert detect_intent(q) == "choose", q
    for q in ("What happens when a photo is upscaled four times?", "What is going on inside the upscaler?",
              "What can it do with a blurry photo, and why?"):
        assert detect_intent(q) != "choose", q


def test_eval_labels_saying_recommend_mean_choose():
    from answerer.evaluate import intent_key

    assert intent_key("recommend") == "choose" and intent_key("Choose") == "choose"
    assert intent_key("explain") == "explain"
