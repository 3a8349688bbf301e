"""Zoo prefixes the vocabulary does not know, spelled out by the file's own words.

`NLI-RoBERTa-MNLI` next to "Enhanced LSTM for Natural Language Inference" is a
natural language inference model; `SpkVerif-ECAPA-VoxCeleb` next to a speaker
verification paper verifies speakers. A fixed list of abbreviations would grow
with every file, while the papers a prompt file provides usually write the long
form out. So an acronym (`NLI`, `LDCT`, `HSI`) is matched against runs of words
in the items' titles and summaries, letter by letter from each word's initial
(the Schwartz & Hearst idea, without the parentheses: "Low-Dose CT",
"HyperSpectral Image"), and a clipped word (`Spk`, `Verif`, `Rec`) against the
words it abbreviates. The most used long form wins; none found, none claimed.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Iterable, Sequence

from indexer.text import expand_task, split_words
from indexer.tokenize import STOP_WORDS

#: Words a long form may run across without giving a letter ("Learning *to* Rank" is LTR or LR).
CONNECTORS = frozenset("to of and for in on the a an with by".split())
#: Combining forms after which a word gives a second letter ("HyperSpectral Image" is HSI).
COMBINING = ("hyper", "multi", "super", "micro", "macro", "semi", "self", "cross", "inter", "intra", "auto",
             "bio", "geo", "neuro", "electro", "photo", "tele", "trans", "poly", "mono", "omni", "pseudo",
             "spatio", "audio", "video", "radio", "thermo", "hydro", "aero", "cyber", "meta", "nano")
#: Sentence-like segments: a long form never runs across these.
_SEGMENT = re.compile(r"[.;:!?()\[\]{},\u2014\u2013\"]")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9']*")
#: Shortest clipped word worth resolving ("Rec", "Spk"); two letters are too ambiguous.
MIN_CLIP = 3


def _segments(texts: Iterable[str]) -> list[list[str]]:
    """Lower-cased word runs; a CamelCase or digit-bearing name ("TimesFM") breaks a run, and an
    all-capitals word ("CT") keeps a marker so that it may give every letter."""
    out = []
    for text in texts:
        for seg in _SEGMENT.split(text or ""):
            run: list[str] = []
            for w in _WORD.findall(seg):
                if re.search(r"[a-z][A-Z]|\d", w):
                    if run:
                        out.append(run)
                    run = []
                    continue
                run.append(w.casefold() + ("^" if w.isupper() and len(w) > 1 else ""))
            if run:
                out.append(run)
    return out


def _letters(word: str) -> tuple[str, list[int]]:
    """A word and the positions after its initial that may give further letters of an acronym."""
    if word.endswith("^"):  # "CT": an acronym inside the long form gives all of its letters
        return word[:-1], list(range(1, len(word) - 1))
    for form in COMBINING:
        if word.startswith(form) and len(word) > len(form) + 2:
            return word, [len(form)]
    return word, []


def _spells(acronym: str, words: Sequence[str]) -> bool:
    """Do `words` spell `acronym`, each content word giving its initial and perhaps more of its
    letters in order ("hyperspectral" gives H and S), connectors giving their initial or nothing?"""
    strict = len(acronym) == 2  # two letters: one initial per word, nothing looser

    def match(a: int, w: int) -> bool:
        if w == len(words):
            return a == len(acronym)
        word, inner = _letters(words[w])
        if word in CONNECTORS and 0 < w < len(words) - 1 and match(a, w + 1):
            return True
        if a >= len(acronym) or word[0] != acronym[a]:
            return False
        a += 1
        if match(a, w + 1):
            return True
        for pos in [] if strict else inner:
            if a >= len(acronym) or word[pos] != acronym[a]:
                return False
            a += 1
            if match(a, w + 1):
                return True
        return False

    return match(0, 0)


def long_forms(acronym: str, texts: Iterable[str]) -> Counter[str]:
    """How often each run of words in `texts` spells `acronym` (case-insensitive)."""
    acr = acronym.casefold()
    found: Counter[str] = Counter()
    if len(acr) < 2 or not acr.isalpha():
        return found
    for words in _segments(texts):
        for i, first in enumerate(words):
            if first[0] != acr[0] or first in CONNECTORS:
                continue
            for j in range(i + 2, min(len(words), i + len(acr) + 2) + 1):
                run = words[i:j]
                if run[-1] not in CONNECTORS and _spells(acr, run):
                    found[" ".join(w.rstrip("^") for w in run)] += 1
    return found


def _unclipped(clip: str, vocabulary: Counter[str], before: str | None, pairs: Counter[tuple[str, str]]) -> str | None:
    """The word of the texts that `clip` abbreviates: one it begins ("verif" -> "verification",
    "impute" -> "imputation"), else one with its letters in order ("spk" -> "speaker"); of
    several, the one the texts write after the previous part ("place" -> "place recognition")."""
    low = clip.casefold()
    if len(low) < MIN_CLIP or low in vocabulary:
        return None
    stem = low[:-1] if low.endswith("e") and len(low) > MIN_CLIP else low
    starts = [w for w in vocabulary if w.startswith(stem) and w != stem]
    if not starts:
        pattern = re.compile(".*".join(map(re.escape, low)))
        starts = [w for w in vocabulary if w[0] == low[0] and len(w) > len(low) and pattern.match(w)]
    if not starts:
        return None
    return max(starts, key=lambda w: (pairs[(before, w)] if before else 0, vocabulary[w], -len(w), w))


def _best_form(forms: Counter[str]) -> str:
    """The most used long form; one whose letters come from function words ("Synthesis *via*
    Shallow" for SVS) only when there is no other."""
    def key(form: str) -> tuple:
        plain = not any(w in STOP_WORDS and w not in CONNECTORS for w in form.split())
        return plain, forms[form], -len(form.split()), -len(form)
    return max(forms, key=key)


def spell_out(prefix: str | None, texts: Sequence[str]) -> str | None:
    """`prefix` in the words `texts` use for it ("LTR" -> "learning to rank"), or None when no
    part of it is written out there. Parts the vocabulary spells ("Seg") keep its words.

    `texts`: what the file says in words (paper titles, summaries), not model names.
    """
    if not prefix:
        return None
    segments = _segments(texts)
    vocabulary = Counter(w.rstrip("^") for seg in segments for w in seg)
    pairs = Counter((a.rstrip("^"), b.rstrip("^")) for seg in segments for a, b in zip(seg, seg[1:]))
    parts = split_words(prefix)
    words: list[str] = []
    resolved = False
    for part in parts:
        known = expand_task(part)
        if known.casefold() != part.casefold():
            words.append(known.casefold())  # the vocabulary's own spelling ("Txt" -> "text")
            continue
        if part.isupper() and len(part) > 1:
            forms = long_forms(part, texts)
            if len(part) == 2 and len(parts) > 1:  # "FM" inside "GeoFM": two letters need two uses
                forms = Counter({f: n for f, n in forms.items() if n >= 2})
            if forms:
                words.append(_best_form(forms))
                resolved = True
                continue
        elif part.isalpha():
            long = _unclipped(part, vocabulary, words[-1].split()[-1] if words else None, pairs)
            if long:
                words.append(long)
                resolved = True
                continue
        words.append(known.casefold())
    return " ".join(words) if resolved else None
