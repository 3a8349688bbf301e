"""A paper that is a provided model's own paper says what the model does, and a fit reason
never calls an item off-topic on no evidence."""

from __future__ import annotations

import pytest

from answerer.compose import compose
from answerer.fit import fit_of
from answerer.items import as_candidates, items_task_scores
from answerer.task_match import TaskMatch
from answerer.taxonomy import load_taxonomy
from catalog import parse_bytes
from catalog.records import ItemRecord

TELEMANOM_MODEL = ItemRecord(key="model:TSAnomaly-Telemanom-SMAP", kind="model", name="TSAnomaly-Telemanom-SMAP",
                             paper_url="https://arxiv.org/abs/1802.04431",
                             github_url="https://github.com/khundman/telemanom")
TELEMANOM_PAPER = {
    "name": "Detecting Spacecraft Anomalies Using LSTMs and Nonparametric Dynamic Thresholding",
    "paper": "http://arxiv.org/pdf/1802.04431v1.pdf",
    "github": "https://github.com/khundman/telemanom",
    "summary": "Flags anomalies in spacecraft telemetry by predicting each channel with an LSTM and applying an "
               "unsupervised dynamic threshold to the prediction errors.",
}


def _answer(text: str, embedder):
    return compose(parse_bytes(text.encode(), "question.txt"), embedder=embedder)


def _paper(d: dict) -> ItemRecord:
    return ItemRecord(key="p:" + d["name"], kind="paper", name=d["name"], paper_url=d["paper"],
                      github_url=d.get("github"), summary=d["summary"])


def test_a_models_own_paper_takes_on_the_models_task_in_part():
    tax = load_taxonomy()
    paper = _paper(TELEMANOM_PAPER)
    (model_scores, model_src), (paper_scores, paper_src) = items_task_scores(
        as_candidates([(TELEMANOM_MODEL, "recommended"), (paper, "related")]), tax)
    assert model_src == "zoo" and model_scores["time-series-anomaly-detection"] == 1.0
    # the paper's words never say "time series"; the link (same arXiv id, any version) does
    assert paper_src == "keywords"
    assert 0.3 < paper_scores["time-series-anomaly-detection"] < 1.0


def test_an_unlinked_paper_takes_on_nothing():
    tax = load_taxonomy()
    other = dict(TELEMANOM_PAPER, paper="http://arxiv.org/pdf/2001.00001v1.pdf", github=None)
    (_m, _), (paper_scores, _) = items_task_scores(
        as_candidates([(TELEMANOM_MODEL, "recommended"), (_paper(other), "related")]), tax)
    assert paper_scores.get("time-series-anomaly-detection", 0.0) <= 0.3


def test_a_low_scoring_item_with_no_task_of_its_own_is_not_called_off_topic():
    tax = load_taxonomy()
    tm = TaskMatch(tax.task("time-series-anomaly-detection"), None, 0.6, {})
    fit, reason = fit_of(0.2, 0.0, "keywords", [], tm, dense_cos=0.21, task_cos=0.1, nearest=False)
    assert fit == "poor" and "different topic" not in reason and "0.21" in reason
    fit, reason = fit_of(0.2, 0.0, "keywords", [], tm, dense_cos=0.3, task_cos=0.5, nearest=True)
    assert fit == "poor" and "reads like time-series anomaly detection" in reason
    # an item whose own words name another task says so
    fit, reason = fit_of(0.2, 0.0, "keywords", ["visual anomaly detection"], tm, 0.2, 0.1, False)
    assert reason.startswith("about visual anomaly detection")


@pytest.mark.real_model
def test_the_recommended_models_paper_is_on_the_task_in_the_answer(real_embedder, make_prompt):
    text = make_prompt(
        "Our servers emit CPU and latency metrics every minute; how can a model flag the weird spikes "
        "before customers notice?",
        [{"name": "TSAnomaly-Telemanom-SMAP", "paper": "https://arxiv.org/abs/1802.04431",
          "github": "https://github.com/khundman/telemanom"}],
        [TELEMANOM_PAPER,
         {"name": "PaDiM: a Patch Distribution Modeling Framework for Anomaly Detection and Localization",
          "paper": "http://arxiv.org/pdf/2011.08785v1.pdf",
          "summary": "Detects and localizes defects in images of manufactured parts by modelling the distribution "
                     "of patch features of normal images."}])
    answer = _answer(text, real_embedder)
    assert answer.task.id == "time-series-anomaly-detection"
    by_name = {r.name: r for r in answer.ranking}
    telemanom = by_name[TELEMANOM_PAPER["name"]]
    assert "time-series anomaly detection" in telemanom.item_tasks
    assert "different topic" not in telemanom.fit_reason
    assert [r.name for r in answer.ranking[:2]] == ["TSAnomaly-Telemanom-SMAP", TELEMANOM_PAPER["name"]]


def test_a_cue_word_alone_does_not_make_a_low_scoring_item_touch_on_the_task():
    # "Selective review of offline change point detection" for "is this product review angry or happy?"
    tax = load_taxonomy()
    tm = TaskMatch(tax.task("text-classification"), None, 0.7, {})
    fit, reason = fit_of(0.18, 0.3, "keywords", [], tm, dense_cos=0.2, task_cos=0.1, nearest=False)
    assert fit == "poor" and "touches on" not in reason
    # with its own words naming the task it does touch on it
    fit, reason = fit_of(0.18, 0.3, "keywords", [tm.task.name], tm, 0.2, 0.1, False)
    assert fit == "partial" and reason.startswith(f"touches on {tm.task.name}")


@pytest.mark.real_model
def test_a_compound_prefix_is_named_as_its_own_paper_spells_it(real_embedder, make_prompt):
    # `ShotDetect` once read as "shot object detection": an object-detection checkpoint, certain
    text = make_prompt(
        "My video editor splits a long vlog into separate clips wherever the camera cuts. How does it find "
        "the cuts?",
        [{"name": "ShotDetect-TransNetV2-ClipShots", "paper": "https://arxiv.org/abs/2008.04838",
          "github": "https://github.com/soCzech/TransNetV2"}],
        [{"name": "TransNet V2: An effective deep network architecture for fast shot transition detection",
          "paper": "http://arxiv.org/pdf/2008.04838v1.pdf", "github": "https://github.com/soCzech/TransNetV2",
          "summary": "Finds hard cuts and gradual transitions between shots in a video with a 3D convolutional "
                     "network over downscaled frames, fast enough for large video collections."},
         {"name": "YOLOv4: Optimal Speed and Accuracy of Object Detection",
          "paper": "http://arxiv.org/pdf/2004.10934v1.pdf",
          "summary": "A one-stage object detector that draws boxes around objects in real time."}])
    answer = _answer(text, real_embedder)
    assert answer.task.id != "object-detection"
    assert "shot transition detection" in answer.task.name
    model = next(r for r in answer.ranking if r.name.startswith("ShotDetect"))
    assert "object detection" not in model.fit_reason and model.fit != "poor"


@pytest.mark.real_model
def test_a_compound_prefix_takes_what_its_own_papers_title_adds(real_embedder, make_prompt):
    # `TextDetect` alone would be "text detection" (reading text in photos); the model's own paper
    # says which text: machine-generated. A "how" word ("zero-shot") is not part of the name.
    text = make_prompt(
        "A cover letter we received reads oddly smooth. Can software estimate whether a language model "
        "wrote it?",
        [{"name": "TextDetect-DetectGPT-GPT2", "paper": "https://arxiv.org/abs/2301.11305",
          "github": "https://github.com/eric-mitchell/detect-gpt"}],
        [{"name": "DetectGPT: Zero-Shot Machine-Generated Text Detection using Probability Curvature",
          "paper": "http://arxiv.org/pdf/2301.11305v2.pdf",
          "summary": "Checks whether small rewrites of a passage lower its log probability under a language "
                     "model, which flags text that model wrote, without training a classifier."},
         {"name": "Real-time Scene Text Detection with Differentiable Binarization",
          "paper": "http://arxiv.org/pdf/1911.08947v2.pdf",
          "summary": "Finds words in street photos with a segmentation network whose binarization step is "
                     "learned end to end."}])
    answer = _answer(text, real_embedder)
    assert answer.task.name == "machine-generated text detection"
    assert answer.ranking[-1].name.startswith("Real-time Scene Text Detection")

