"""What the user wants done (intent) and the sub-questions a question holds."""

from __future__ import annotations

import re

# ---------------------------------------------------------------- sub-questions

_INTERROGATIVE = re.compile(
    r"^(?:how|what|which|why|when|where|who|whose|whom|can|could|is|are|does|do|did|should|"
    r"would|will|was|were|has|have|may|might|in what|to what)\b",
    re.IGNORECASE,
)
_SENTENCE_SPLIT = re.compile(r"(?<=[.?!])[\"'\u201d\u2019)]?\s+(?=[\"'\u201c\u2018(]?[A-Z0-9])")
_CLAUSE_SPLIT = re.compile(r"\s*(?:\u2014|\u2013|--|;|:|,)\s*|\s+-\s+")
_JOINED_QUESTIONS = re.compile(
    r",?\s+and\s+(?=(?:how|what|which|why|where|when|who)\b)"
    r"|,\s+and\s+(?=(?:is|are|does|do|can|could|should|will|would)\s+(?:it|they|this|that|there|i|you)\b)",
    re.IGNORECASE,
)


def _sentences(text: str) -> list[str]:
    text = " ".join((text or "").split())
    return [s.strip() for s in _SENTENCE_SPLIT.split(text) if s.strip()]


def split_subquestions(question: str) -> list[str]:
    """The separate questions inside a user's question, verbatim, in order.

    "… photos exceptionally well. What kind of training data …? Which AI
    model structures …?" -> two sub-questions. A sentence whose question
    starts after a dash or a comma ("I doubled the size …—how does real-time
    upscaling achieve that?") yields the interrogative clause. Two questions
    joined by "and which/how…" are separated. With no question mark and no
    interrogative sentence, the whole text is the one sub-question.
    """
    text = " ".join((question or "").split()).strip().strip("\"'\u201c\u201d")
    if not text:
        return []
    out: list[str] = []
    sentences = _sentences(text)
    marked = any(s.endswith("?") for s in sentences)
    for sentence in sentences:
        # With question marks present they decide; otherwise interrogative openings do
        # ("When using an app, I noticed …." is context, not a question).
        is_question = sentence.endswith("?") if marked else bool(_INTERROGATIVE.match(sentence))
        if not is_question:
            continue
        candidate = sentence
        if not _INTERROGATIVE.match(sentence):
            # "I doubled …—how does X achieve that?" -> the interrogative clause
            pieces = _CLAUSE_SPLIT.split(sentence)
            for i, piece in enumerate(pieces):
                if _INTERROGATIVE.match(piece) and len(piece.split()) >= 3:
                    start = sentence.find(piece)
                    candidate = sentence[start:]
                    break
        parts = _JOINED_QUESTIONS.split(candidate)
        for part in parts:
            part = part.strip(" ,")
            if len(part.split()) >= 3:
                if not part.endswith("?") and candidate.endswith("?"):
                    part = part.rstrip(".") + "?"
                out.append(part[0].upper() + part[1:] if part[0].islower() else part)
    if not out:
        out = [text]
    return out


# ---------------------------------------------------------------------- intent

#: Labeled vocabulary: explain | choose | training_data | compare | multi. `architecture`
#: ("which network structures are used?") is kept per sub-question for evidence
#: selection; on its own it is a kind of `choose`.
_COMPARE = (
    r"\bvs\.?\b", r"\bversus\b", r"\bcompar(?:e|ed|es|ing|ison)\b", r"\bdifferen(?:t|tly|ce|ces)\b",
    r"\bdiffer(?:s|ed)?\b", r"\bthan\b", r"\bchoose between\b", r"\bbetween (?:them|the two|these)\b",
    r"\b(?:one|the first)\b.*\bthe other\b", r"\bso much (?:faster|slower|better|worse|sharper)\b",
    r"\b(?:faster|slower|better|worse)\b.*\b(?:than|newer|older|original)\b",
    r"^(?:is|are) (?:that|this|it|they) (?:a|an) [\w\-. ]+ or [\w\-. ]+\?$",
)
_TRAINING = (
    r"\btraining (?:data|set|sets|pairs?|images|examples|samples|corpus)\b", r"\bdata ?sets?\b",
    r"\b(?:trained|train|training) (?:it |them |the model )?(?:on|with)\b",
    r"\bwhat (?:kind of |sort of |type of )?data\b", r"\bwhat do (?:you|they|researchers) (?:even )?train\b",
    r"\bhow do (?:researchers|they|you) (?:get|collect|create|make|build) (?:the )?(?:training|data|pairs|examples)",
    r"\b(?:real|fake|synthetic) (?:noisy )?(?:photos|images|data|noise|pairs)\b.*\bor\b",
)
_ARCHITECTURE = (
    r"\bmodel structures?\b", r"\barchitectures?\b", r"\bnetwork (?:design|structure)s?\b",
    r"\bbackbones?\b", r"\bwhich (?:ai )?(?:network|model) (?:types|families|designs)\b",
    r"\b(?:which|what) (?:ai )?(?:models?|networks?) (?:are|is) (?:popular|used|common)\b",
)
#: "Which model …?", "What tool …?": asks for a thing by name, whatever else the sentence says.
_ASKS_FOR_A_MODEL = (
    r"^(?:which|what) (?:\w+ ){0,3}(?:model|models|tool|tools|method|methods|network|networks|checkpoint|app|approach"
    r"|library|detector|detectors|setup|system|software|service)\b"
)
_CHOOSE = (
    _ASKS_FOR_A_MODEL,
    # "What can bring their faces back?", "What would do that automatically?": asks for a thing that does it
    r"^what (?:can|could|would|will) (?!i\b|we\b|you\b|it\b|they\b|this\b|that\b|these\b|those\b)\w+",
    # "What turns photos into that?", "What finds those regions?"
    r"^what (?!is\b|was\b|does\b|makes\b|happens\b|goes\b|means\b|causes\b|tells\b)[a-z]+[^s]s\b(?! the (?:model|network)\b)",
    r"\bwhat (?:should|could|can) (?:i|we) (?:use|run|try|pick)\b", r"\bis there (?:something|anything|a model|a tool|an app)\b",
    r"\bshould i (?:use|pick|choose|try)\b", r"\bbest (?:model|tool|way|method|approach|option)\b",
    r"\brecommend", r"\bwhat (?:can|could|should) i use\b", r"\bwhich one\b", r"\bhow (?:should|do|can) i choose\b",
    # "Which of these gives me those points?", "Which does the aligning?", "What research does that?"
    r"^which (?:of (?:these|them|those)|ones?)\b", r"^which (?:does|do|can|could|would|will|handles?|gives?)\b",
    r"^what (?:\w+ ){0,2}(?:does|do|handles|can do) (?:that|this|it|the job)\b",
    r"^what(?:'s| is) (?:built|made|designed|meant|trained) for\b", r"\bshould (?:i|we) (?:look at|consider|go with)\b",
    # "Can I erase him from the whole clip?", "Is there an open model that covers them?": asks for a way to do it
    r"^(?:can|could) (?:i|we)\b", r"^(?:can|could) (?:an? |the |some )?(?:ai|model|network|neural \w+|software|system|tool|machine|something|anything)\b",
    r"\b(?:i|we|and)(?:'d like| would like| want| need)\b(?! to (?:understand|know|learn|see why)\b)",
    r"^is there (?:a|an|any|some)\b(?! (?:\w+ )?(?:way|reason|difference|dataset)\b)",
)

INTENT_PATTERNS: dict[str, tuple[str, ...]] = {
    "compare": _COMPARE,
    "training_data": _TRAINING,
    "architecture": _ARCHITECTURE,
    "choose": _CHOOSE,
}

INTENT_DESCRIPTIONS = {
    "explain": "explain how the AI produces the result",
    "choose": "choose a model or tool for the job",
    "training_data": "what training data makes it work",
    "architecture": "which model architectures are used",
    "compare": "compare approaches",
    "multi": "several questions at once",
}


def intent_of(text: str) -> str:
    """Intent of one sub-question: compare | training_data | architecture | choose | explain."""
    low = " ".join((text or "").split()).casefold()
    # "How can AI make 3D objects from text when there's hardly any training data?"
    # asks how, not for data: topic intents are read from the main clause only.
    main = _SUBORDINATE.split(low, maxsplit=1)[0]
    asks_for_a_model = bool(re.search(_ASKS_FOR_A_MODEL, main))
    for intent, patterns in INTENT_PATTERNS.items():
        if intent == "compare" and asks_for_a_model:
            continue  # "What model compares two signatures?", "Which model, rather than …?"
        target = low if intent == "compare" else main
        if any(re.search(p, target) for p in patterns):
            return intent
    return "explain"


_SUBORDINATE = re.compile(r"\s(?:when|since|because|although|though|even though|if|unless|given that)\s")


_FOLLOW_UP = re.compile(r"^(?:and )?(?:why|how|does|is|can|will|would) (?:is |does |can )?(?:it|that|this one|they)\b", re.IGNORECASE)


def detect_intent(question: str) -> str:
    """What the user wants: explain | choose | training_data | compare | multi.

    A comparison anywhere makes it `compare`. Several sub-questions make it
    `multi` (seed 003: training data *and* model structures) — except a
    "which model …, and why is it …" pair, where the follow-up is about the
    chosen model, which stays `choose`. One sub-question gives its own
    intent (`architecture` alone counts as `choose`).
    """
    subqs = split_subquestions(question)
    intents = [intent_of(q) for q in subqs] or ["explain"]
    # "… in the abstract. Which model?": a question too short to be a sub-question still says what is asked
    short = [s for s in _sentences(question) if s.endswith("?") and len(s.split()) < 3]
    if intents == ["explain"] and any(intent_of(s) == "choose" for s in short):
        return "choose"
    if "compare" in intents:
        return "compare"
    if len(intents) > 1:
        if intents[0] == "choose" and all(_FOLLOW_UP.match(q) for q in subqs[1:]):
            return "choose"
        return "multi"
    return "choose" if intents[0] == "architecture" else intents[0]
