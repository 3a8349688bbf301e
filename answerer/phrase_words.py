"""The words that decide whether a run of words in an item's title or summary names a task
(`answerer.phrase_reading`): generic words, thing nouns, agent nouns, and the endings of adjectives and
task nouns. Data, kept apart from the rules that read it."""

from __future__ import annotations

import re


#: Words that never make a phrase a task name on their own ("deep learning", "new method").
GENERIC_WORDS = frozenset(
    """deep neural large scale large-scale learning network networks model models pre-training
    pretraining pre-trained pretrained training data new simple efficient fast robust unified toward
    towards using based end-to-end approach method methods framework benchmark dataset datasets study
    revisiting rethinking improving improved better general generalist accurate real-time everything
    beyond self-supervised supervised unsupervised weakly weakly-supervised semi-supervised learned
    scalable modern effective powerful universal state-of-the-art novel processing sensing
    benchmarking""".split()
)
#: Words that join two phrases the way a preposition does ("Skin Lesion Analysis Toward Melanoma
#: Detection", "Recognition Using Transformers"): a task name never runs across them.
RUN_BREAKS = frozenset("toward towards versus vs beyond using".split())
#: Words after which a title or summary says how or with what, not what is done ("... with Deep
#: Language Understanding", "separates stems with a U-Net"), until a purpose ("for") or a new clause.
MEANS = frozenset("with via through".split())
PURPOSE = frozenset(":;.,(") | {"for"}
#: Words after a task noun that introduce what it is done to ("... for Time Series", "... from Speech").
OBJECT_OF = frozenset({"for", "from"})
#: Participles that name a kind of thing in a task name ("missing data imputation", "moving object
#: segmentation"), where a leading -ing or -ed word is otherwise a verb ("generating images").
PARTICIPLES = frozenset("missing moving changing evolving corrupted masked".split())
#: Nouns with a task-like ending that name a thing, not something done ("graph attention",
#: "video segment", "damaged building").
THING_NOUNS = frozenset(
    """question attention function position condition solution collection station motion caption
    information representation foundation documentation instruction distribution population relation
    section nothing something everything anything thing string setting reaction introduction
    recording treatment emotion equation option mention notion portion nation segment moment
    document element instrument sentiment argument environment comment experiment equipment
    fragment building meeting painting clothing morning evening ceiling basis thesis axis
    crisis emphasis""".split()
)
#: Agent nouns a title names its system by ("Scene Text Detector"): the task is what it does.
AGENT_NOUNS: dict[str, str] = {
    "detector": "detection", "detectors": "detection", "recognizer": "recognition", "classifier": "classification",
    "estimator": "estimation", "tracker": "tracking", "segmenter": "segmentation", "translator": "translation",
    "predictor": "prediction", "forecaster": "forecasting", "summarizer": "summarization",
    "generator": "generation", "reviewer": "review", "parser": "parsing", "captioner": "captioning",
}
#: Task nouns that are not nominalizations and end no glossary task name ("code review").
EXTRA_HEADS = frozenset({"review"})
#: Endings of an adjective ("interpretable", "logical", "bayesian"): an adjective before a task noun
#: in one title is more often a claim about the method ("Interpretable Prediction") than a task name.
ADJECTIVE = re.compile(r"(?:able|ible|al|ic|ive|ous|ian|ful|less)$")
#: Nominal endings of a task noun ("translation", "assessment", "tracking", "analysis"); singular:
#: a task is named by what is done, not by what results ("predictions", "comments").
NOMINAL = re.compile(r"(?:tion|ment|ing|sis)$")
#: The nominal end a hyphenated word's last part needs to be a task noun.
HYPHENATED_NOMINAL = re.compile(r"^.{3,}(?:[ai]tion)$")
#: Parts of a hyphenated compound that make it say how a task is done ("zero-shot", "training-free",
#: "data-driven", "text-guided"), beside `GENERIC_WORDS`.
HOW_PARTS = frozenset("shot free driven aware guided conditioned agnostic independent".split())
