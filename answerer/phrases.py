"""Word-level matching for the taxonomy: light stemming, phrase search, name keys.

Task words are matched as phrases of stemmed words, so "upscaled" meets
"upscaling" and "super resolution" meets "super-resolution".
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Iterable, Sequence


def norm_key(text: str | None) -> str:
    """Case-, space- and punctuation-insensitive key: `MIMO-UNet` == `mimo unet`."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return re.sub(r"[^0-9a-z+]+", "", text)


def with_article(word: str | None) -> str:
    """`word` with its indefinite article: "an image deblurring", "a MIMO-UNet", "an SR"."""
    w = (word or "").strip()
    first = re.split(r"[\s-]", w, maxsplit=1)[0]
    if first.isupper() and len(first.rstrip("0123456789.")) <= 3:  # read as letters: "an SR", "an HDR"
        vowel_sound = first[:1] in "AEFHILMNORSX"
    else:
        vowel_sound = bool(re.match(r"(?i:[aeio]|u(?![ns][aeiou]))", w))
    return f"{'an' if vowel_sound else 'a'} {w}"


# --------------------------------------------------------------- phrase matching

_WORD_RE = re.compile(r"[0-9a-z&]+")
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212_"), " ")


_KEEP_DOUBLE = ("ll", "ss", "zz", "ff")


#: A short stem that lost its "e" to -ed/-ing: consonant, vowel, consonant (not w, x, y).
_SHORT = re.compile(r"[^aeiou][aeiou][^aeiouwxy]")


@functools.lru_cache(maxsize=65536)
def _stem_word(word: str) -> str:
    """A deliberately light stemmer: plurals and -ed/-ing/-e only.

    Snowball is too eager for phrase matching ("colorization" and "color"
    become one stem, "images generated" becomes "image generation"); this
    keeps derivations apart and only merges inflections: upscale / upscaled /
    upscaling -> "upscal", blurred -> "blur", images -> "imag".
    """
    w = word
    if len(w) <= 3 or not w.isalpha():
        return w
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("sses"):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    if w.endswith("ing") and len(w) > 5:
        w = w[:-3]
    elif w.endswith("ed") and len(w) > 4:
        w = w[:-2]
    elif w.endswith("e") and len(w) > 4:
        w = w[:-1]
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "aeiou" and w[-2:] not in _KEEP_DOUBLE:
        w = w[:-1]
    elif len(w) == 3 and len(word) > 4 and _SHORT.fullmatch(w):
        w += "e"  # "coding", "timed" -> "code", "time" (as "code", "time"); "mapping" -> "map"
    return w


def _word_spans(text: str) -> tuple[str, list[tuple[str, int, int]]]:
    """(NFKC text, [(stem, start, end)]) — spans index the returned text."""
    text = unicodedata.normalize("NFKC", text or "")
    low = text.translate(_DASHES).replace("-", " ").lower()
    if len(low) != len(text):  # exotic case mappings: fall back to no spans
        low = text.translate(_DASHES).replace("-", " ")
    return text, [(_stem_word(m.group(0).casefold()), m.start(), m.end())
                  for m in re.finditer(r"[0-9A-Za-z&\u00C0-\uFFFF]+", low)
                  if _WORD_RE.fullmatch(m.group(0).casefold())]


def stems(text: str) -> list[str]:
    """Lower-cased, stemmed words of `text` (stop words kept, for phrase adjacency)."""
    text = unicodedata.normalize("NFKC", text or "").translate(_DASHES).casefold()
    text = text.replace("-", " ")
    return [_stem_word(w) for w in _WORD_RE.findall(text)]


def matched_words(text: str, phrases: Iterable[str]) -> list[str]:
    """The user's own words in `text` that match any of `phrases` ("doubled the size")."""
    norm, spans = _word_spans(text)
    words = [w for w, _s, _e in spans]
    out = []
    for _p, _w, start, end in find_phrases(words, [(p, 1.0) for p in phrases]):
        out.append(norm[spans[start][1] : spans[end - 1][2]])
    return list(dict.fromkeys(out))


@functools.lru_cache(maxsize=8192)
def phrase_stems(phrase: str) -> tuple[str, ...]:
    return tuple(stems(phrase))


def find_phrases(
    words: Sequence[str], phrases: Iterable[tuple[str, float]]
) -> list[tuple[str, float, int, int]]:
    """Non-overlapping matches of weighted phrases in stemmed `words`, longest first.

    Returns (phrase, weight, start, end) for each match.
    """
    candidates = []
    for phrase, weight in phrases:
        p = phrase_stems(phrase)
        if not p:
            continue
        n = len(p)
        for i in range(len(words) - n + 1):
            if words[i] == p[0] and tuple(words[i : i + n]) == p:
                candidates.append((phrase, weight, i, i + n))
    candidates.sort(key=lambda c: (-(c[3] - c[2]), -c[1], c[2]))
    taken: set[int] = set()
    out = []
    for phrase, weight, start, end in candidates:
        span = set(range(start, end))
        if span & taken:
            continue
        taken |= span
        out.append((phrase, weight, start, end))
    return sorted(out, key=lambda c: c[2])
