"""The text that represents an item in the indexes, and its content hash.

Zoo names are terse (`Txt2Img-StableDiffusionV1-CyberRealistic`); neither an
embedding model nor BM25 knows that `Txt2Img` means "text-to-image
generation" or that `SR` means "super-resolution". So the indexed text spells
the task out in words (from the one prefix vocabulary, `catalog.zoo`), splits CamelCase architecture/variant names, and keeps
the raw name too (for exact-name lexical hits). Items without a summary borrow
the questions of the documents that recommended them: that is the only
evidence of what they are for.
"""

from __future__ import annotations

import hashlib
import re
from typing import Sequence

from catalog.zoo import task_prefix

# Abbreviations used inside unknown prefixes ("Sketch2Img" -> "sketch to image").
_ABBREVIATIONS = {
    "txt": "text",
    "img": "image",
    "vid": "video",
    "aud": "audio",
    "seg": "segmentation",
    "det": "detection",
    "gen": "generation",
    "act": "action",
    "cls": "classification",
    "loc": "localization",
    "est": "estimation",
    "pred": "prediction",
    "obj": "object",
    "3d": "3D",
    "2d": "2D",
}


#: The abbreviations above that name something done (the head of `VideoSeg`), not what it is done to.
_ACTIONS = {"seg", "det", "gen", "cls", "loc", "est", "pred"}


def _known_words(prefix: str) -> str:
    """Words of a prefix in the zoo vocabulary (`catalog/data/task_prefixes.txt`), or ""."""
    entry = task_prefix(prefix)
    return entry.words if entry else ""

# Words inside a CamelCase name: "ViT"/"DiT", acronyms before a word ("ESRGANModel"),
# words with an optional leading acronym letter ("UNet"), acronyms, numbers ("4x", "1.5").
_WORD = re.compile(
    r"[A-Z][a-z]{1,2}[A-Z](?![A-Za-z])"
    r"|[A-Z]{2,}(?=[A-Z][a-z])"
    r"|[A-Z]{0,2}[a-z]+(?:\d+(?![A-Za-z]))?"
    r"|[A-Z]+(?:\d+(?![A-Za-z]))?"
    r"|\d+(?:\.\d+)?[a-z]*"
)


def split_words(name: str) -> list[str]:
    """Words of a name: split on '-', '_', spaces and CamelCase; case kept.

    `StableDiffusionV1` -> Stable, Diffusion, V1; `MIMO-UNet` -> MIMO, UNet;
    `DeblurGS` -> Deblur, GS; `Txt2Img` -> Txt, 2, Img.
    """
    words: list[str] = []
    for part in re.split(r"[-_\s]+", name or ""):
        if not part:
            continue
        found = _WORD.findall(part)
        words.extend(found if found else [part])
    return words


def expand_task(prefix: str | None) -> str:
    """Zoo task prefix -> words (`SR` -> "super-resolution upscaling").

    Unknown prefixes are split into words, `2` read as "to" and common
    abbreviations spelled out, so `Sketch2Img` -> "sketch to image".
    """
    if not prefix:
        return ""
    known = _known_words(prefix)
    if known:
        return known
    parts = split_words(prefix)
    # the head is the last part the vocabulary knows: it names what is done, the words before it
    # say to what (`ShotDetect` is shot detection, not "shot object detection"), the words after it
    # how (`DeblurGAN`)
    head = _head(parts)
    words = []
    for i, word in enumerate(parts):
        low = word.lower()
        if low == "2":
            words.append("to")
        elif low in _ABBREVIATIONS:
            words.append(_ABBREVIATIONS[low])
        elif i == head and _known_words(word):
            known = _known_words(word)
            words.append(_DOMAIN_WORDS.sub("", known) if i else known)
        else:
            words.append(word if word.isupper() and len(word) > 1 else low)
    return " ".join(words)


def _head(parts: list[str]) -> int | None:
    """Index of the last part that names something done: a known prefix or an action abbreviation."""
    return max((i for i, w in enumerate(parts)
                if w.lower() in _ACTIONS or (w.lower() not in _ABBREVIATIONS and _known_words(w))), default=None)


def prefix_modifiers(prefix: str | None) -> str:
    """The words of an unknown compound prefix before its head (`Audio` in `AudioCaption`), or all
    of them when no part is known, spelled out: what the task is done to, which the task the
    prefix's words name must also be about."""
    if not prefix or _known_words(prefix):
        return ""
    parts = split_words(prefix)
    head = _head(parts)
    # with no head every word is one the task must speak of ("MatProp" is not matting)
    return " ".join(_ABBREVIATIONS.get(w.lower(), w.lower()) for w in parts[:head] if w != "2")


#: Domain words a known single-word prefix's expansion starts with ("Detect" -> "object detection",
#: "Caption" -> "image captioning"); after a modifier (`AudioCaption`) they would contradict it.
_DOMAIN_WORDS = re.compile(r"^(?:(?:single-)?image|object|photo|video)\s+", re.IGNORECASE)


#: At most this many recommending questions are folded into a summary-less item's text.
MAX_QUESTIONS = 8


def _clean(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def _sentence(text: str) -> str:
    text = _clean(text)
    return text if not text or text[-1] in ".!?" else text + "."


# The embedder reads ~256 word pieces and BM25 gains nothing from megabytes of one
# item: a runaway summary (a 50 MB paste) must not cost minutes and gigabytes.
MAX_BODY_CHARS = 20_000


def item_text(
    name: str,
    kind: str,
    summary: str | None,
    task: str | None = None,
    architecture: str | None = None,
    variant: str | None = None,
    questions: Sequence[str] = (),
) -> str:
    """The text embedded and BM25-indexed for one item.

    Models: "<expanded task>: <architecture words> <variant words>. <name>"
    then the summary. Papers: "<title>. <summary>". Without a summary, the
    (de-duplicated, sorted, at most MAX_QUESTIONS) questions of the documents
    that recommended the item stand in, so the text never depends on the
    order rows came out of the database.
    """
    name = _clean(name)
    if kind == "model":
        if task is None and architecture is None and "-" in name:
            head, _, rest = name.partition("-")
            if task_prefix(head) is not None:
                task, architecture = head, rest
        if task or architecture or variant:
            words = " ".join(
                w for part in (architecture, variant) if part for w in split_words(part)
            )
            head = expand_task(task)
            label = f"{head}: {words}" if head and words else (head or words)
            parts = [_sentence(label), name]
        else:
            parts = [" ".join(split_words(name)) + ".", name] if split_words(name) != [name] else [name]
        first = " ".join(parts)
    else:
        first = name
    body = _clean((summary or "")[: MAX_BODY_CHARS * 2])[:MAX_BODY_CHARS]
    if not body and questions:
        unique = sorted({_clean(q) for q in questions if _clean(q)})[:MAX_QUESTIONS]
        body = " ".join(_sentence(q) for q in unique)
    if not body:
        return first
    return f"{_sentence(first)} {body}" if kind != "model" else f"{first}\n{body}"


def content_hash(text: str) -> str:
    """sha256 hex of the UTF-8 text: the key that decides whether to re-embed."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
