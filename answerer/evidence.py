"""Which verbatim summary sentences bear on a (sub-)question.

Dense similarity alone favours sentences that sound like the question — a
paper's problem statement ("Image restoration in real-world scenarios presents
significant challenges due to the lack of ... datasets") shares its topic but
answers nothing. `SentenceFeatures` adds the signals that separate an answer
from an echo, all computed from the file's own sentences:

- **lexical** — IDF-weighted share of the sub-question's content words
  (`indexer.tokenize`: stop words dropped, Snowball-stemmed) that the sentence
  contains; IDF over the file's sentences, so a word every sentence shares
  ("image") counts little and a specific one ("curation", "dataset") a lot;
- **intent** — a training-data sub-question prefers sentences about data
  (dataset, trained on, synthetic, pairs, captured, curation, or a dataset
  from the glossary); an architecture sub-question prefers sentences naming a
  network (U-Net, transformer, DiT, diffusion, GAN, multi-scale, or an
  architecture from `data/architectures.json`);
- **penalties** — generic problem-statement openers ("X presents significant
  challenges", "has seen increased adoption", "remains challenging"), very
  short or very long sentences, and sentences that are mostly a link.

Everything stays extractive: the features re-weight sentences, never edit them.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Iterable, Sequence

from answerer.tasks import Taxonomy

#: Words of the question's framing, not its content ("what kind of ...",
#: "popular today", "AI app"): they say what is asked, not what an answer contains.
QUESTION_FILLER: frozenset[str] = frozenset(
    """
    ai app kind sort type popular today nowadays common usual typic notic allow achiev
    use used make made good well exact exceed realli actual someth thing way help
    """.split()
)

#: A sentence that names the aspect a sub-question asks about.
INTENT_WORDS: dict[str, re.Pattern[str]] = {
    "training_data": re.compile(
        r"\b(?:data(?:sets?)?|training (?:data|pairs|set|images|examples)|trained|train(?:s|ing)?|"
        r"synthe(?:tic|si[sz]ed?|si[sz]es)|simulat\w*|curat\w*|collect\w*|captur\w*|annotat\w*|"
        r"ground[- ]truth|pairs?|paired|corpus|degradation pipeline)\b",
        re.IGNORECASE,
    ),
    "architecture": re.compile(
        r"\b(?:transformers?|u-?nets?|cnns?|convolutional|encoders?|decoders?|diffusion|architectures?|"
        r"backbones?|attention|gans?|generative adversarial|generators?|discriminators?|multi-?scale|"
        r"\w+-based (?:model|network|architecture)|dit|vit|mlp|recurrent|networks?|autoencoders?|"
        r"residual|coarse-to-fine|modules?|layers?)\b",
        re.IGNORECASE,
    ),
}

#: Intents whose wording in a sentence is a strong cue; the others rely on dense + lexical.
_GLOSSARY_KIND = {"training_data": ("dataset",), "architecture": ("architecture", "technique")}

#: Problem statements and scene-setting: on topic, but not an answer.
GENERIC_OPENERS = re.compile(
    r"(?:\b(?:presents?|poses?|faces?|remains?) (?:a |an )?(?:significant |major |great |many |several |"
    r"key |considerable |serious |open )*(?:challenges?|challenging|problems?|difficult(?:y|ies)?|"
    r"open problem)\b"
    r"|\bremains? (?:challenging|difficult|unsolved|an open)"
    r"|\b(?:has|have) (?:seen|gained|attracted|received) (?:an? )?(?:increas\w+|growing|significant|much|considerable|wide)"
    r"|\b(?:increasingly|widely) (?:popular|adopted|used)\b"
    r"|\b(?:has|have) become (?:increasingly|an? (?:popular|hot|key|important))"
    r"|\bin recent years\b|\brecent(?:ly)? (?:advances|years|progress|works?) (?:in|have|has)\b"
    r"|\b(?:is|are) (?:a |an )?(?:fundamental|long-standing|classic|challenging|important) "
    r"(?:\w+ )?(?:problem|task|challenge)\b"
    r"|\bdue to the lack of\b|\bsuffers? from\b)",
    re.IGNORECASE,
)

#: Result claims ("experiments demonstrate ... state-of-the-art"): they say a method
#: works, not what it is made of or trained on; penalized unless choosing/comparing.
RESULT_CLAIMS = re.compile(
    r"\b(?:experiments?|results|evaluations?) (?:\w+ )?(?:demonstrate|show|confirm|indicate|verify)|"
    r"\b(?:achieves?|attains?|sets?) (?:a )?(?:new )?state-of-the-art\b|\boutperforms?\b|"
    r"\bsuperior performance\b",
    re.IGNORECASE,
)
_RESULT_NEUTRAL = frozenset({"choose", "compare"})

_URL = re.compile(r"https?://\S+")

#: Longest quote an answer copies from a summary, and most sentences read per summary:
#: a 10 MB summary must not become tens of MB of answer (it is quoted in several places).
QUOTE_LIMIT = 400
MAX_SENTENCES = 200
ELLIPSIS = "\u2026"


def clip_quote(sentence: str, limit: int = QUOTE_LIMIT) -> str:
    """`sentence` if short enough, else its first words up to `limit` characters plus "…":
    still a verbatim prefix of the summary (the grounding check strips the "…")."""
    if len(sentence) <= limit:
        return sentence
    cut = sentence[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip() + ELLIPSIS

#: Inflections the stemmer leaves apart that a reader would not: "dataset" answers "data".
_CANON = {"dataset": "data"}


def content_stems(text: str) -> list[str]:
    """Content tokens of `text` (stemmed, stop words and question framing dropped)."""
    from indexer.tokenize import tokenize

    return [_CANON.get(t, t) for t in tokenize(text) if t not in QUESTION_FILLER and not t.isdigit()]


class SentenceFeatures:
    """Question-independent features of a file's sentences, plus per-question lexical overlap."""

    def __init__(self, sentences: Sequence[str], taxonomy: Taxonomy | None = None):
        self.sentences = list(sentences)
        self.tokens = [set(content_stems(s)) for s in self.sentences]
        df: Counter[str] = Counter()
        for toks in self.tokens:
            df.update(toks)
        n = max(1, len(self.sentences))
        self._idf = {t: math.log(1.0 + n / c) for t, c in df.items()}
        self._idf_unseen = math.log(1.0 + n)
        self._tax = taxonomy
        self._mentions: dict[str, set[str]] = {}

    def idf(self, token: str) -> float:
        return self._idf.get(token, self._idf_unseen)

    def lexical(self, query: str) -> list[float]:
        """IDF-weighted share of `query`'s content words each sentence contains, in [0, 1]."""
        q = set(content_stems(query))
        total = sum(self.idf(t) for t in q)
        if total <= 0:
            return [0.0] * len(self.sentences)
        return [sum(self.idf(t) for t in q & toks) / total for toks in self.tokens]

    def _glossary_kinds(self, sentence: str) -> set[str]:
        if sentence not in self._mentions:
            kinds: set[str] = set()
            if self._tax is not None:
                kinds = {e.kind for e in self._tax.mentions(sentence)}
            self._mentions[sentence] = kinds
        return self._mentions[sentence]

    def intent_hits(self, intent: str, sentence: str) -> int:
        """How many distinct aspect cues (words, glossary names) the sentence has for `intent`."""
        words = INTENT_WORDS.get(intent)
        if words is None:
            return 0
        hits = len({m.group(0).casefold() for m in words.finditer(sentence)})
        if self._glossary_kinds(sentence) & set(_GLOSSARY_KIND.get(intent, ())):
            hits += 1
        return hits

    def prior(self, sentence: str, intent: str | None = None) -> float:
        """Penalties for generic, tiny, huge or link sentences (and result claims, by intent)."""
        adj = 0.0
        if GENERIC_OPENERS.search(sentence):
            adj -= 0.15
        if intent not in _RESULT_NEUTRAL and RESULT_CLAIMS.search(sentence):
            adj -= 0.08
        n = len(sentence.split())
        if n < 6:
            adj -= 0.05
        elif n > 45:
            adj -= 0.04
        if _URL.search(sentence):
            adj -= 0.08
        return adj


def intent_boost(hits: int) -> float:
    """Saturating bonus for aspect cues: 1 cue 0.06, 2 cues 0.10, 3+ 0.12."""
    return (0.0, 0.06, 0.10)[hits] if hits < 3 else 0.12


def features_for(sentence_lists: Iterable[Sequence[str]], taxonomy: Taxonomy | None) -> SentenceFeatures:
    return SentenceFeatures([s for sents in sentence_lists for s in sents], taxonomy)
