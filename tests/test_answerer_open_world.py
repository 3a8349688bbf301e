"""Questions nobody anticipated: tasks named from evidence, abstention, and `ask` agreeing with search."""

from __future__ import annotations

import pytest

from answerer.compose import compose
from answerer.contrast import ruled_out
from answerer.items import as_candidates, item_task_scores
from answerer.render import to_dict, to_markdown
from answerer.task_evidence import glossary_evidence
from answerer.taxonomy import detect_task, load_taxonomy
from catalog import parse_bytes
from catalog.records import ItemRecord

HUMMING = "Which model can turn my humming into a full song?"

MUSICGEN = {"name": "Simple and Controllable Music Generation", "paper": "https://arxiv.org/abs/2306.05284",
            "github": "https://github.com/facebookresearch/audiocraft",
            "summary": "MusicGen is a single language model over several streams of compressed audio tokens that "
                       "generates music from a text description. It can also follow a melody, such as a hummed or "
                       "whistled tune, given as a chromagram."}
MUSICLM = {"name": "MusicLM: Generating Music From Text", "paper": "https://arxiv.org/abs/2301.11325",
           "summary": "MusicLM generates high-fidelity music at 24 kHz from text descriptions, consistent over "
                      "several minutes. It can be conditioned on both text and a melody, turning whistled and "
                      "hummed melodies into music in the style a caption describes."}
JUKEBOX = {"name": "Jukebox: A Generative Model for Music", "paper": "https://arxiv.org/abs/2005.00341",
           "summary": "Jukebox generates music with singing in the raw audio domain, compressing audio with a "
                      "multi-scale VQ-VAE and modeling the codes with autoregressive transformers."}
SAM_PAPER = {"name": "Segment Anything", "paper": "https://arxiv.org/abs/2304.02643",
             "summary": "A promptable image segmentation model trained on 1 billion masks that outputs a mask for "
                        "any object from a click, a box or text, zero-shot on new images."}
YOLOX = {"name": "YOLOX: Exceeding YOLO Series in 2021", "paper": "https://arxiv.org/abs/2107.08430",
         "summary": "An anchor-free YOLO object detector with a decoupled head, real-time on a GPU."}
KNITTING = {"name": "Neural Inverse Knitting: From Images to Manufacturing Instructions",
            "paper": "https://arxiv.org/abs/1902.02752",
            "summary": "We map images of knitted fabric to the instruction programs that industrial knitting "
                       "machines execute, using a network trained on rendered and real knit samples."}


def _doc(make_prompt, question, models=(), papers=()):
    return parse_bytes(make_prompt(question, models, papers).encode(), "q.txt")


# -- a zoo prefix names a model's task for certain -------------------------------------


def test_zoo_prefixes_come_from_the_catalog_vocabulary():
    tax = load_taxonomy()
    scores, source = item_task_scores(ItemRecord(key="m", kind="model", name="Txt2Music-MusicGen-Small"), tax)
    assert source == "zoo" and scores == {"music-generation": 1.0}
    for prefix, task in (("ASR", "speech-recognition"), ("Track", "object-tracking"), ("Forecast", "time-series-forecasting")):
        assert tax.tasks_for_prefix(prefix) == [task]


@pytest.mark.real_model
def test_a_recommended_txt2music_model_names_text_to_music(real_embedder, make_prompt):
    doc = _doc(make_prompt, "What would this do for me, and how would I use it?",
               [{"name": "Txt2Music-MusicGen-Small", "paper": "https://arxiv.org/abs/2306.05284"}], [YOLOX])
    answer = compose(doc, embedder=real_embedder)
    assert answer.task.base_name == "text-to-music generation"
    assert answer.task.family == "audio"
    assert answer.ranking[0].name == "Txt2Music-MusicGen-Small"
    assert "Txt2Music-MusicGen-Small (zoo prefix)" in to_markdown(answer)


@pytest.mark.real_model
def test_a_prefix_the_glossary_lacks_names_the_task_from_the_items(real_embedder, make_prompt, tmp_path, monkeypatch):
    vocab = tmp_path / "prefixes.txt"
    vocab.write_text("Knit2Pattern | knitting pattern generation\n", encoding="utf-8")
    monkeypatch.setenv("MODELKB_TASK_PREFIXES", str(vocab))
    doc = _doc(make_prompt, "Can any model turn a photo of a sweater into a knitting pattern I can follow?",
               [{"name": "Knit2Pattern-InverseKnit-Base"}], [KNITTING, YOLOX])
    answer = compose(doc, embedder=real_embedder)
    assert answer.task.source == "items"
    assert answer.task.name == "knitting pattern generation"
    assert answer.task.family == ""  # no glossary family is claimed
    assert "Knit2Pattern" in answer.task.description


# -- abstention -----------------------------------------------------------------------


@pytest.mark.real_model
def test_a_task_in_no_glossary_entry_gets_no_glossary_heading(real_embedder, make_prompt):
    doc = _doc(make_prompt, "Can any model turn a photo of a sweater into a knitting pattern I can follow?",
               [], [KNITTING, YOLOX])
    answer = compose(doc, embedder=real_embedder)
    tax = load_taxonomy()
    assert answer.task.id not in tax.tasks and answer.task.family == ""  # no glossary task, no family
    # named in the knitting paper's own words ("inverse knitting"), not a glossary name
    assert answer.task.source == "items" and "knitting" in answer.task.name
    assert KNITTING["name"] in answer.task.description
    md = to_markdown(answer)
    assert md.startswith(f"# Answer: {answer.task.name}")
    # explained from the items' own words, led by the item that is about knitting
    assert answer.ranking[0].name == KNITTING["name"]
    assert "From the items: " + KNITTING["name"] in answer.task.description
    assert "object detection" not in answer.ranking[0].fit_reason


@pytest.mark.real_model
def test_a_question_no_item_names_a_task_for_abstains_plainly(real_embedder, make_prompt):
    # the only paper is about another task and uses no task phrase the question echoes
    doc = _doc(make_prompt, "Can any model turn a photo of a sweater into a knitting pattern I can follow?",
               [], [YOLOX])
    answer = compose(doc, embedder=real_embedder)
    tax = load_taxonomy()
    assert answer.task.id not in tax.tasks and answer.task.family == ""
    assert answer.task.source == "none" and answer.task.name == "a task outside the glossary"
    assert to_markdown(answer).startswith("# Answer: a task outside the glossary")


# -- the humming question -------------------------------------------------------------------


@pytest.mark.real_model
def test_humming_question_is_music_generation_even_with_a_sam_checkpoint_recommended(real_embedder, make_prompt):
    doc = _doc(make_prompt, HUMMING, [{"name": "InstSeg-SAM-ViT-H", "paper": "https://arxiv.org/abs/2304.02643"}],
               [MUSICGEN, MUSICLM, JUKEBOX])
    answer = compose(doc, embedder=real_embedder)
    assert answer.task.base_name == "text-to-music generation" and answer.task.family == "audio"
    assert answer.ranking[0].name in (MUSICGEN["name"], MUSICLM["name"])
    sam = next(r for r in answer.ranking if r.name == "InstSeg-SAM-ViT-H")
    assert sam.fit == "poor" and answer.ranking[-1].name == "InstSeg-SAM-ViT-H"
    # no item is said to be about a task its own text does not support
    for r in answer.ranking:
        if r.name != "InstSeg-SAM-ViT-H":
            assert not any("segmentation" in t or "super-resolution" in t for t in r.item_tasks), r


@pytest.mark.real_model
def test_detected_family_never_crosses_to_images_for_audio_questions(real_embedder):
    for question in (HUMMING, "Who said what in my recording of a four-person meeting?",
                     "Split this song into vocals, drums and bass so I can make a karaoke track."):
        match = detect_task(question, (), real_embedder)
        assert match.family in ("audio", ""), (question, match.name)


# -- ask agrees with search -------------------------------------------------------------------


@pytest.mark.real_model
def test_ask_leads_with_the_best_search_results_and_agrees_on_the_task(real_embedder, make_prompt, isolated_home):
    from modelkb.app import App

    app = App(embedder=real_embedder)
    files = [
        make_prompt("How does AI compose music from a text description?",
                    [{"name": "Txt2Music-MusicGen-Small", "paper": "https://arxiv.org/abs/2306.05284"}],
                    [MUSICGEN, MUSICLM, JUKEBOX]),
        make_prompt("How do I cut out my dog from a photo with one click?",
                    [{"name": "InstSeg-SAM-ViT-H", "paper": "https://arxiv.org/abs/2304.02643"}], [SAM_PAPER]),
        make_prompt("Which detector runs in real time on a webcam?", [], [YOLOX]),
    ]
    try:
        for i, text in enumerate(files):
            app.catalog.ingest(parse_bytes(text.encode(), f"f{i}.txt"))
        hits = app.search(HUMMING, k=6)
        answer = app.ask(HUMMING, k=6)
    finally:
        app.catalog.close()
    music = {"Txt2Music-MusicGen-Small", MUSICGEN["name"], MUSICLM["name"], JUKEBOX["name"]}
    assert hits[0].name in music  # search gets it right ...
    assert answer.ranking[0].name in [h.name for h in hits[:2]]  # ... and the answer leads with it
    assert answer.ranking[0].name in music
    assert answer.task.base_name == "text-to-music generation"
    assert all(r.role == "related" for r in answer.ranking)  # nobody recommended anything


def test_ask_on_a_catalog_with_nothing_on_the_question_names_no_task_from_its_items(
        real_embedder, make_prompt, isolated_home):
    from modelkb.app import App

    app = App(embedder=real_embedder)
    text = make_prompt("How does AI compose music from a text description?",
                       [{"name": "Txt2Music-MusicGen-Small", "paper": "https://arxiv.org/abs/2306.05284"}],
                       [MUSICGEN, MUSICLM, JUKEBOX, SAM_PAPER])
    try:
        app.catalog.ingest(parse_bytes(text.encode(), "music.txt"))
        answer = app.ask("which model forecasts electricity demand for next week from past hourly usage?", k=6)
    finally:
        app.catalog.close()
    # the best of a catalog that holds nothing on the question is no evidence for or against a
    # task: the question's own words name it, and the answer says that nothing here does it
    assert answer.task.id == "time-series-forecasting"
    assert all(r.fit == "poor" for r in answer.ranking)
    assert any("None of the items fits this question" in n for n in answer.workflow.notes)
    assert "no listed item does this" in answer.workflow.flow


# -- siblings: the most specific task name wins ------------------------------------------------


def test_a_specific_task_name_outweighs_the_generic_word_inside_it():
    tax = load_taxonomy()
    scores = tax.keyword_scores("a global weather forecast for the next ten days")
    assert scores["weather-forecasting"] > scores.get("time-series-forecasting", 0.0)
    scores = tax.keyword_scores("Simple Open-Vocabulary Object Detection with Vision Transformers")
    assert scores["open-vocabulary-detection"] > scores.get("object-detection", 0.0)
    # a paper titled with the specific task is about it, and only partly about the generic one
    title = ItemRecord(key="p", kind="paper", name="Flow-Guided Video Inpainting with Temporal Transformers")
    about, _source = item_task_scores(title, tax)
    assert about["video-inpainting"] > about.get("inpainting", 0.0)


def test_the_hub_prefixes_that_were_missing_name_their_tasks():
    tax = load_taxonomy()
    for prefix, task in (("KWS", "keyword-spotting"), ("VidInpaint", "video-inpainting"),
                         ("TabSynth", "tabular-data-synthesis"), ("OfflineRL", "offline-rl"),
                         ("Patho", "computational-pathology"), ("Weather", "weather-forecasting"),
                         ("RotDet", "aerial-object-detection"), ("TSCls", "time-series-classification")):
        assert tax.tasks_for_prefix(prefix) == [task], prefix


def test_an_unknown_compound_prefix_names_a_task_only_for_what_its_modifier_says():
    # a modifier the task's entry never speaks of makes another task: audio captioning is not
    # image captioning, materials property prediction ("MatProp") not matting, a speech detector
    # not an object detector
    tax = load_taxonomy()
    for prefix in ("AudioCaption", "MusicCaption", "ShotDetect", "SpeechDetect", "AudioSR", "ChartQA",
                   "TableQA", "MatProp", "PointTrack"):
        assert tax.tasks_for_prefix(prefix) == [], prefix
    for prefix, task in (("HandPose", "pose-estimation"), ("FaceDetect", "face-recognition"),
                         ("ObjNav", "visual-navigation"), ("VideoInpaint", "video-inpainting")):
        assert tax.tasks_for_prefix(prefix) == [task], prefix


@pytest.mark.real_model
def test_a_wake_word_question_is_keyword_spotting_led_by_the_kws_model(real_embedder, make_prompt):
    doc = _doc(make_prompt, "My smart speaker prototype must react when someone says its name, on a tiny "
                            "battery-powered chip. What listens for that?",
               [{"name": "KWS-DSCNN-SpeechCommands", "paper": "https://arxiv.org/abs/1711.07128"}],
               [{"name": "Hello Edge: Keyword Spotting on Microcontrollers", "paper": "https://arxiv.org/abs/1711.07128",
                 "summary": "Compact neural networks detect a small set of spoken keywords within the memory and "
                            "compute limits of microcontrollers."}, YOLOX])
    answer = compose(doc, embedder=real_embedder)
    assert answer.task.base_name == "keyword spotting and wake-word detection" and answer.task.family == "audio"
    assert answer.intent == "choose"
    assert answer.ranking[-1].name == YOLOX["name"]


@pytest.mark.real_model
def test_a_model_without_a_summary_is_described_by_the_paper_it_links_to(real_embedder, make_prompt):
    # an unknown zoo prefix and architecture: only the file's own paper says what the model does
    clam = {"name": "Data-efficient and weakly supervised computational pathology on whole-slide images",
            "paper": "http://arxiv.org/pdf/2004.09666v2.pdf",
            "summary": "CLAM classifies gigapixel whole-slide images from slide-level labels with attention-based "
                       "multiple instance learning and shows which regions drove the prediction."}
    doc = _doc(make_prompt, "How can a network learn cancer detection from huge tissue scans labeled only per scan?",
               [{"name": "Zqx-CLAM-Camelyon16", "paper": "https://arxiv.org/abs/2004.09666"}], [clam, YOLOX, KNITTING])
    answer = compose(doc, embedder=real_embedder)
    model = next(r for r in answer.ranking if r.name == "Zqx-CLAM-Camelyon16")
    others = [r for r in answer.ranking if r.name in (YOLOX["name"], KNITTING["name"])]
    assert all(model.score > o.score for o in others)
    assert model.dense > 0.2


def test_a_task_named_only_to_say_it_is_not_wanted_is_no_evidence_for_it():
    tax = load_taxonomy()
    question = "Can a model read a scanned receipt straight into fields without running OCR first?"
    def ocr_words(text, **kw):
        return [p for p, _w in tax.keyword_matches(text, **kw).get("ocr", [])]

    assert "ocr" in ocr_words(question)  # the word is there ...
    assert "ocr" not in ocr_words(question, skip_negated=True)  # ... but negated
    assert tax.keyword_scores(question, skip_negated=True)["ocr"] < tax.keyword_scores(question)["ocr"]
    assert "ocr" in ocr_words("Not only OCR: which model reads receipts?", skip_negated=True)


def test_a_generic_word_leaves_its_specific_tasks_open():
    tax = load_taxonomy()
    assert "weather-forecasting" in tax.specializations("forecast")
    assert "video-inpainting" in tax.specializations("inpainting")


def test_a_domain_word_speaks_for_every_task_of_its_family_that_uses_it():
    # "satellite images" and "map" are land-cover cues, but change detection works on satellite
    # images and outputs a map too: the words must not pick land cover over it
    g = glossary_evidence("I have two satellite images of our suburb, from 2018 and 2023, and want a map of "
                          "where new houses appeared.")
    words = dict(zip(g.ids, g.words))
    assert words["land-cover-segmentation"] > 0
    assert words["change-detection"] == pytest.approx(words["land-cover-segmentation"])
    assert words["depth-estimation"] == 0  # "depth map" is another sense, in another family
    tax = load_taxonomy()
    assert "source-separation" in tax.sharing("music-generation", "songs")
    assert "change-detection" in tax.sharing("land-cover-segmentation", "satellite")
    assert not tax.sharing("land-cover-segmentation", "sentinel-2")  # a name only land cover uses


DEMUCS = {"name": "Music Source Separation in the Waveform Domain", "paper": "https://arxiv.org/abs/1911.13254",
          "summary": "Demucs separates a music track into drums, bass, vocals and other stems with a convolutional "
                     "and recurrent network working directly on the waveform."}
OPEN_UNMIX = {"name": "Open-Unmix - A Reference Implementation for Music Source Separation",
              "paper": "https://joss.theoj.org/papers/10.21105/joss.01667",
              "summary": "A recurrent network that estimates spectrogram masks to split a song into vocals, drums, "
                         "bass and accompaniment."}


@pytest.mark.real_model
def test_songs_and_music_in_a_separation_question_do_not_make_it_music_generation(real_embedder, make_prompt):
    doc = _doc(make_prompt, "For a party I want the singer's voice taken out of a few pop songs so only the music "
                            "is left. Which model can do that?",
               [{"name": "ASR-Whisper-LargeV3", "paper": "https://arxiv.org/abs/2212.04356"}],
               [DEMUCS, OPEN_UNMIX, MUSICGEN, WHISPER])
    answer = compose(doc, embedder=real_embedder)
    assert answer.task.id == "source-separation"
    assert answer.ranking[0].name in (DEMUCS["name"], OPEN_UNMIX["name"])


def test_items_that_point_to_another_task_than_the_question_word_make_it_abstain():
    # "forecast" alone is time-series forecasting by its words, but every item is about
    # weather: the answer must not assert the time-series heading over the items
    weather = [ItemRecord(key=f"p{i}", kind="paper", name=title, summary=summary) for i, (title, summary) in enumerate((
        ("Learning skillful medium-range global weather forecasting",
         "A graph neural network forecasts global weather ten days ahead from reanalysis data."),
        ("Accurate medium-range global weather forecasting with 3D neural networks",
         "A 3D transformer predicts upper-air and surface weather variables days ahead."),
    ))]
    match = detect_task("Which forecast model should I use for the next ten days?", weather, None)
    assert match.task.id != "time-series-forecasting"
    # abstained, or named weather forecasting (from the glossary or in the items' own words)
    assert match.source == "none" or "weather forecasting" in match.name
    assert match.family in ("", "science")


def test_words_the_user_quotes_are_content_not_the_task():
    tax = load_taxonomy()
    question = "How can a model answer 'how many cars are parked here?' about a photo?"
    quoted = tax.keyword_scores(question, skip_negated=True).get("object-counting", 0.0)
    plain = tax.keyword_scores(question.replace("'", ""), skip_negated=True).get("object-counting", 0.0)
    assert 0 < quoted < plain  # still a hint, no longer the task's name


# -- close siblings and tasks the glossary lacks: named from the items, never a wrong glossary name ---------

SIGN_TRANSFORMERS = {
    "name": "Sign Language Transformers: Joint End-to-end Sign Language Recognition and Translation",
    "paper": "https://arxiv.org/abs/2003.13830",
    "summary": "A transformer reads sign-language video, recognizes the signed glosses and translates them into "
               "spoken-language sentences in one model."}
WLASL = {"name": "Word-level Deep Sign Language Recognition from Video: A New Large-scale Dataset and Methods Comparison",
         "paper": "https://arxiv.org/abs/1910.11006",
         "summary": "A large dataset of isolated American Sign Language words and a comparison of appearance-based and "
                    "pose-based recognizers."}
WHISPER = {"name": "Robust Speech Recognition via Large-Scale Weak Supervision", "paper": "https://arxiv.org/abs/2212.04356",
           "summary": "Whisper transcribes speech audio in many languages after training on 680,000 hours of weakly "
                      "labeled audio."}
STARDIST = {"name": "Cell Detection with Star-convex Polygons", "paper": "https://arxiv.org/abs/1806.03535",
            "summary": "StarDist finds each cell nucleus in microscopy images as a star-convex polygon, separating cells "
                       "that touch."}
CELLPOSE = {"name": "Cellpose: a generalist algorithm for cellular segmentation",
            "paper": "https://www.biorxiv.org/content/10.1101/2020.02.02.931238v1",
            "summary": "A U-Net trained on a varied set of microscopy images segments cells of many types without "
                       "retraining."}
CSRNET = {"name": "CSRNet: Dilated Convolutional Neural Networks for Understanding the Highly Congested Scenes",
          "paper": "https://arxiv.org/abs/1802.10062",
          "summary": "Estimates crowd density maps and counts people in very crowded scenes with dilated convolutions."}
CODEREVIEWER = {"name": "CodeReviewer: Pre-Training for Automating Code Review Activities",
                "paper": "https://arxiv.org/abs/2203.09095",
                "summary": "Pre-trains a transformer on code changes and reviewer comments to predict whether a change "
                           "needs review, write review comments and refine the code."}
CODEX = {"name": "Evaluating Large Language Models Trained on Code", "paper": "https://arxiv.org/abs/2107.03374",
         "summary": "Codex, a GPT model fine-tuned on public code, writes Python functions from docstrings, measured on "
                    "HumanEval."}


def test_task_phrases_are_read_from_titles_and_summaries():
    from answerer.phrase_reading import candidate_phrases, task_heads

    heads = task_heads(load_taxonomy())
    assert {"forecasting", "regression", "super-resolution"} <= heads
    found = candidate_phrases(SIGN_TRANSFORMERS["name"], heads)
    assert "sign language recognition" in found
    # "X for Y" names "Y X" when Y is what it is done to
    assert "time series imputation" in candidate_phrases("BRITS: Bimodal Recurrent Imputation for Time Series", heads)
    # "X from Y" names "Y X": Y is the input, and X keeps its words (not "speech recognition")
    found = candidate_phrases("Emotion Recognition from Speech Using wav2vec 2.0 Embeddings", heads)
    assert "speech emotion recognition" in found and "speech recognition" not in found
    # a field, an adjective and a verb are not task names
    assert not candidate_phrases("Deep Learning for Global High-Resolution Data", heads)
    assert "fills missing" not in candidate_phrases("It fills missing values.", heads)
    # what a method has or uses ("with ...") is not its task; what it is for is
    found = candidate_phrases("Text-to-Image Diffusion Models with Deep Language Understanding for Image Generation", heads)
    assert "language understanding" not in found and "image generation" in found
    assert "scene text recognition" in candidate_phrases("Scene Text Recognition with Permuted Sequence Models", heads)
    # ... until the clause ends: a comma or a full stop closes "with a CNN"
    assert "energy disaggregation" in candidate_phrases(
        "Predicts one appliance's power from the mains signal with a CNN, improving energy disaggregation.", heads)
    assert "speech separation" in candidate_phrases(
        "A model with dual-path recurrent layers. It improves speech separation on noisy mixtures.", heads)
    # a participle names a kind of thing ("missing data"); a gerund with an object is a verb
    assert "missing data imputation" in candidate_phrases("GAIN: Missing Data Imputation using Adversarial Nets", heads)
    assert not candidate_phrases("Generating Diverse Images", heads)
    # an introduction is what a paper is, not a task it does
    assert candidate_phrases("A Gentle Introduction to Conformal Prediction", heads) == ["conformal prediction"]

    # "End to End" is end-to-end, not the first word of a task; a recording or a treatment is a thing
    assert "video clip retrieval" in candidate_phrases("An Empirical Study of CLIP for End to End Video Clip Retrieval", heads)
    assert not any(p.startswith("end ") for p in candidate_phrases("End to End Video Clip Retrieval", heads))
    assert not candidate_phrases("Identify the exact recording", heads)
    assert "coreference resolution" in candidate_phrases("End-to-end Neural Coreference Resolution", heads)
    # a segment, a moment or a building is a thing, whatever its ending
    assert not candidate_phrases("It localizes the video segment that matches a query.", heads)
    assert not candidate_phrases("Counts each damaged building", heads)
    # an -ing word before "for" is a verb ("correcting for"), unless a glossary task ends in it
    assert not candidate_phrases("Detecting and Correcting for Label Shift with Black Box Predictors", heads)
    assert "time series forecasting" in candidate_phrases("Forecasting for Time Series", heads)

def test_task_phrases_read_systems_and_joined_task_nouns_as_tasks():
    from answerer.phrase_reading import candidate_phrases, task_heads

    heads = task_heads(load_taxonomy())
    # a title that names its system ("Detector", "Reviewer") names what the system does
    assert "scene text detection" in candidate_phrases("EAST: An Efficient and Accurate Scene Text Detector", heads)
    assert "code review" in candidate_phrases("CodeReviewer: Pre-Training for Automating Code Review Activities", heads)
    # two task nouns joined by "and" are one task
    seld = "Sound Event Localization and Detection of Overlapping Sources Using Convolutional Recurrent Networks"
    assert "sound event localization and detection" in candidate_phrases(seld, heads)
    # a chemical reaction is a thing, not something done
    assert "organic reaction" not in candidate_phrases("Predicting the outcome of an organic reaction", heads)
    # "toward" joins two phrases like a preposition: no task name runs across it
    isic = candidate_phrases("Skin Lesion Analysis Toward Melanoma Detection", heads)
    assert "melanoma detection" in isic and not any("toward" in p for p in isic)
    # a hyphenated task noun is one ("geo-localization", "re-identification"); a hyphenated
    # adjective is not ("high-resolution" before "image synthesis")
    geo = "Lending Orientation to Neural Networks for Cross-view Geo-localization"
    assert candidate_phrases(geo, heads) == ["cross-view geo-localization"]
    assert "person re-identification" in candidate_phrases("Person Re-identification in the Wild", heads)
    assert "photo-realistic high-resolution" not in candidate_phrases("Photo-realistic High-Resolution Images", heads)
    # a bare participle is a verb ("generated"), a hyphenated one says what kind ("appearance-based")
    assert "appearance-based gaze estimation" in candidate_phrases("Appearance-Based Gaze Estimation in the Wild", heads)
    assert "generated image detection" not in candidate_phrases("Generated Image Detection", heads)


def test_a_claim_about_the_method_in_one_title_is_no_task_name():
    from answerer.open_task import open_tasks
    from answerer.item_evidence import ROLE_WEIGHT

    tax = load_taxonomy()
    items = [ItemRecord(key="p0", kind="paper", name="Crystal Graph Networks for an Accurate and Interpretable "
                        "Prediction of Material Properties"),
             ItemRecord(key="p1", kind="paper", name="Facial Video Forgery Detection Network"),
             ItemRecord(key="p2", kind="paper", name="Sim-to-Real Transfer of Robotic Control with Dynamics "
                        "Randomization")]
    found = {o.name for o in open_tasks("Which model screens crystal structures, and which spots faked faces?",
                                        as_candidates(items), [0.9, 0.8, 0.85], ROLE_WEIGHT, tax)}
    # only adjectives before the task noun say how, not what: one title is not enough
    assert "interpretable prediction" not in found
    # a phrase that names what is done to what, in the title of a closest item, still counts
    assert "facial video forgery detection" in found
    assert "sim-to-real transfer" in found  # a hyphenated compound ("...-to-real") is no adjective


def test_a_task_whose_noun_stems_to_a_generic_word_is_still_a_task_but_a_field_is_not():
    from answerer.open_task import open_tasks
    from answerer.item_evidence import ROLE_WEIGHT

    items = [ItemRecord(key="p0", kind="paper", name="Topic Modeling in Embedding Spaces"),
             ItemRecord(key="p1", kind="paper", name="BERTopic: Neural topic modeling with a class-based TF-IDF procedure"),
             ItemRecord(key="p2", kind="paper", name="Multitask Learning and Benchmarking with Clinical Time Series Data"),
             ItemRecord(key="p3", kind="paper", name="Geometric Deep Learning on Graphs and Manifolds")]
    found = {o.name for o in open_tasks("How can a model find the main themes in 20,000 survey answers?",
                                        as_candidates(items), [0.5, 0.5, 0.4, 0.4], ROLE_WEIGHT, load_taxonomy())}
    assert "topic modeling" in found  # "modeling" stems to the generic "model", yet names a task
    assert not found & {"multitask learning and benchmarking", "multitask learning", "geometric deep learning"}


def test_a_phrase_several_items_use_competes_with_the_glossary_without_a_model():
    from answerer.open_task import open_tasks
    from answerer.item_evidence import ROLE_WEIGHT

    tax = load_taxonomy()
    items = [ItemRecord(key=f"p{i}", kind="paper", name=d["name"], summary=d["summary"])
             for i, d in enumerate((SIGN_TRANSFORMERS, WLASL, WHISPER))]
    found = {o.name: o for o in open_tasks("Can a model turn signing into sentences?", as_candidates(items),
                                           [0.8, 0.7, 0.3], ROLE_WEIGHT, tax)}
    sign = found["sign language recognition"]
    assert sign.items[:2] == (SIGN_TRANSFORMERS["name"], WLASL["name"]) and sign.parent is None
    assert "speech recognition" not in found  # a glossary name is that glossary task, not a new one


def test_two_spellings_of_one_task_name_count_the_items_of_both():
    from answerer.open_task import open_tasks
    from answerer.item_evidence import ROLE_WEIGHT

    tax = load_taxonomy()
    items = [ItemRecord(key="p0", kind="paper", name="Lending Orientation to Neural Networks for Cross-view "
                        "Geo-localization"),
             ItemRecord(key="p1", kind="paper", name="TransGeo: Transformer Is All You Need for Cross-view Image "
                        "Geo-localization"),
             ItemRecord(key="p2", kind="paper", name="Cross-view Synthesis of Street Scenes from Image Pairs")]
    found = {o.name: o for o in open_tasks("Where was this street photo taken? We only have satellite images.",
                                           as_candidates(items), [0.8, 0.7, 0.6], ROLE_WEIGHT, tax)}
    # one word more inside the name ("image") is the same task, so both titles support it
    assert set(found["cross-view geo-localization"].items) == {items[0].name, items[1].name}
    # but a name that shares only the first and last word with another is not the same
    assert "cross-view synthesis" not in found or len(found["cross-view synthesis"].items) == 1


@pytest.mark.real_model
def test_a_close_sibling_question_gets_no_wrong_glossary_heading(real_embedder, make_prompt):
    # sign language is not speech: the recommended speech recognizer must not name the task
    doc = _doc(make_prompt, "My hearing-impaired colleague talks in sign language on video calls. Can a model "
                            "turn her signing into written sentences?",
               [{"name": "ASR-Whisper-LargeV3", "paper": "https://arxiv.org/abs/2212.04356"}],
               [SIGN_TRANSFORMERS, WLASL, WHISPER])
    answer = compose(doc, embedder=real_embedder)
    assert answer.task.id != "speech-recognition" and answer.task.family != "audio"
    assert answer.task.source == "items" and "sign language" in answer.task.name
    assert SIGN_TRANSFORMERS["name"] in answer.task.description  # says where the name comes from
    assert answer.ranking[0].name == SIGN_TRANSFORMERS["name"]
    # the task signal follows the items' name, not the glossary's guess (speech recognition)
    by_name = {r.name: r for r in answer.ranking}
    assert by_name["ASR-Whisper-LargeV3"].task_match == 0.0 and by_name[WHISPER["name"]].task_match == 0.0
    assert by_name[WLASL["name"]].task_match > 0.5


@pytest.mark.real_model
def test_counting_cells_is_not_crowd_counting(real_embedder, make_prompt):
    doc = _doc(make_prompt, "How can I count the cells in my fluorescence microscope images automatically?",
               [{"name": "Count-CSRNet-ShanghaiTech", "paper": "https://arxiv.org/abs/1802.10062"}],
               [STARDIST, CELLPOSE, CSRNET])
    answer = compose(doc, embedder=real_embedder)
    assert answer.task.id != "object-counting" and answer.task.family != "image"
    assert answer.task.id not in load_taxonomy().tasks  # named from the items or abstained
    assert answer.ranking[0].name in (STARDIST["name"], CELLPOSE["name"])


@pytest.mark.real_model
def test_a_task_outside_the_glossary_is_not_given_its_neighbours_name(real_embedder, make_prompt):
    doc = _doc(make_prompt, "Could an AI read our merge requests and leave comments on the risky changes, like a "
                            "senior engineer would?",
               [{"name": "CodeGen-StarCoder-15B", "paper": "https://arxiv.org/abs/2305.06161"}], [CODEREVIEWER, CODEX])
    answer = compose(doc, embedder=real_embedder)
    assert answer.task.id != "code-generation" and answer.task.family == ""
    assert answer.task.id not in load_taxonomy().tasks
    assert answer.ranking[0].name == CODEREVIEWER["name"]


# -- a more precise name than the glossary's, when the closest items agree on it ------------

SELD_CRNN = {"name": "Sound Event Localization and Detection of Overlapping Sources Using Convolutional Recurrent "
                     "Neural Networks", "paper": "https://arxiv.org/abs/1807.00129",
             "summary": "A convolutional recurrent network that, from multichannel audio, both recognizes which sound "
                        "events are active and estimates the direction each one arrives from."}
SELD_DATA = {"name": "A Multi-Room Reverberant Dataset for Sound Event Localization and Detection",
             "paper": "https://arxiv.org/abs/1905.08546",
             "summary": "Recordings from a microphone array in five rooms with labeled sound events and their "
                        "spatial positions, with a baseline that detects and localizes them."}
DIARIZATION = {"name": "pyannote.audio: neural building blocks for speaker diarization",
               "paper": "https://arxiv.org/abs/1911.01255",
               "summary": "An open-source toolkit that segments a recording by who speaks when."}
AUDIO_CNN = {"name": "CNN Architectures for Large-Scale Audio Classification", "paper": "https://arxiv.org/abs/1609.09430",
             "summary": "Image classification networks applied to log-mel spectrograms label the sounds in millions "
                        "of video soundtracks."}
DB_TEXT = {"name": "Real-time Scene Text Detection with Differentiable Binarization",
           "paper": "https://arxiv.org/abs/1911.08947",
           "summary": "Segments text regions of any shape in natural images and binarizes them with a learned "
                      "threshold, fast enough for real time."}
EAST = {"name": "EAST: An Efficient and Accurate Scene Text Detector", "paper": "https://arxiv.org/abs/1704.03155",
        "summary": "A single network predicts word and line boxes of arbitrary orientation directly from street "
                   "images, without candidate proposals."}
TROCR = {"name": "TrOCR: Transformer-based Optical Character Recognition with Pre-trained Models",
         "paper": "https://arxiv.org/abs/2109.10282",
         "summary": "Reads the text in a cropped line image with an image transformer encoder and a text "
                    "transformer decoder."}


@pytest.mark.real_model
def test_a_poor_fit_models_prefix_does_not_name_the_task_two_close_papers_name(real_embedder, make_prompt):
    # the recommended audio tagger names what it does (audio classification); the question and the
    # two papers closest to it are about where each sound comes from as well
    doc = _doc(make_prompt, "We put a microphone array in the lab. Can a network classify each sound event and say "
                            "which direction it came from?",
               [{"name": "AudioTag-PANNs-CNN14", "paper": "https://arxiv.org/abs/1912.10211"}],
               [SELD_CRNN, SELD_DATA, AUDIO_CNN])
    answer = compose(doc, embedder=real_embedder)
    assert answer.task.id != "audio-classification"
    assert answer.task.name == "sound event localization and detection"
    assert answer.task.source == "items" and SELD_CRNN["name"] in answer.task.description
    assert answer.ranking[0].name in (SELD_CRNN["name"], SELD_DATA["name"])


@pytest.mark.real_model
def test_the_precise_name_two_close_papers_use_heads_the_answer_under_its_glossary_task(real_embedder, make_prompt):
    doc = _doc(make_prompt, "In street photos I need boxes around the lettering on every shop sign, curved ones too, "
                            "before OCR reads it. Which detector finds the text regions?",
               [{"name": "OCR-TrOCR-Printed", "paper": "https://arxiv.org/abs/2109.10282"}], [DB_TEXT, EAST, TROCR])
    answer = compose(doc, embedder=real_embedder)
    # the glossary's broader heading (OCR) and the zoo prefix give way to the precise name
    assert answer.task.name == "scene text detection" and answer.task.id not in load_taxonomy().tasks
    assert answer.task.family in ("", "document")  # never another family
    assert answer.ranking[0].name in (DB_TEXT["name"], EAST["name"])


@pytest.mark.real_model
def test_a_name_that_says_no_more_than_the_glossary_task_keeps_the_glossary_heading(real_embedder, make_prompt):
    papers = [{"name": "Image Super-Resolution Using Deep Convolutional Networks", "paper": "https://arxiv.org/abs/1501.00092",
               "summary": "A small convolutional network learns the mapping from low- to high-resolution images."},
              {"name": "Enhanced Deep Residual Networks for Single Image Super-Resolution",
               "paper": "https://arxiv.org/abs/1707.02921",
               "summary": "A deeper residual network without batch normalization upscales images by 2, 3 and 4 times."},
              {"name": "Photo-Realistic Single Image Super-Resolution Using a Generative Adversarial Network",
               "paper": "https://arxiv.org/abs/1609.04802",
               "summary": "A GAN with a perceptual loss recovers photo-realistic textures when upscaling 4 times."}]
    doc = _doc(make_prompt, "My old digital camera photos are tiny. Which model makes them four times bigger and sharp?",
               [{"name": "SR-RealESRGAN-x4plus", "paper": "https://arxiv.org/abs/2107.10833"}], papers)
    answer = compose(doc, embedder=real_embedder)
    # "image super-resolution", which all three papers use, is no more precise than the glossary's name
    assert answer.task.id == "super-resolution" and answer.task.source == "glossary"


FOURCASTNET = {"name": "FourCastNet: A Global Data-driven High-resolution Weather Model using Adaptive Fourier "
                       "Neural Operators", "paper": "https://arxiv.org/abs/2202.11214",
               "summary": "Forecasts global weather variables a week ahead with a Fourier neural operator "
                          "transformer, orders of magnitude faster than numerical weather prediction."}
PANGU = {"name": "Pangu-Weather: A 3D High-Resolution Model for Fast and Accurate Global Weather Forecast",
         "paper": "https://arxiv.org/abs/2211.02556",
         "summary": "A 3D Earth-specific transformer trained on reanalysis data that forecasts global weather "
                    "up to a week ahead, more accurately than operational numerical prediction."}
FNO = {"name": "Fourier Neural Operator for Parametric Partial Differential Equations",
       "paper": "https://arxiv.org/abs/2010.08895",
       "summary": "Learns solution operators of partial differential equations by parameterizing the integral "
                  "kernel in Fourier space, solving whole families of PDEs fast."}
DEEPAR = {"name": "DeepAR: Probabilistic Forecasting with Autoregressive Recurrent Networks",
          "paper": "https://arxiv.org/abs/1704.04110",
          "summary": "An autoregressive recurrent network trained on many related time series that outputs "
                     "probabilistic forecasts, such as product demand."}


@pytest.mark.real_model
def test_a_forecast_question_with_weather_papers_is_weather_forecasting(real_embedder, make_prompt):
    # "forecast" names time-series forecasting in general; the items say which kind
    doc = _doc(make_prompt, "For a 10-day global forecast, which learned model is most accurate, the graph one "
                            "or the Fourier one?",
               [{"name": "Derain-Restormer-Rain13K", "paper": "https://arxiv.org/abs/2111.09881"}],
               [FOURCASTNET, PANGU, FNO, DEEPAR])
    answer = compose(doc, embedder=real_embedder)
    assert answer.task.id == "weather-forecasting"
    assert answer.ranking[0].name in (FOURCASTNET["name"], PANGU["name"])


@pytest.mark.real_model
def test_a_word_shared_by_two_tasks_of_a_family_labels_the_item_by_its_meaning(real_embedder, make_prompt):
    # "transcription" alone names speech recognition; a piano transcription paper about notes is music
    onsets = {"name": "Onsets and Frames: Dual-Objective Piano Transcription", "paper": "https://arxiv.org/abs/1710.11153",
              "summary": "Predicts note onsets and frame-wise pitch activity with two stacked networks so piano "
                         "recordings become accurate note sequences."}
    whisper = {"name": "Robust Speech Recognition via Large-Scale Weak Supervision", "paper": "https://arxiv.org/abs/2212.04356",
               "summary": "Whisper transcribes speech in many languages, trained on 680,000 hours of weakly supervised audio."}
    doc = _doc(make_prompt, "I recorded my guitar solo and an app wrote out every note as sheet music. How does it "
               "figure out which notes were played and when?",
               [{"name": "AMT-MT3-Slakh", "paper": "https://arxiv.org/abs/2111.03017"}], [onsets, whisper])
    answer = compose(doc, embedder=real_embedder)
    assert answer.task.base_name == "music transcription"
    by_name = {r.name: r for r in answer.ranking}
    assert by_name[onsets["name"]].item_tasks[:1] == ["music transcription"]
    assert by_name[onsets["name"]].fit != "poor" and "speech" not in by_name[onsets["name"]].fit_reason
    assert by_name[whisper["name"]].item_tasks[:1] == ["automatic speech recognition"]


BEAT_TRACKING = {"name": "Joint Beat and Downbeat Tracking with Recurrent Neural Networks",
                 "paper": "https://arxiv.org/abs/1607.07220",
                 "summary": "Finds the positions of beats and downbeats in music audio with a recurrent network over "
                            "spectrogram features, followed by a dynamic Bayesian network that infers tempo and metre."}
TCN_BEATS = {"name": "Temporal convolutional networks for musical audio beat tracking",
             "paper": "https://arxiv.org/abs/1905.01230",
             "summary": "Estimates the beat times of a song with a small temporal convolutional network trained on "
                        "annotated recordings, running faster than recurrent models."}
SORT = {"name": "Simple Online and Realtime Tracking", "paper": "https://arxiv.org/abs/1602.00763",
        "summary": "Tracks multiple objects in video by associating detections frame to frame with a Kalman filter "
                   "and the Hungarian algorithm."}


@pytest.mark.real_model
def test_a_task_the_closest_items_look_nothing_like_is_not_asserted(real_embedder, make_prompt):
    # "spot and track" and a recommended MOT tracker say multi-object tracking; the papers that answer
    # the question are about beats in music, which read nothing like following objects in video
    doc = _doc(make_prompt, "Our light show should flash on every drum hit. How does a model spot and track the "
                            "beat of a song as it plays?",
               [{"name": "MOT-ByteTrack-MOT17", "paper": "https://arxiv.org/abs/2110.06864"}],
               [BEAT_TRACKING, TCN_BEATS, SORT])
    answer = compose(doc, embedder=real_embedder)
    assert answer.task.id != "object-tracking" and answer.task.family != "video"
    assert "beat" in answer.task.name and answer.task.source == "items"
    assert answer.ranking[0].name in (BEAT_TRACKING["name"], TCN_BEATS["name"])


@pytest.mark.real_model
def test_a_paper_that_reads_like_the_task_without_naming_it_is_not_called_not_it(real_embedder, make_prompt):
    birdnet = {"name": "BirdNET: A deep learning solution for avian diversity monitoring",
               "paper": "https://doi.org/10.1016/j.ecoinf.2021.101236",
               "summary": "We present BirdNET, a deep neural network that identifies 984 North American and European "
                          "bird species from their vocalizations in soundscape recordings, enabling large-scale "
                          "passive acoustic monitoring."}
    flocking = {"name": "Birds of a Feather: Flocking Behaviour in Multi-Agent Reinforcement Learning",
                "paper": "http://arxiv.org/pdf/2101.00001v1.pdf",
                "summary": "We study emergent flocking behaviour among agents trained with multi-agent reinforcement "
                           "learning, showing that simple rewards yield bird-like coordinated motion."}
    doc = _doc(make_prompt, "I left a recorder in the rainforest for a month. Is there something that can go "
                            "through all those hours and tell me which birds were singing and when?",
               [{"name": "AudioCls-PANNs-CNN14", "paper": "http://arxiv.org/pdf/1912.10211v5.pdf"}],
               [birdnet, flocking])
    answer = compose(doc, embedder=real_embedder)
    assert answer.task.family == "audio"
    by_name = {r.name: r for r in answer.ranking}
    bird, flock = by_name[birdnet["name"]], by_name[flocking["name"]]
    assert bird.fit != "poor" and f"but not {answer.task.name}" not in bird.fit_reason
    assert f"reads like {answer.task.name}" in bird.fit_reason
    assert flock.fit == "poor" and "reads like" not in flock.fit_reason


def test_the_clauses_a_question_rules_out_are_read_with_their_words():
    assert ruled_out("We need depth for every pixel from each pair of images, instead of estimating depth "
                     "from one image alone. Which model fits?") == ["estimating depth from one image alone"]
    assert ruled_out("Rather than a black-box net, I want the actual formula.") == ["a black-box net"]
    assert ruled_out("I want MIDI I can edit, so MIDI and not a finished audio file.") == ["a finished audio file"]
    assert ruled_out("How can recommendations use those links, not just who bought what?") == ["who bought what"]
    # "not only" adds, a plain "not" is no contrast, and one word is too little to match
    assert ruled_out("Which model, not only fast but accurate, fits my data?") == []
    assert ruled_out("I'm not an ML person. Which model predicts prices?") == []
    assert ruled_out("Which one reads formulas, not text?") == []


@pytest.mark.real_model
def test_the_models_that_do_what_the_question_rules_out_do_not_lead(real_embedder, make_prompt):
    depth_anything = {"name": "Depth Anything: Unleashing the Power of Large-Scale Unlabeled Data",
                      "paper": "https://arxiv.org/abs/2401.10891",
                      "summary": "A foundation model for monocular depth estimation that predicts relative depth "
                                 "from a single image, trained on 62 million unlabeled images."}
    raft_stereo = {"name": "RAFT-Stereo: Multilevel Recurrent Field Transforms for Stereo Matching",
                   "paper": "https://arxiv.org/abs/2109.07547",
                   "summary": "Estimates disparity between rectified left and right images with recurrent updates "
                              "on multi-level correlation volumes."}
    monodepth = {"name": "Digging Into Self-Supervised Monocular Depth Estimation",
                 "paper": "https://arxiv.org/abs/1806.01260",
                 "summary": "Monodepth2 learns to predict depth from a single image using only video or stereo "
                            "pairs as supervision."}
    doc = _doc(make_prompt, "Our drone carries a left and a right camera. We need metric depth for every pixel "
                            "from each pair of images, instead of estimating depth from one image alone. "
                            "Which model fits?",
               [{"name": "Depth-DepthAnything-ViTL", "paper": "https://arxiv.org/abs/2401.10891"}],
               [depth_anything, raft_stereo, monodepth])
    answer = compose(doc, embedder=real_embedder)
    assert answer.ranking[0].name == raft_stereo["name"]
    assert answer.task.name == "stereo matching"  # the items' name, not the glossary's monocular depth
    by_name = {r.name: r for r in answer.ranking}
    for name in ("Depth-DepthAnything-ViTL", depth_anything["name"], monodepth["name"]):
        assert by_name[name].fit != "strong"
        assert "closer to what the question rules out (\u201cestimating depth from one image alone\u201d)" \
            in by_name[name].fit_reason
    assert "rules out" not in by_name[raft_stereo["name"]].fit_reason
    assert all(0.0 <= r.score <= 1.0 for r in answer.ranking)


@pytest.mark.real_model
def test_ruling_out_a_method_does_not_move_the_task_to_another_family(real_embedder, make_prompt):
    doc = _doc(make_prompt, "We are forecasting our weekly sales with a large language model, prompting it with the "
                            "numbers as text, instead of a dedicated pretrained forecaster like Chronos. How well "
                            "does that work?",
               [{"name": "TSLLM-TimeLLM-Llama7B", "paper": "https://arxiv.org/abs/2310.01728"}],
               [{"name": "Time-LLM: Time Series Forecasting by Reprogramming Large Language Models",
                 "paper": "https://arxiv.org/abs/2310.01728",
                 "summary": "Reprograms time series into text prototypes so a frozen large language model forecasts "
                            "them, with prompts that describe the data."},
                {"name": "Chronos: Learning the Language of Time Series", "paper": "https://arxiv.org/abs/2403.07815",
                 "summary": "A pretrained forecaster that tokenizes series values and trains a T5 model on them, "
                            "forecasting new series zero-shot."},
                {"name": "Language Models are Few-Shot Learners", "paper": "https://arxiv.org/abs/2005.14165",
                 "summary": "GPT-3, a 175B-parameter language model, writes text and follows tasks from a few "
                            "examples in the prompt."}])
    answer = compose(doc, embedder=real_embedder)
    assert answer.task.family in ("time-series", "")
    assert answer.ranking[0].name != "Language Models are Few-Shot Learners"


@pytest.mark.real_model
def test_an_abstained_answer_says_which_task_the_question_names(real_embedder):
    """`ask` over a catalog where search finds a binarization and a colorization model first: the
    answer does not assert OCR over them, but says the question's words name it."""
    def rec(key, name, summary=None, kind="paper"):
        return ItemRecord(key=key, kind=kind, name=name, summary=summary)

    items = [
        rec("model:binarize-docentr-dibco", "Binarize-DocEnTr-DIBCO", kind="model"),
        rec("model:colorize-deoldify-stable", "Colorize-DeOldify-Stable", kind="model"),
        rec("arxiv:1802.03345", "A Two-Stage Method for Text Line Detection in Historical Documents",
            "Finds the baselines of handwritten text lines in historical pages with an attention-augmented "
            "residual U-Net followed by a clustering stage that assembles line polylines."),
        rec("arxiv:2109.10282", "TrOCR: Transformer-based Optical Character Recognition with Pre-trained Models",
            "Recognizes text lines with a pretrained image transformer encoder and a pretrained text transformer "
            "decoder, strong on printed, handwritten and scene text."),
    ]
    answer = compose("My grandmother's handwritten recipe cards are faded and in cursive. What can turn them "
                     "into searchable text?", [(r, "related") for r in items], real_embedder,
                     retrieval=[0.85, 0.56, 0.49, 0.28])
    assert answer.task.source == "none"
    assert answer.task.named_by_question == {"optical character recognition (OCR)": ["handwritten", "cursive"]}
    md = to_markdown(answer)
    assert ("**Not sure:** the question's words (\u201chandwritten\u201d, \u201ccursive\u201d) name optical "
            "character recognition (OCR)") in md
    assert "\u201d." not in md.split("## 2.")[0]  # the quoted evidence ends the sentence once
    assert to_dict(answer)["task"]["named_by_question"] == answer.task.named_by_question


@pytest.mark.real_model
@pytest.mark.parametrize("question", [
    "Which model detects when a song's chorus starts?",
    "Can a model recognize which instruments are playing in a song?",
])
def test_a_question_that_only_asks_to_detect_gets_no_generation_heading(real_embedder, make_prompt, question):
    # the provided items make music; the question asks to find something in a song it has
    text = make_prompt(question, [{"name": "Txt2Music-MusicGen-Small", "paper": "https://arxiv.org/abs/2306.05284"}],
                       [MUSICGEN, JUKEBOX])
    answer = compose(parse_bytes(text.encode(), "question.txt"), embedder=real_embedder)
    assert "generation" not in answer.task.name and "synthesis" not in answer.task.name
    assert answer.task.source == "none"


@pytest.mark.real_model
def test_a_question_that_asks_to_make_music_still_gets_music_generation(real_embedder, make_prompt):
    text = make_prompt("Which model can turn my humming into a full song?",
                       [{"name": "Txt2Music-MusicGen-Small", "paper": "https://arxiv.org/abs/2306.05284"}],
                       [MUSICGEN, JUKEBOX])
    assert compose(parse_bytes(text.encode(), "question.txt"), embedder=real_embedder).task.id == "music-generation"
