"""What the user gives the model decides which tasks can be meant: a user who types what to find
wants a model that takes text, and a zoo prefix that names a function (`Retrieval`) means it in
its architecture's modality."""

from __future__ import annotations

import pytest

from answerer.compose import compose
from answerer.items import item_task_scores
from answerer.task_detection import input_misfit
from answerer.taxonomy import load_taxonomy
from catalog import parse_bytes
from catalog.records import ItemRecord

OWL_VIT = {"name": "Simple Open-Vocabulary Object Detection with Vision Transformers",
           "paper": "https://arxiv.org/abs/2205.06230",
           "summary": "Detects objects described by free-text queries: a contrastively pretrained image-text "
                      "model is fine-tuned end to end for detection, so classes never seen in training can be "
                      "found by typing their names."}
GLIP = {"name": "Grounded Language-Image Pre-training", "paper": "https://arxiv.org/abs/2112.03857",
        "summary": "Unifies object detection and phrase grounding: the model learns to find the image regions "
                   "that match words in a caption, which lets it detect categories given as a text prompt."}
SAM = {"name": "Segment Anything", "paper": "https://arxiv.org/abs/2304.02643",
       "summary": "A promptable segmentation model that outputs a mask for any object from a click or a box."}
YOLOX_MODEL = {"name": "Det-YOLOX-S", "paper": "https://arxiv.org/abs/2107.08430",
               "github": "https://github.com/Megvii-BaseDetection/YOLOX"}


@pytest.mark.parametrize("question", [
    "Can I just type 'forklift' and get boxes around every forklift in the warehouse photos?",
    "I want to search our photos by typing things like 'red sneakers on a white background'.",
    "I'd like to tell the app 'find the fire extinguishers' and see them marked.",
    "Could I describe the object in plain words and have it found?",
])
def test_a_user_who_types_words_rules_out_tasks_that_take_no_text(question):
    misfit = input_misfit(question, load_taxonomy())
    assert {"object-detection", "image-classification"} <= misfit
    for takes_text in ("open-vocabulary-detection", "image-text-retrieval", "text-to-image"):
        assert takes_text not in misfit


@pytest.mark.parametrize("question", [
    "What type of model finds every forklift in warehouse photos?",
    "It should wake up when someone says 'hey lamp'.",  # spoken words are audio, not typed text
    "Which detector sorts the pages by type?",
])
def test_a_question_where_the_user_types_nothing_rules_nothing_out(question):
    assert not input_misfit(question, load_taxonomy())


@pytest.mark.real_model
def test_typing_what_to_find_is_no_closed_vocabulary_detection(real_embedder, make_prompt):
    question = ("I need boxes around 'safety vests' and 'ladders' in site photos, but no detector I found "
                "knows those classes. Can I just type what I want found?")
    text = make_prompt(question, [YOLOX_MODEL], [OWL_VIT, GLIP, SAM])
    answer = compose(parse_bytes(text.encode(), "question.txt"), embedder=real_embedder)
    assert answer.task.id != "object-detection" and answer.task.family != "image"
    assert answer.ranking[0].name == OWL_VIT["name"]


@pytest.mark.real_model
def test_a_detection_question_where_nothing_is_typed_stays_object_detection(real_embedder, make_prompt):
    text = make_prompt("I need boxes around every car and truck in my dashcam photos. Which detector?",
                       [YOLOX_MODEL], [OWL_VIT, GLIP, SAM])
    assert compose(parse_bytes(text.encode(), "question.txt"), embedder=real_embedder).task.id == "object-detection"


def test_a_retrieval_prefix_on_clip_is_image_text_retrieval():
    tax = load_taxonomy()
    scores, source = item_task_scores(ItemRecord(key="m", kind="model", name="Retrieval-CLIP-ViTL14"), tax)
    assert source == "zoo" and scores["image-text-retrieval"] == 1.0
    assert "retrieval-augmented-generation" not in scores


def test_a_retrieval_prefix_on_a_text_model_stays_text_retrieval():
    tax = load_taxonomy()
    scores, _ = item_task_scores(ItemRecord(key="m", kind="model", name="Retrieval-ColBERTv2-MSMARCO"), tax)
    assert scores == {"retrieval-augmented-generation": 1.0}


@pytest.mark.real_model
def test_a_model_that_cannot_take_typed_text_is_no_near_match_for_it(real_embedder, make_prompt):
    question = "I want to type a sentence and hear it read aloud in my own voice."
    text = make_prompt(question, [{"name": "ASR-Whisper-LargeV3", "paper": "https://arxiv.org/abs/2212.04356"}],
                       [{"name": "VITS: Conditional Variational Autoencoder with Adversarial Learning for "
                                 "End-to-End Text-to-Speech", "paper": "https://arxiv.org/abs/2106.06103",
                         "summary": "A single end-to-end model that turns text into natural speech."}])
    answer = compose(parse_bytes(text.encode(), "question.txt"), embedder=real_embedder)
    assert answer.task.id == "text-to-speech"
    whisper = next(r for r in answer.ranking if r.name == "ASR-Whisper-LargeV3")
    assert whisper.task_match == 0.0 and answer.ranking[0].name != "ASR-Whisper-LargeV3"
