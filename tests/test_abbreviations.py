"""Zoo prefixes the vocabulary does not know are spelled out by the file's own papers.

A user's file may recommend `NLI-RoBERTa-MNLI` next to "Enhanced LSTM for Natural
Language Inference": the answer should treat the model as a natural language
inference model, from the words the file itself uses, with no list to extend.
"""

from __future__ import annotations

from answerer.abbreviations import long_forms, spell_out
from answerer.items import as_candidates, item_task_scores
from answerer.taxonomy_loader import load_taxonomy
from catalog.records import ItemRecord


def test_an_acronym_is_read_from_the_initials_of_a_title():
    titles = ["Enhanced LSTM for Natural Language Inference", "A large annotated corpus for learning natural language inference"]
    assert spell_out("NLI", titles) == "natural language inference"
    assert spell_out("LTR", ["Unbiased Learning-to-Rank with Biased Feedback"]) == "learning to rank"


def test_an_acronym_may_take_letters_from_inside_a_compound_or_an_inner_acronym():
    assert spell_out("HSI", ["Exploring 3-D-2-D CNN Feature Hierarchy for Hyperspectral Image Classification"]) == "hyperspectral image"
    assert spell_out("LDCT", ["Low-Dose CT with a Residual Encoder-Decoder Network"]) == "low dose ct"


def test_loose_matches_are_refused():
    # "crowd" cannot give both C and R; "TimesFM" is a name, not words
    assert spell_out("CRS", ["Releases ReDial, crowd-sourced dialogues about movies"]) is None
    assert long_forms("TSFM", ["TimesFM, a decoder-only transformer for forecasting"]) == {}
    assert spell_out("XYZ", ["Nothing here spells it"]) is None


def test_a_content_word_beats_a_function_word_and_two_letters_need_two_uses():
    title = ["DiffSinger: Singing Voice Synthesis via Shallow Diffusion Mechanism"]
    assert spell_out("SVS", title) == "singing voice synthesis"
    assert spell_out("GeoFM", ["Self-supervised pretraining for flood mapping"]) is None
    assert spell_out("EM", ["Deep entity matching with pre-trained language models"]) == "entity matching"


def test_a_clipped_word_is_the_one_the_texts_write_after_its_neighbour():
    texts = ["Recurrent networks for recurrent things and recurrent layers",
             "NetVLAD: CNN architecture for weakly supervised place recognition"]
    assert spell_out("PlaceRec", texts) == "place recognition"
    assert spell_out("SpkVerif", ["ECAPA-TDNN for speaker verification"]) == "speaker verification"
    assert spell_out("Impute", ["Missing data imputation using generative adversarial nets"]) == "imputation"


def test_candidates_carry_the_spelled_out_prefix_and_it_names_a_glossary_task():
    tax = load_taxonomy()
    model = ItemRecord(key="model:SpkVerif-ECAPA-VoxCeleb", kind="model", name="SpkVerif-ECAPA-VoxCeleb",
                       task="SpkVerif", architecture="ECAPA", variant="VoxCeleb")
    paper = ItemRecord(key="title:x", kind="paper", name="ECAPA-TDNN: Emphasized Channel Attention in TDNN Based Speaker Verification",
                       summary="A speaker verification network.")
    plain = as_candidates([(model, "recommended"), (paper, "related")])
    assert plain[0].prefix_words is None  # without a taxonomy nothing is resolved
    cands = as_candidates([(model, "recommended"), (paper, "related")], tax)
    assert cands[0].prefix_words == "speaker verification"
    assert cands[1].prefix_words is None  # a paper has no prefix
    scores, source = item_task_scores(model, tax, cands[0].prefix_words)
    assert source == "zoo" and any("speaker" in tax.task(t).name for t in scores)


def test_a_spelled_out_prefix_names_the_task_the_glossary_lacks(real_embedder):
    from answerer.taxonomy import detect_task

    tax = load_taxonomy()
    question = ("Given a paragraph and one sentence, I want a model that says whether the sentence "
                "follows from it, contradicts it, or neither. How do such models work?")
    items = [
        (ItemRecord(key="model:NLI-RoBERTa-MNLI", kind="model", name="NLI-RoBERTa-MNLI", task="NLI",
                    architecture="RoBERTa", variant="MNLI"), "recommended"),
        (ItemRecord(key="title:esim", kind="paper", name="Enhanced LSTM for Natural Language Inference",
                    summary="Decides whether a hypothesis is entailed by, contradicts or is neutral to a premise."), "related"),
        (ItemRecord(key="title:pegasus", kind="paper", name="PEGASUS: Pre-training with Extracted Gap-sentences for Abstractive Summarization",
                    summary="Pretrains an encoder-decoder by generating removed sentences; a strong abstractive summarizer."), "related"),
    ]
    tm = detect_task(question, items, real_embedder, tax)
    assert tm.name == "natural language inference"
    assert "NLI-RoBERTa-MNLI" in tm.uses  # the checkpoint counts as using that name


def test_the_workflow_says_what_a_spelled_out_prefix_stands_for(real_embedder):
    from pathlib import Path

    from answerer.compose import compose
    from catalog import parse_file

    doc = parse_file(Path(__file__).parent / "data" / "eval" / "fresh2" / "G054.txt")
    answer = compose(doc, embedder=real_embedder)
    assert answer.task.name == "learning to rank"
    step = next(s for s in answer.workflow.steps if s.item == "LTR-TFRanking-MSLR")
    assert "\u201cLTR\u201d is, in the provided papers' words, learning to rank" in step.text
